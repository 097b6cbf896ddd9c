/**
 * Tenants for multi-installation tests and benchmarks: a HubSpot sandbox portal installed as an
 * installation (portal id known, as an OAuth install records it) bound to every widget of the
 * platform sandbox, and a backfill's sync jobs queued in bulk with the options every sync job gets.
 */
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type { PortalCredentials } from '../../src/sandbox/hubspot/index.ts';
import { upsertInstallation } from '../../src/store/installations.ts';
import type { SecretBox } from '../../src/store/secret-box.ts';
import type { Store } from '../../src/store/store.ts';
import { ANY_WIDGET, upsertBinding } from '../../src/store/widget-bindings.ts';
import { SYNC_QUEUE, syncJobOptions, type SyncJobData, type SyncTrigger } from '../../src/sync/sync-job.ts';

export interface TenantSetup {
  name: string;
  portal: PortalCredentials;
  hubspotUrl: string;
  platform: { url: string; apiKey: string };
  webhookSecret: string;
}

/** Installs the tenant; resolves with its installation id. */
export async function installHubSpotTenant(backend: { store: Store; box: SecretBox }, tenant: TenantSetup): Promise<string> {
  const installation = await upsertInstallation(backend.store, backend.box, {
    name: tenant.name,
    crm: 'hubspot',
    crmAccountId: String(tenant.portal.portalId),
    crmSettings: { apiUrl: tenant.hubspotUrl },
    crmCredentials: { accessToken: tenant.portal.privateAppToken },
    platform: { apiUrl: tenant.platform.url, apiKey: tenant.platform.apiKey, webhookSecrets: [tenant.webhookSecret] },
  });
  await upsertBinding(backend.store, { installationId: installation.id, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
  return installation.id;
}

/** Sync jobs for these conversations, inserted 1,000 at a time (as a backfill walker would page them in). */
export async function queueSyncs(boss: PgBoss, installationId: string, conversationIds: readonly string[], trigger: SyncTrigger = 'backfill'): Promise<void> {
  const jobs = conversationIds.map((conversationId) => {
    const data: SyncJobData = { installationId, conversationId, trigger };
    return { id: randomUUID(), data, ...syncJobOptions(data) };
  });
  for (let i = 0; i < jobs.length; i += 1_000) await boss.insert(SYNC_QUEUE, jobs.slice(i, i + 1_000));
}
