/**
 * Installation → CrmAdapter. One adapter per installation, kept while its CRM settings and
 * credentials stay the same and rebuilt when they change (a reconnect, a rotated refresh token),
 * so micro-batching, the account's rate limiter, the Salesforce org's daily budget and describe
 * cache, and its single-flight refresh span every batch of that installation. An access token the
 * token provider refreshed does not count as a change: the provider hands the adapter the new one.
 */
import { createHash } from 'node:crypto';
import type { CrmAdapter } from '../crm/adapter.ts';
import type { InstallationTokens } from '../auth/installation-tokens.ts';
import type { RateLimiterRegistry } from '../crm/rate-limit.ts';
import type { CrmName } from '../crm/write-plan.ts';
import type { Logger } from '../log.ts';
import type { Installation } from '../store/installations.ts';
import { hubSpotInstallationAdapter } from './hubspot-installation.ts';
import { salesforceInstallationAdapter } from './salesforce-installation.ts';

/** The installation's CRM has no adapter in this build. Permanent: retrying the sync cannot help until one is joined in. */
export class MissingIntegrationError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'MissingIntegrationError';
  }
}

export interface AdapterFactoryOptions {
  logger: Logger;
  /** Rate limiters by CRM account; the process-wide registry unless given (benchmarks, tests). */
  limiters?: RateLimiterRegistry;
  /**
   * The service's OAuth token provider (refresh under the installation's row lock, rotated tokens
   * persisted, dead grants marked), asked for when an adapter is built: the service makes it once
   * its store is open, after the dependencies. Without one the stored tokens are used as they are.
   */
  tokens?: () => InstallationTokens | undefined;
}

export type InstallationAdapterBuilder = (installation: Installation, options: AdapterFactoryOptions) => CrmAdapter;

/** The one place a CRM's adapter is joined in. Throws MissingIntegrationError for a CRM this build cannot write to. */
export function adapterBuilderFor(crm: CrmName): InstallationAdapterBuilder {
  switch (crm) {
    case 'hubspot':
      return hubSpotInstallationAdapter;
    case 'salesforce':
      return salesforceInstallationAdapter;
  }
}

export function installationAdapters(options: AdapterFactoryOptions): (installation: Installation) => CrmAdapter {
  const adapters = new Map<string, { fingerprint: string; adapter: CrmAdapter }>();
  return (installation) => {
    const fingerprint = fingerprintOf(installation, options.tokens?.() !== undefined);
    const cached = adapters.get(installation.id);
    if (cached?.fingerprint === fingerprint) return cached.adapter;
    const adapter = adapterBuilderFor(installation.crm)(installation, options);
    adapters.set(installation.id, { fingerprint, adapter });
    return adapter;
  };
}

/**
 * A digest rather than the values: the cache keeps no second copy of the tokens. With a token
 * provider, an OAuth installation's access token (and its expiry) is the provider's business;
 * the refresh token still counts (a reconnect).
 */
function fingerprintOf(installation: Installation, providerManaged: boolean): string {
  const { crm, crmAccountId, crmSettings, crmCredentials } = installation;
  const managed = providerManaged && crmCredentials.refreshToken !== undefined;
  const { accessToken: _accessToken, expiresAt: _expiresAt, ...lasting } = crmCredentials;
  const identity = [crm, crmAccountId, crmSettings, managed ? lasting : crmCredentials];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
