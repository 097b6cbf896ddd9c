/**
 * The admin pages over real HTTP on the real store and queue: sessions from src/auth (issued the
 * way the OAuth callback issues them), a platform sandbox for settings checks and previews, a
 * mappings folder with one broken file. No worker runs, so a retried sync stays queued.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminPages, type AdminPages } from '../../src/admin/index.ts';
import type { AdminSessions } from '../../src/auth/admin-session.ts';
import { createAuth } from '../../src/auth/auth-service.ts';
import { createLogger } from '../../src/log.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { openBackend, type Backend } from '../../src/server.ts';
import { tenantFilePrefix } from '../../src/mapping/file-access.ts';
import { getInstallation, setInstallationStatus, upsertInstallation, type Installation } from '../../src/store/installations.ts';
import { getSyncRecord, markAttempt, markQueued, recordOutcome } from '../../src/store/sync-records.ts';
import { listBindings, upsertBinding } from '../../src/store/widget-bindings.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { AdminClient, adminSessionCookie } from '../support/admin-client.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';

const BROKEN_FILE = `${tenantFilePrefix('hubspot:111')}broken.yaml`;
const SALESFORCE_FILE = `${tenantFilePrefix('hubspot:111')}salesforce.yaml`;
const BROKEN_MAPPING = `version: 1
crm: hubspot
objects:
  contact:
    object: contacts
    match: email
    properties:
      email:
        source: extracted_data.email
        transforms: [no_such_transform]
`;

describe.each(storeBackends())('admin pages on $name', (backend) => {
  let environment: StoreEnvironment;
  let mappingsDir: string;
  let platform: PlatformSandbox;
  let service: Backend;
  let admin: AdminPages;
  let sessions: AdminSessions;
  let server: Server;
  let base: string;
  let a: Installation;
  let b: Installation;

  beforeAll(async () => {
    environment = await backend.create();
    mappingsDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-admin-mappings-'));
    await cp('mappings', mappingsDir, { recursive: true });
    // Multi-tenant mode: installation hubspot:111's own files (src/mapping/file-access.ts).
    await writeFile(path.join(mappingsDir, BROKEN_FILE), BROKEN_MAPPING);
    await cp(path.join(mappingsDir, 'salesforce.default.yaml'), path.join(mappingsDir, SALESFORCE_FILE));
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    const config = testConfig({
      ...environment.env,
      MAPPINGS_DIR: mappingsDir,
      PUBLIC_URL: 'https://connector.example',
      HUBSPOT_CLIENT_ID: 'client-id',
      // Multi-tenant mode against loopback sandboxes: private addresses allowed on purpose.
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'test-metrics-token',
      HUBSPOT_CLIENT_SECRET: 'client-secret',
    });
    const logger = createLogger({ level: 'silent' });
    service = await openBackend(config, { maintain: false, logger });
    const auth = createAuth({ config, store: service.store, box: service.box, logger });
    sessions = auth.sessions;
    admin = await startAdminPages({ config, ...service, sessions, disconnect: auth.disconnect, logger });
    const app = express();
    app.use(admin.router);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const installation = (name: string, portal: string) =>
      upsertInstallation(service.store, service.box, {
        name,
        crm: 'hubspot',
        crmAccountId: portal,
        crmSettings: { apiUrl: 'http://127.0.0.1:9' },
        crmCredentials: { accessToken: `token-${portal}` },
        platform: { apiUrl: platform.url, apiKey: platform.apiKey, webhookSecrets: [newWebhookSecret()] },
      });
    a = await installation('hubspot:111', '111');
    b = await installation('hubspot:222', '222');
    await upsertBinding(service.store, { installationId: a.id, widgetId: '*', mappingFile: null, enabled: true });
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    admin?.close();
    await service?.close();
    await platform?.close();
    await rm(mappingsDir, { recursive: true, force: true });
    await environment?.dispose();
  });

  const signedIn = async (ids: string[]) => new AdminClient(base, await adminSessionCookie(sessions, { installationIds: ids, user: 'admin@example.com' }));

  it('sends visitors without a session to the sign-in page, which offers the CRM logins, with strict headers', async () => {
    const anonymous = new AdminClient(base);
    const page = await anonymous.get('/admin');
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/admin\/login/);
    expect((await anonymous.get(`/admin/installations/${a.id}/settings`)).status).toBe(303);

    const login = await anonymous.get('/admin/login');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    expect(login.body).toContain('href="/install/hubspot?purpose=login"');
    expect(login.body).not.toContain('/install/salesforce');
    expect(login.body).not.toContain('<script');
  });

  it('shows an admin only the installations of their session; another installation answers 404 everywhere', async () => {
    const client = await signedIn([a.id]);
    const overview = await client.get('/admin');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('hubspot:111');
    expect(overview.body).not.toContain('hubspot:222');
    expect(overview.body).toContain('connected');

    for (const tab of ['settings', 'mappings', 'syncs']) {
      const page = await client.get(`/admin/installations/${b.id}/${tab}`);
      expect(page.status, tab).toBe(404);
      expect(page.body).not.toContain(b.platform.webhookSecrets[0]);
    }
    expect((await client.post(`/admin/installations/${b.id}/settings/platform`, { apiUrl: 'https://evil.example' })).status).toBe(404);
    expect((await client.post(`/admin/installations/${b.id}/disconnect`, {})).status).toBe(404);
    expect((await getInstallation(service.store, service.box, b.id))?.status).toBe('active');
    expect((await getInstallation(service.store, service.box, b.id))?.platform.apiUrl).toBe(platform.url);
  });

  it('shows the webhook URL and secret to paste, never the whole API key, and saves new platform settings', async () => {
    const client = await signedIn([a.id]);
    const page = await client.get(`/admin/installations/${a.id}/settings`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`https://connector.example/webhooks/platform/${a.id}`);
    expect(page.body).toContain(a.platform.webhookSecrets[0]);
    expect(page.body).not.toContain(platform.apiKey);
    expect(page.body).toContain(`•••• ${platform.apiKey.slice(-4)}`);

    const forged = await client.post(`/admin/installations/${a.id}/settings/platform`, { apiUrl: platform.url, apiKey: 'sk_forged_key_123' }, { csrf: 'not-the-token' });
    expect(forged.status).toBe(403);

    const wrongKey = await client.post(`/admin/installations/${a.id}/settings/platform`, { apiUrl: platform.url, apiKey: 'sk_wrong_key_12345' });
    expect(wrongKey.status).toBe(303);
    expect(wrongKey.location).toContain('notice=settings-saved-unauthorized');
    expect((await client.get(wrongKey.location ?? '')).body).toContain('refused the API key');

    const invalid = await client.post(`/admin/installations/${a.id}/settings/platform`, { apiUrl: 'ftp://nope', apiKey: '' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toContain('API URL must be an absolute http(s) URL');

    const fixed = await client.post(`/admin/installations/${a.id}/settings/platform`, { apiUrl: platform.url, apiKey: platform.apiKey });
    expect(fixed.location).toContain('notice=settings-saved');
    const kept = await client.post(`/admin/installations/${a.id}/settings/platform`, { apiUrl: platform.url, apiKey: '' });
    expect(kept.location).toMatch(/notice=settings-saved$/);
    expect((await getInstallation(service.store, service.box, a.id))?.platform.apiKey).toBe(platform.apiKey);
  });

  it('binds widgets to mapping files with checks, and removes bindings', async () => {
    const client = await signedIn([a.id]);
    await client.get(`/admin/installations/${a.id}/settings`);
    const settings = `/admin/installations/${a.id}/settings`;
    const bad = await client.post(`${settings}/bindings`, { widgetId: '../etc', mappingFile: '', enabled: 'on' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Widget id must be a widget id');
    const otherCrm = await client.post(`${settings}/bindings`, { widgetId: 'wgt_abc123', mappingFile: SALESFORCE_FILE, enabled: 'on' });
    expect(otherCrm.status).toBe(400);
    expect(otherCrm.body).toContain(`${SALESFORCE_FILE} is a salesforce mapping`);

    const saved = await client.post(`${settings}/bindings`, { widgetId: 'wgt_abc123', mappingFile: 'hubspot.default.yaml' });
    expect(saved.location).toContain('notice=binding-saved');
    expect(await listBindings(service.store, a.id)).toContainEqual({
      installationId: a.id, widgetId: 'wgt_abc123', mappingFile: 'hubspot.default.yaml', enabled: false,
    });
    const page = await client.get(`${settings}`);
    expect(page.body).toContain('data-widget="wgt_abc123"');

    const removed = await client.post(`${settings}/bindings/remove`, { widgetId: 'wgt_abc123' });
    expect(removed.location).toContain('notice=binding-removed');
    expect((await listBindings(service.store, a.id)).map((binding) => binding.widgetId)).toEqual(['*']);
  });

  it('lists mapping files with their errors at file:line:column, and previews the WritePlan of a conversation', async () => {
    const client = await signedIn([a.id]);
    const page = await client.get(`/admin/installations/${a.id}/mappings`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('hubspot.default.yaml');
    expect(page.body).toMatch(/tenant\.hubspot-111\.broken\.yaml:10:\d+ objects\.contact\.properties\.email\.transforms\[0\]/);

    const [conversation] = platform.simulate(1, { at: new Date(Date.now() - 60_000), outcome: 'completed' });
    if (!conversation) throw new Error('the platform sandbox simulated no conversation');
    await platform.deliverPending();
    const preview = await client.get(`/admin/installations/${a.id}/mappings?conversation=${conversation.id}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toContain(`Conversation ${conversation.id} → HubSpot`);
    expect(preview.body).toContain('hubspot.default.yaml');

    const broken = await client.get(`/admin/installations/${a.id}/mappings?conversation=${conversation.id}&mapping=${BROKEN_FILE}`);
    expect(broken.body).toContain('id="preview-error"');
    expect(broken.body).toContain(`${BROKEN_FILE} cannot be used`);

    const missing = await client.get(`/admin/installations/${a.id}/mappings?conversation=conv_does_not_exist`);
    expect(missing.body).toContain('id="preview-error"');
  });

  it('shows failures with the CRM message (escaped), and Retry queues the sync again', async () => {
    const client = await signedIn([a.id]);
    const key = { installationId: a.id, conversationId: 'conv_failed_1' };
    await markQueued(service.store, key, { widgetId: 'wgt_abc123', trigger: 'conversation.ended' });
    await markAttempt(service.store, key, 'conversation.ended');
    const message = 'CRM permanent error: Property values were not valid: <script>alert(1)</script> "lifecyclestage" is not a valid option';
    await recordOutcome(service.store, key, {
      status: 'failed',
      error: message,
      widgetId: 'wgt_abc123',
      crmObjects: { contact: { object: 'contacts', id: '501', url: 'https://app.hubspot.com/contacts/111/record/0-1/501' } },
    });

    const page = await client.get(`/admin/installations/${a.id}/syncs`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('href="https://app.hubspot.com/contacts/111/record/0-1/501"');
    expect(page.body).toContain(`/syncs/conv_failed_1/retry`);

    const unknown = await client.post(`/admin/installations/${a.id}/syncs/conv_never_seen/retry`, {});
    expect(unknown.status).toBe(404);

    const retried = await client.post(`/admin/installations/${a.id}/syncs/conv_failed_1/retry`, {});
    expect(retried.status).toBe(303);
    expect(retried.location).toContain('notice=retried');
    expect((await getSyncRecord(service.store, key))?.status).toBe('queued');
    const jobs = await service.boss.findJobs(SYNC_QUEUE, { data: key, queued: true });
    expect(jobs).toHaveLength(1);
    const after = await client.get(retried.location ?? '');
    expect(after.body).toContain('Retry queued');
    expect(after.body).toContain('<meta http-equiv="refresh"');

    const again = await client.post(`/admin/installations/${a.id}/syncs/retry-failed`, {});
    expect(again.location).toContain('notice=retried-none');
  });

  it('lists only its own dead letters, and Retry all failed re-runs them', async () => {
    const client = await signedIn([a.id]);
    const dead = { installationId: a.id, conversationId: 'conv_dead_1' };
    const otherTenant = { installationId: b.id, conversationId: 'conv_dead_of_b' };
    await markQueued(service.store, dead, { widgetId: 'wgt_abc123', trigger: 'conversation.ended' });
    await recordOutcome(service.store, dead, { status: 'failed', error: 'CRM retryable error: HubSpot answered 503 five times' });
    for (const key of [dead, otherTenant]) {
      await service.boss.send(SYNC_DEAD_LETTER_QUEUE, { ...key, trigger: 'conversation.ended' });
    }

    const page = await client.get(`/admin/installations/${a.id}/syncs`);
    const deadLetters = page.body.slice(page.body.indexOf('id="dead-letters"'), page.body.indexOf('id="recent"'));
    expect(deadLetters).toContain('data-conversation="conv_dead_1"');
    expect(deadLetters).toContain('HubSpot answered 503 five times');
    expect(page.body).not.toContain('conv_dead_of_b');

    const retried = await client.post(`/admin/installations/${a.id}/syncs/retry-failed`, {});
    expect(retried.location).toContain('notice=retried');
    expect(await service.boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: dead, queued: true })).toEqual([]);
    expect(await service.boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: otherTenant, queued: true })).toHaveLength(1);
    expect((await getSyncRecord(service.store, dead))?.status).toBe('queued');
  });

  it('disconnects an installation of the session on request, which ends its sessions, and signs out', async () => {
    const client = await signedIn([a.id]);
    await client.get('/admin');
    const response = await client.post(`/admin/installations/${a.id}/disconnect`, {});
    expect(response.status).toBe(303);
    // The installation holds no refresh token (no OAuth grant to revoke): disconnected here, and the admin is told the CRM was not.
    // Disconnecting ends every session managing it, this one too: the notice is shown on the sign-in page.
    expect(response.location).toBe('/admin/login?notice=disconnected-not-revoked');
    expect((await client.get(response.location ?? '')).body).toContain('the CRM could not be told');
    expect((await client.get('/admin')).status).toBe(303);
    const stored = await getInstallation(service.store, service.box, a.id);
    expect(stored?.status).toBe('disconnected');
    expect(stored?.crmCredentials).toEqual({});

    await setInstallationStatus(service.store, a.id, 'disconnected', 'needs reconnection: HubSpot refused the refresh token (BAD_REFRESH_TOKEN)');
    const again = await signedIn([a.id]);
    const overview = await again.get('/admin');
    const row = overview.body.slice(overview.body.indexOf(`data-installation="${a.id}"`));
    expect(row).toContain('needs reconnection');
    expect(row).toContain('HubSpot refused the refresh token (BAD_REFRESH_TOKEN)');
    expect(row).toContain(`href="/install/hubspot?purpose=reconnect&amp;installation=${a.id}"`);
    expect(row).not.toContain('>Disconnect<');

    const out = await again.post('/admin/logout', {});
    expect(out.status).toBe(303);
    expect(out.location).toBe('/admin/login');
  });
});
