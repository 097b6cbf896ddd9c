/**
 * A Salesforce installation as a CrmAdapter: its instance URL, its org id (recorded by an OAuth
 * install; a single-tenant installation is keyed by its instance host), its tokens, the org's
 * rate limiter, and the connector's Conversation_Id__c ensured before the first write.
 *
 * Refreshing: an installation connected through the connector's OAuth app refreshes through the
 * service's token provider, which holds the installation's row lock while it refreshes and
 * re-reads the row first, so several processes never spend one rotating refresh token twice. An
 * installation that brings its own connected app (single-tenant SALESFORCE_CLIENT_ID/SECRET) is
 * refreshed by the adapter's session, one refresh at a time in the process, and the rotated token
 * persisted by the provider. Without a provider (one-off CLI runs) the stored tokens are used as
 * they are: a refresh then works in memory but cannot be stored, which the log says.
 */
import type { CrmAdapter, ExecutionResult, ForgetRequest, ForgetResult, PlanExecution } from '../crm/adapter.ts';
import { CrmError } from '../crm/errors.ts';
import { createSalesforceAdapter, type SalesforceAdapter, type SalesforceAdapterOptions } from '../crm/salesforce/adapter.ts';
import type { Installation } from '../store/installations.ts';
import type { AdapterFactoryOptions } from './adapter-factory.ts';

export function salesforceInstallationAdapter(installation: Installation, options: AdapterFactoryOptions): SalesforceAdapter {
  const log = options.logger.child({ installationId: installation.id });
  let built: SalesforceAdapter | undefined;
  let ready: Promise<SalesforceAdapter> | undefined;

  /** Built on first use so a misconfigured installation fails its syncs, not `adapterFor`. */
  const adapter = (): SalesforceAdapter => (built ??= createSalesforceAdapter(adapterOptions(installation, options)));
  const started = (): Promise<SalesforceAdapter> =>
    (ready ??= (async () => {
      const org = adapter();
      await org.ensureSchema();
      log.info({ orgId: org.stats().orgId }, 'Salesforce adapter ready');
      return org;
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));

  return {
    crm: 'salesforce',
    async execute(batch: PlanExecution[]): Promise<ExecutionResult[]> {
      let org: SalesforceAdapter;
      try {
        org = await started();
      } catch (error) {
        const failure = error instanceof CrmError ? error : new CrmError('retryable', `Salesforce adapter could not start: ${(error as Error).message}`, { cause: error });
        return batch.map((execution) => ({ conversationId: execution.plan.conversationId, ok: false, error: failure, objects: {} }));
      }
      return org.execute(batch);
    },
    async ensureSchema(): Promise<void> {
      await started();
    },
    async forget(request: ForgetRequest): Promise<ForgetResult> {
      return adapter().forget(request);
    },
    stats: () => adapter().stats(),
    describe: (objects) => adapter().describe(objects),
    checkMapping: (objects) => adapter().checkMapping(objects),
  };
}

function adapterOptions(installation: Installation, options: AdapterFactoryOptions): SalesforceAdapterOptions {
  const { crmSettings: settings, crmCredentials: credentials } = installation;
  const instanceUrl = settings.instanceUrl;
  if (!instanceUrl) {
    throw new CrmError('auth', `installation ${installation.id} has no Salesforce instance URL stored: reconnect it`, { code: 'NO_INSTANCE_URL' });
  }
  if (!credentials.accessToken && !credentials.refreshToken) {
    throw new CrmError('auth', `installation ${installation.id} has no Salesforce token stored: reconnect it`, { code: 'NO_TOKEN' });
  }
  const log = options.logger.child({ installationId: installation.id });
  const common = {
    orgId: installation.crmAccountId ?? new URL(instanceUrl).host,
    instanceUrl,
    ...(options.limiters ? { limiter: options.limiters } : {}),
    log,
  };
  const tokens = options.tokens?.();
  if (!tokens) {
    return {
      ...common,
      tokens: {
        accessToken: credentials.accessToken ?? '',
        ...(credentials.refreshToken ? { refreshToken: credentials.refreshToken } : {}),
        ...(settings.clientId ? { clientId: settings.clientId } : {}),
        ...(credentials.clientSecret ? { clientSecret: credentials.clientSecret } : {}),
        ...(settings.loginUrl ? { loginUrl: settings.loginUrl } : {}),
      },
      onTokensRotated: () => log.error('Salesforce rotated the tokens but this process has no token store to keep them: the installation may need reconnecting'),
    };
  }
  const session = tokens.salesforceSession(installation);
  // Its own connected app (single-tenant): the provider can persist, not refresh, its tokens.
  const ownApp = settings.clientId !== undefined;
  return {
    ...common,
    tokens: ownApp || !session.tokens.clientId
      ? session.tokens
      : { accessToken: session.tokens.accessToken, refresh: (rejected) => tokens.refresh(installation.id, rejected) },
    onTokensRotated: session.onTokensRotated,
    onNeedsReconnection: session.onNeedsReconnection,
  };
}
