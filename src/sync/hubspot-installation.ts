/**
 * A HubSpot installation as a CrmAdapter: its API URL and tokens, its portal id (recorded by an
 * OAuth install, else learned from the token), the connector's properties ensured before the
 * first write, then the micro-batching adapter. Built on the first execute, so `adapterFor`
 * stays synchronous; a failed start (portal lookup, schema) is tried again with the next batch.
 */
import type { CrmAdapter, ExecutionResult, ForgetRequest, ForgetResult, PlanExecution } from '../crm/adapter.ts';
import { CrmError } from '../crm/errors.ts';
import { createHubSpotAdapter, HUBSPOT_DEFAULT_BUDGETS, type HubSpotAdapter } from '../crm/hubspot/adapter.ts';
import { accountRateLimiter, type RateLimiterRegistry } from '../crm/rate-limit.ts';
import type { Installation } from '../store/installations.ts';
import type { AdapterFactoryOptions } from './adapter-factory.ts';
import { lookUpHubSpotAccount, type HubSpotAccount } from './hubspot-account.ts';

export const HUBSPOT_API_URL = 'https://api.hubapi.com';

export function hubSpotInstallationAdapter(installation: Installation, options: AdapterFactoryOptions): CrmAdapter {
  const { accessToken } = installation.crmCredentials;
  const basePath = installation.crmSettings.apiUrl ?? HUBSPOT_API_URL;
  const log = options.logger.child({ installationId: installation.id });
  let ready: Promise<HubSpotAdapter> | undefined;

  const start = async (): Promise<HubSpotAdapter> => {
    if (!accessToken) {
      throw new CrmError('auth', `installation ${installation.id} has no HubSpot access token stored: reconnect it`, { code: 'NO_TOKEN' });
    }
    const tokens = options.tokens?.()?.hubspot(installation) ?? { getAccessToken: async () => accessToken };
    const account = installation.crmAccountId
      ? { portalId: installation.crmAccountId, appBaseUrl: undefined }
      : await chargedLookup(basePath, await tokens.getAccessToken(), options.limiters ?? accountRateLimiter);
    const adapter = createHubSpotAdapter({
      portalId: account.portalId,
      basePath,
      ...(account.appBaseUrl ? { appBaseUrl: account.appBaseUrl } : {}),
      tokens,
      ...(options.limiters ? { limiters: options.limiters } : {}),
      log,
    });
    await adapter.ensureSchema();
    log.info({ portalId: account.portalId, basePath }, 'HubSpot adapter ready');
    return adapter;
  };
  const adapter = (): Promise<HubSpotAdapter> =>
    (ready ??= start().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));

  return {
    crm: 'hubspot',
    async execute(batch: PlanExecution[]): Promise<ExecutionResult[]> {
      return (await adapter()).execute(batch);
    },
    async ensureSchema(): Promise<void> {
      await adapter();
    },
    async forget(request: ForgetRequest): Promise<ForgetResult> {
      return (await adapter()).forget(request);
    },
  };
}

/**
 * The portal id is the limiter's key, so the lookup cannot wait for the portal's budget; it is
 * charged to that budget as soon as the id is known, so the other calls of the window leave room for it.
 */
async function chargedLookup(basePath: string, accessToken: string, limiters: RateLimiterRegistry): Promise<HubSpotAccount> {
  const account = await lookUpHubSpotAccount(basePath, accessToken);
  await limiters.forAccount('hubspot', account.portalId, HUBSPOT_DEFAULT_BUDGETS).schedule('default', async () => undefined);
  return account;
}
