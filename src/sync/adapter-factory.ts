/**
 * Installation → CrmAdapter. One adapter per installation, kept while its CRM settings and
 * credentials stay the same and rebuilt when they change (a reconnect, a rotated token), so
 * micro-batching and the portal's rate limiter span every batch of that installation.
 */
import { createHash } from 'node:crypto';
import type { CrmAdapter } from '../crm/adapter.ts';
import type { HubSpotTokens } from '../crm/hubspot/api.ts';
import type { RateLimiterRegistry } from '../crm/rate-limit.ts';
import type { CrmName } from '../crm/write-plan.ts';
import type { Logger } from '../log.ts';
import type { Installation } from '../store/installations.ts';
import { hubSpotInstallationAdapter } from './hubspot-installation.ts';

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
  /** An installation's HubSpot tokens, where OAuth refresh plugs in; default: the stored access token as it is (private apps). */
  hubspotTokens?: (installation: Installation) => HubSpotTokens;
}

export type InstallationAdapterBuilder = (installation: Installation, options: AdapterFactoryOptions) => CrmAdapter;

/** The one place a CRM's adapter is joined in. Throws MissingIntegrationError for a CRM this build cannot write to. */
export function adapterBuilderFor(crm: CrmName): InstallationAdapterBuilder {
  switch (crm) {
    case 'hubspot':
      return hubSpotInstallationAdapter;
    case 'salesforce':
      throw new MissingIntegrationError(
        'this build of the connector cannot write to Salesforce yet (no Salesforce adapter is joined in src/sync/adapter-factory.ts)',
      );
  }
}

export function installationAdapters(options: AdapterFactoryOptions): (installation: Installation) => CrmAdapter {
  const adapters = new Map<string, { fingerprint: string; adapter: CrmAdapter }>();
  return (installation) => {
    const fingerprint = fingerprintOf(installation);
    const cached = adapters.get(installation.id);
    if (cached?.fingerprint === fingerprint) return cached.adapter;
    const adapter = adapterBuilderFor(installation.crm)(installation, options);
    adapters.set(installation.id, { fingerprint, adapter });
    return adapter;
  };
}

/** A digest rather than the values: the cache keeps no second copy of the tokens. */
function fingerprintOf(installation: Installation): string {
  const { crm, crmAccountId, crmSettings, crmCredentials } = installation;
  return createHash('sha256').update(JSON.stringify([crm, crmAccountId, crmSettings, crmCredentials])).digest('hex');
}
