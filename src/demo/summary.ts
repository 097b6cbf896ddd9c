/** What the demo did, gathered from the sandboxes and the sync records, and printed for a person. */
import type { WritePlan } from '../crm/write-plan.ts';
import type { Conversation } from '../platform/schemas.ts';
import type { DeliveryStats } from '../sandbox/platform/webhooks/webhook-sender.ts';
import type { SyncRecord, SyncStatus } from '../store/sync-records.ts';
import type { CrmUsage } from './crm-sandbox.ts';

export interface DemoSummary {
  crmLabel: string;
  seed: number;
  conversations: { total: number; byOutcome: Record<string, number> };
  webhooks: DeliveryStats & { reordered: boolean };
  syncs: Partial<Record<SyncStatus, number>>;
  /** Objects in the CRM sandbox (all written by this run: it starts empty). */
  written: { object: string; count: number }[];
  /** Records the mapping decided not to write, grouped by reason, most frequent first. */
  notWritten: { what: string; reason: string; count: number }[];
  /** Syncs that failed or were skipped, with the CRM's or the connector's message. */
  problems: { conversationId: string; status: SyncStatus; message: string }[];
  usage: CrmUsage;
  unsettled: string[];
  timedOut: boolean;
  /** From the first simulated conversation to the last final sync record. */
  syncSeconds: number;
  totalSeconds: number;
}

export function summarize(input: {
  crmLabel: string;
  seed: number;
  conversations: readonly Conversation[];
  webhooks: DeliveryStats & { reordered: boolean };
  records: ReadonlyMap<string, SyncRecord>;
  plans: ReadonlyMap<string, WritePlan>;
  written: { object: string; count: number }[];
  usage: CrmUsage;
  unsettled: string[];
  timedOut: boolean;
  syncSeconds: number;
  totalSeconds: number;
}): DemoSummary {
  const byOutcome: Record<string, number> = {};
  for (const c of input.conversations) byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
  const syncs: Partial<Record<SyncStatus, number>> = {};
  for (const record of input.records.values()) syncs[record.status] = (syncs[record.status] ?? 0) + 1;
  const notWritten = new Map<string, { what: string; reason: string; count: number }>();
  for (const plan of input.plans.values()) {
    for (const skipped of plan.skipped) {
      const what = `${skipped.key} (${skipped.object})`;
      const reason = shortReason(skipped.reason);
      const entry = notWritten.get(`${what}\n${reason}`) ?? { what, reason, count: 0 };
      entry.count += 1;
      notWritten.set(`${what}\n${reason}`, entry);
    }
  }
  const problems = [...input.records.values()]
    .filter((r) => r.status === 'failed' || r.status === 'skipped')
    .map((r) => ({ conversationId: r.conversationId, status: r.status, message: r.lastError ?? 'no message recorded' }));
  return {
    crmLabel: input.crmLabel,
    seed: input.seed,
    conversations: { total: input.conversations.length, byOutcome },
    webhooks: input.webhooks,
    syncs,
    written: input.written,
    notWritten: [...notWritten.values()].sort((a, b) => b.count - a.count || a.what.localeCompare(b.what)),
    problems,
    usage: input.usage,
    unsettled: input.unsettled,
    timedOut: input.timedOut,
    syncSeconds: input.syncSeconds,
    totalSeconds: input.totalSeconds,
  };
}

/**
 * An orphaned note's reason repeats why each record it would attach to was skipped, which the
 * lines for those records already say: name them only.
 */
function shortReason(reason: string): string {
  const orphan = /^nothing to attach it to: (.*)$/s.exec(reason);
  if (!orphan?.[1]) return reason;
  const keys = [...orphan[1].matchAll(/(?:^|; )([\w-]+) was skipped/g)].map((m) => m[1]);
  return keys.length > 0 ? `nothing to attach it to (${keys.join(' and ')} not written)` : reason;
}

/** Everything went as a healthy connector should: all final, none failed, no rate limit hit. */
export const demoSucceeded = (s: DemoSummary): boolean =>
  !s.timedOut && s.unsettled.length === 0 && (s.syncs.failed ?? 0) === 0 && s.usage.rateLimited === 0;

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const seconds = (s: number) => `${s.toFixed(1)} s`;
const PROBLEMS_SHOWN = 10;

export function formatSummary(s: DemoSummary): string {
  const outcomes = Object.entries(s.conversations.byOutcome).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  const statuses = (['synced', 'skipped', 'failed'] as const).map((status) => `${s.syncs[status] ?? 0} ${status}`).join(', ');
  const pending = Object.entries(s.syncs).filter(([status]) => !['synced', 'skipped', 'failed'].includes(status));
  const perConversation = s.conversations.total > 0 ? s.usage.calls / s.conversations.total : 0;
  const width = Math.max(...s.written.map((w) => w.object.length));
  const lines = [
    `Conversations  ${s.conversations.total} ended on the platform sandbox (${outcomes}; seed ${s.seed})`,
    `Webhooks       ${count(s.webhooks.delivered, 'event')} delivered, ${s.webhooks.duplicates} of them twice` +
      (s.webhooks.reordered ? ', criteria.evaluated before conversation.ended for some' : '') +
      (s.webhooks.failed > 0 ? `, ${s.webhooks.failed} never acknowledged` : ''),
    `Syncs          ${statuses}` +
      (pending.length > 0 ? `; still ${pending.map(([status, n]) => `${n} ${status}`).join(', ')}` : '') +
      (s.timedOut ? `  — gave up waiting after ${seconds(s.syncSeconds)}` : `  — all final ${seconds(s.syncSeconds)} after the conversations ended`),
    '',
    `Written to the ${s.crmLabel} sandbox`,
    ...s.written.map((w) => `  ${w.object.padEnd(width)}  ${w.count}`),
    '',
    s.notWritten.length > 0 ? 'Not written, as the mapping says' : 'Not written: nothing, every mapped record was written',
    ...s.notWritten.map((n) => `  ${String(n.count).padStart(4)} × ${n.what}: ${n.reason}`),
    '',
    s.problems.length > 0 ? `Failed or skipped syncs (${s.problems.length})` : 'Failures       none',
    ...s.problems.slice(0, PROBLEMS_SHOWN).map((p) => `  ${p.conversationId}  ${p.status}: ${p.message}`),
    ...(s.problems.length > PROBLEMS_SHOWN ? [`  … and ${s.problems.length - PROBLEMS_SHOWN} more`] : []),
    ...(s.unsettled.length > 0 ? [`Not final      ${s.unsettled.slice(0, PROBLEMS_SHOWN).join(', ')}${s.unsettled.length > PROBLEMS_SHOWN ? ', …' : ''}`] : []),
    `${`${s.crmLabel} API`.padEnd(14)} ${count(s.usage.calls, 'call')} (${perConversation.toFixed(2)} per conversation), ` +
      `${s.usage.setupCalls} of them one-time setup, ${s.usage.rateLimited} × ${s.usage.refusal}, ${s.usage.limit.label}: ${s.usage.limit.requests} of ${s.usage.limit.allowed} allowed`,
    `Elapsed        ${seconds(s.totalSeconds)} in all`,
  ];
  return `${lines.join('\n')}\n`;
}
