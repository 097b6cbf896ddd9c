/**
 * The CRM side of the demo: a local CRM sandbox, the environment that points the single-tenant
 * installation at it, and what the summary reads back (records written, API calls used). One
 * `case` per CRM; a CRM joins the demo with its sandbox and adapter.
 */
import type { CrmName } from '../crm/write-plan.ts';
import { startHubSpotSandbox } from '../sandbox/hubspot/index.ts';

export interface CrmUsage {
  /** API requests that reached the sandbox. */
  calls: number;
  /** Of those, the once-per-account ones (account lookup, the connector's custom fields). */
  setupCalls: number;
  /** 429s the sandbox sent because a limit was exceeded (a well-behaved client causes none). */
  rateLimited: number;
  /** The most requests in any rolling window, and the allowance for it. */
  busiestWindow: { requests: number; allowed: number; seconds: number };
}

export interface DemoCrmSandbox {
  readonly crm: CrmName;
  /** "HubSpot" */
  readonly label: string;
  /** Variables for the single-tenant installation: CRM, credentials, API URL. */
  readonly env: Record<string, string>;
  /** The page where a person sees what was written. */
  readonly inspectUrl: string;
  /** Records in the CRM by object, in display order. */
  records(): { object: string; count: number }[];
  usage(): CrmUsage;
  close(): Promise<void>;
}

export async function startDemoCrm(crm: CrmName): Promise<DemoCrmSandbox> {
  switch (crm) {
    case 'hubspot':
      return startHubSpotDemo();
    case 'salesforce':
      throw new Error('the demo cannot sync into Salesforce yet: its adapter is not joined in this build; run it with --crm hubspot');
  }
}

const HUBSPOT_LIMIT = { perTenSeconds: 100 };

async function startHubSpotDemo(): Promise<DemoCrmSandbox> {
  const sandbox = await startHubSpotSandbox({ port: 0, limits: HUBSPOT_LIMIT });
  return {
    crm: 'hubspot',
    label: 'HubSpot',
    env: { CRM: 'hubspot', HUBSPOT_API_URL: sandbox.url, HUBSPOT_ACCESS_TOKEN: sandbox.defaultPortal.privateAppToken },
    inspectUrl: `${sandbox.url}/_sandbox`,
    records() {
      const { objects } = sandbox.state();
      return (['contacts', 'companies', 'deals', 'notes', 'calls'] as const)
        .map((object) => ({ object, count: objects[object].length }))
        .filter(({ object, count }) => count > 0 || object !== 'calls');
    },
    usage() {
      const stats = sandbox.stats();
      return {
        calls: stats.totalRequests,
        setupCalls: Object.entries(stats.byEndpoint)
          .filter(([endpoint]) => /^\S+ \/(crm\/v3\/properties|account-info)\//.test(endpoint))
          .reduce((n, [, calls]) => n + calls, 0),
        rateLimited: stats.rateLimited.total,
        busiestWindow: { requests: stats.maxRequestsInTenSeconds, allowed: HUBSPOT_LIMIT.perTenSeconds, seconds: 10 },
      };
    },
    close: () => sandbox.close(),
  };
}
