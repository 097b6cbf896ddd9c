/**
 * The CRM side of the demo: a local CRM sandbox, the environment that points the single-tenant
 * installation at it, and what the summary reads back (records written, API calls used). One
 * `case` per CRM; a CRM joins the demo with its sandbox and adapter.
 */
import type { CrmName } from '../crm/write-plan.ts';
import { startHubSpotSandbox } from '../sandbox/hubspot/index.ts';
import { startSalesforceSandbox } from '../sandbox/salesforce/index.ts';

export interface CrmUsage {
  /** API requests that reached the sandbox. */
  calls: number;
  /** Of those, the once-per-account ones (account lookup, the connector's custom fields). */
  setupCalls: number;
  /** Refusals the sandbox sent because a limit was exceeded (a well-behaved client causes none). */
  rateLimited: number;
  /** How the CRM names such a refusal: "429", "REQUEST_LIMIT_EXCEEDED". */
  refusal: string;
  /** The limit that matters: requests in HubSpot's busiest 10 s, or of Salesforce's daily allocation. */
  limit: { label: string; requests: number; allowed: number };
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
      return startSalesforceDemo();
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
        refusal: '429',
        limit: { label: 'busiest 10 s', requests: stats.maxRequestsInTenSeconds, allowed: HUBSPOT_LIMIT.perTenSeconds },
      };
    },
    close: () => sandbox.close(),
  };
}

/** A Developer Edition org's allocation: what a trial org would have. */
const SALESFORCE_DAILY_LIMIT = 15_000;
const SALESFORCE_OBJECTS = [
  ['Lead', 'leads'],
  ['Contact', 'contacts'],
  ['Opportunity', 'opportunities'],
  ['Task', 'tasks'],
  ['ContentNote', 'notes'],
  ['ContentDocumentLink', 'note links'],
] as const;

async function startSalesforceDemo(): Promise<DemoCrmSandbox> {
  const sandbox = await startSalesforceSandbox({ port: 0, dailyLimit: SALESFORCE_DAILY_LIMIT });
  const org = sandbox.defaultOrg;
  const client = sandbox.oauthClients[0]!;
  return {
    crm: 'salesforce',
    label: 'Salesforce',
    // The single-tenant setup of a connected app: instance, tokens, and the app's credentials for refreshing.
    env: {
      CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: org.instanceUrl,
      SALESFORCE_LOGIN_URL: sandbox.url,
      SALESFORCE_ACCESS_TOKEN: org.accessToken,
      SALESFORCE_REFRESH_TOKEN: org.refreshToken,
      SALESFORCE_CLIENT_ID: client.clientId,
      SALESFORCE_CLIENT_SECRET: client.clientSecret,
    },
    inspectUrl: `${sandbox.url}/_sandbox`,
    records() {
      const counts = sandbox.stats(org.orgId).records;
      return SALESFORCE_OBJECTS.map(([object, label]) => ({ object: label, count: counts[object] ?? 0 }));
    },
    usage() {
      const stats = sandbox.stats(org.orgId);
      return {
        calls: stats.calls,
        setupCalls: stats.byFamily.describe + stats.byFamily.limits + stats.byFamily.tooling,
        rateLimited: stats.refused.limitExceeded,
        refusal: 'REQUEST_LIMIT_EXCEEDED',
        limit: { label: 'daily allocation', requests: stats.apiUsage.used, allowed: stats.apiUsage.limit },
      };
    },
    close: () => sandbox.close(),
  };
}
