/** What an org holds, as JSON: for tests asserting on what was written, and for the page. */
import type { SObjectRecord } from '../org/record-store.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import type { ParsedOrgRule } from '../validation/org-rules.ts';
import type { RequestStatsSnapshot } from '../org/request-stats.ts';

export interface OrgState {
  orgId: string;
  user: { userId: string; username: string };
  apiUsage: { used: number; limit: number; remaining: number };
  rules: readonly ParsedOrgRule[];
  /** Records per object name, in creation order, every field included (ContentNote.Content as base64). */
  records: Record<string, SObjectRecord[]>;
}

export interface OrgStats extends RequestStatsSnapshot {
  apiUsage: { used: number; limit: number; remaining: number };
  pendingFaults: number;
  records: Record<string, number>;
}

const usageOf = (org: SalesforceOrg): OrgState['apiUsage'] => ({ used: org.usage.used(), limit: org.usage.limit, remaining: org.usage.remaining() });

export function orgState(org: SalesforceOrg): OrgState {
  return {
    orgId: org.orgId,
    user: { userId: org.user.userId, username: org.user.username },
    apiUsage: usageOf(org),
    rules: org.rules,
    records: Object.fromEntries(org.schema.all().map((s) => [s.name, org.store.all(s.name).map((r) => ({ ...r }))])),
  };
}

export function orgStats(org: SalesforceOrg): OrgStats {
  return { ...org.stats.snapshot(), apiUsage: usageOf(org), pendingFaults: org.faults.pending(), records: org.recordCounts() };
}
