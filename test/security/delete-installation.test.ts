/**
 * "Delete installation" performed by a tenant's admin on a multi-tenant server: a mistyped name
 * deletes nothing; the confirmed deletion revokes the HubSpot grant and purges the tokens, platform
 * key, webhook secrets, sync records, receipts, bindings and queued jobs, leaving one anonymised
 * audit row; the old webhook URL and the other tenant are unaffected in the way they should be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { installationHash } from '../../src/store/installation-deletion.ts';
import { getInstallation, type Installation } from '../../src/store/installations.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, postWebhook, testConfig } from '../support/sync-harness.ts';
import { HUBSPOT_TEST_CLIENT, hubSpotAppEnv, installHubSpotPortal } from '../support/hubspot-install.ts';

const CLIENT = HUBSPOT_TEST_CLIENT;
const silent = createLogger({ level: 'silent' });

describe.each(storeBackends())('deleting an installation on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let service: RunningService;

  const count = async (sql: string, params: unknown[]) => (await service.store.query<{ n: number }>(sql, params))[0]?.n ?? -1;
  const webhookUrl = (installation: Installation) => `${service.url}${manifest.platform.webhookPath.replace('{installationId}', installation.id)}`;
  const refreshTokenKnown = async (token: string) => (await fetch(`${hubspot.url}/oauth/v1/refresh-tokens/${token}`)).status === 200;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    service = await startService({
      config: serviceConfig(),
      // Web only: the queued job stays queued, so the deletion must remove it.
      role: 'web',
      logger: silent,
    });
  });
  const serviceConfig = () => testConfig({ ...environment.env, ...hubSpotAppEnv(hubspot) });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('deletes nothing on a mistyped name, then purges everything but an anonymised audit row', async () => {
    const victim = await installHubSpotPortal(service, hubspot.defaultPortal.portalId);
    const bystander = await installHubSpotPortal(service, hubspot.createPortal().portalId);
    const { installation } = victim;
    const refreshToken = installation.crmCredentials.refreshToken!;
    expect(await refreshTokenKnown(refreshToken)).toBe(true);
    const event = conversationEvent('conversation.ended', 'conv_deleted_1', 'wgt_1');
    expect((await postWebhook(webhookUrl(installation), installation.platform.webhookSecrets[0]!, event)).status).toBe(202);
    expect((await postWebhook(webhookUrl(bystander.installation), bystander.installation.platform.webhookSecrets[0]!, conversationEvent('conversation.ended', 'conv_kept_1', 'wgt_1'))).status).toBe(202);
    expect(await count('SELECT count(*)::int AS n FROM sync_records WHERE installation_id = $1', [installation.id])).toBe(1);
    expect((await service.boss.findJobs(SYNC_QUEUE, { data: { installationId: installation.id } })).length).toBe(1);

    const deletePath = `/admin/installations/${encodeURIComponent(installation.id)}/delete`;
    const confirmation = await victim.browser.request(deletePath);
    const page = await confirmation.text();
    expect(confirmation.status).toBe(200);
    expect(page).toContain(`Type <strong class="mono">${installation.name}</strong> to confirm`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

    const mistyped = await victim.browser.request(deletePath, { form: { _csrf: csrf, confirmName: 'hubspot:0' } });
    expect(mistyped.status).toBe(400);
    expect(await getInstallation(service.store, service.box, installation.id)).toBeDefined();
    expect(await refreshTokenKnown(refreshToken)).toBe(true);

    const withoutCsrf = await victim.browser.request(deletePath, { form: { confirmName: installation.name } });
    expect(withoutCsrf.status).toBe(403);
    expect(await getInstallation(service.store, service.box, installation.id)).toBeDefined();

    const deleted = await victim.browser.request(deletePath, { form: { _csrf: csrf, confirmName: installation.name } });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('location')).toBe('/admin/login?notice=installation-deleted');

    // The grant is revoked at HubSpot, and nothing of the installation is left here.
    expect(await refreshTokenKnown(refreshToken)).toBe(false);
    expect(await getInstallation(service.store, service.box, installation.id)).toBeUndefined();
    for (const table of ['widget_bindings', 'webhook_receipts', 'sync_records', 'backfills', 'oauth_states']) {
      expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE installation_id = $1`, [installation.id]), table).toBe(0);
    }
    expect((await service.boss.findJobs(SYNC_QUEUE, { data: { installationId: installation.id } })).length).toBe(0);

    const audit = await service.store.query<Record<string, unknown>>('SELECT * FROM deleted_installations');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ installation_hash: installationHash(installation.id), crm: 'hubspot', tokens_revoked: true });
    expect(audit[0]!.purged).toMatchObject({ sync_records: 1, webhook_receipts: 1, widget_bindings: 1, queued_jobs: 1 });
    const auditText = JSON.stringify(audit);
    expect(auditText).not.toContain(installation.id);
    expect(auditText).not.toContain(installation.crmAccountId!);

    // The old webhook URL is refused; its admin pages are gone; the other tenant is untouched.
    expect((await postWebhook(webhookUrl(installation), installation.platform.webhookSecrets[0]!, event)).status).toBe(404);
    // The deleting admin's session ended with the installation: its pages send the browser to sign in.
    expect((await victim.browser.request(`/admin/installations/${encodeURIComponent(installation.id)}/syncs`)).status).toBe(303);
    expect(await getInstallation(service.store, service.box, bystander.installation.id)).toBeDefined();
    expect(await count('SELECT count(*)::int AS n FROM sync_records WHERE installation_id = $1', [bystander.installation.id])).toBe(1);
    expect((await service.boss.findJobs(SYNC_QUEUE, { data: { installationId: bystander.installation.id } })).length).toBe(1);
  });

  it.runIf(backend.name === 'postgres')('is refused by another web process that still holds the deleted installation\'s secrets in its cache', async () => {
    const other = await startService({ config: serviceConfig(), role: 'web', logger: silent });
    try {
      const { installation, browser } = await installHubSpotPortal(service, hubspot.createPortal().portalId);
      const post = (to: RunningService, id: string) =>
        postWebhook(`${to.url}${manifest.platform.webhookPath.replace('{installationId}', installation.id)}`, installation.platform.webhookSecrets[0]!, conversationEvent('conversation.ended', id, 'wgt_1'));
      expect((await post(other, 'conv_cached_1')).status).toBe(202);
      const deletePath = `/admin/installations/${encodeURIComponent(installation.id)}/delete`;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await browser.request(deletePath)).text())![1]!;
      expect((await browser.request(deletePath, { form: { _csrf: csrf, confirmName: installation.name } })).status).toBe(303);
      // The other process verifies the signature with its cached secrets, then finds no installation: 404, nothing stored.
      expect((await post(other, 'conv_cached_2')).status).toBe(404);
      expect(await count('SELECT count(*)::int AS n FROM webhook_receipts WHERE installation_id = $1', [installation.id])).toBe(0);
    } finally {
      await other.close();
    }
  });
});
