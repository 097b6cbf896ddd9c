import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { openBackend } from '../../src/server.ts';
import { getInstallation, getWebhookSecrets } from '../../src/store/installations.ts';
import { LATEST_MIGRATION, appliedVersion, migrate } from '../../src/store/migrations.ts';
import { loadSecretBox } from '../../src/store/secret-key.ts';
import { applySingleTenant, DEFAULT_INSTALLATION } from '../../src/store/single-tenant.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { getSyncRecord, markAttempt, markQueued, recordOutcome } from '../../src/store/sync-records.ts';
import { bindingFor, upsertBinding } from '../../src/store/widget-bindings.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';

const EVERY_MIGRATION = Array.from({ length: LATEST_MIGRATION }, (_, i) => i + 1);
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';

const logger = createLogger({ level: 'silent' });

describe.each(storeBackends())('store on $name', (backend) => {
  let environment: StoreEnvironment;
  let store: Store;
  const secret = newWebhookSecret();
  const config = () =>
    testConfig({
      ...environment.env,
      PLATFORM_API_URL: 'http://127.0.0.1:9/platform',
      PLATFORM_API_KEY: 'sk_live_platform_key',
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-private-token',
    });

  beforeAll(async () => {
    environment = await backend.create();
    store = await openStore(config(), logger);
  });
  afterAll(async () => {
    await store?.close();
    await environment?.dispose();
  });

  it('migrates once, and again is a no-op', async () => {
    expect(await appliedVersion(store)).toBe(0);
    expect(await migrate(store)).toEqual(EVERY_MIGRATION);
    expect(await migrate(store)).toEqual([]);
    expect(await appliedVersion(store)).toBe(LATEST_MIGRATION);
  });

  it('stores the single-tenant installation with its secrets sealed, and updates it in place', async () => {
    const box = await loadSecretBox(config(), logger);
    const first = await applySingleTenant(store, box, config().singleTenant!);
    expect(first).toMatchObject({
      id: DEFAULT_INSTALLATION,
      crm: 'hubspot',
      crmSettings: { apiUrl: 'https://api.hubapi.com' },
      crmCredentials: { accessToken: 'pat-na1-private-token' },
      platform: { apiUrl: 'http://127.0.0.1:9/platform', apiKey: 'sk_live_platform_key', webhookSecrets: [secret] },
    });
    const [raw] = await store.query<Record<string, unknown>>('SELECT * FROM installations WHERE id = $1', [DEFAULT_INSTALLATION]);
    const rawText = JSON.stringify(raw);
    for (const plaintext of ['pat-na1-private-token', 'sk_live_platform_key', secret.slice(6)]) expect(rawText).not.toContain(plaintext);

    const rotated = newWebhookSecret();
    await applySingleTenant(store, box, { ...config().singleTenant!, platform: { ...config().singleTenant!.platform, webhookSecrets: [rotated, secret] } });
    expect(await getWebhookSecrets(store, box, DEFAULT_INSTALLATION)).toEqual([rotated, secret]);
    const [{ count }] = (await store.query<{ count: number }>('SELECT count(*)::int AS count FROM installations')) as [{ count: number }];
    expect(count).toBe(1);
    expect((await getInstallation(store, box, DEFAULT_INSTALLATION))?.createdAt).toEqual(first.createdAt);
  });

  it('resolves a widget to its own binding before the installation-wide one', async () => {
    expect(await bindingFor(store, DEFAULT_INSTALLATION, 'wgt_any')).toMatchObject({ widgetId: '*', mappingFile: null, enabled: true });
    await upsertBinding(store, { installationId: DEFAULT_INSTALLATION, widgetId: 'wgt_vip', mappingFile: 'vip.yaml', enabled: true });
    expect(await bindingFor(store, DEFAULT_INSTALLATION, 'wgt_vip')).toMatchObject({ widgetId: 'wgt_vip', mappingFile: 'vip.yaml' });
    expect(await bindingFor(store, 'inst_unknown', 'wgt_vip')).toBeUndefined();
  });

  it('keeps one sync record per conversation, merging what each sync wrote', async () => {
    const key = { installationId: DEFAULT_INSTALLATION, conversationId: 'conv_store_1' };
    await markQueued(store, key, { widgetId: 'wgt_any', trigger: 'conversation.ended' });
    await markAttempt(store, key, 'conversation.ended');
    await recordOutcome(store, key, { status: 'retrying', error: 'HubSpot 502', widgetId: 'wgt_any', crmObjects: { contact: { object: 'contacts', id: '11' } } });
    const second = await markAttempt(store, key, 'conversation.ended');
    // Fields this version does not know (an adapter's own bookkeeping) must survive the round trip too.
    const note = { object: 'notes', id: '12', linkedTo: ['11'], adapterDetail: { kept: true } };
    expect(second).toMatchObject({ attempts: 2, status: 'syncing', crmObjects: { contact: { object: 'contacts', id: '11' } } });
    await recordOutcome(store, key, {
      status: 'synced',
      widgetId: 'wgt_any',
      crmObjects: { transcript_note: note },
      notes: ['transcript truncated'],
      mapping: { file: 'hubspot.yaml', version: 'abc' },
    });
    expect(await getSyncRecord(store, key)).toMatchObject({
      status: 'synced',
      attempts: 2,
      lastError: null,
      crmObjects: {
        contact: { object: 'contacts', id: '11' },
        transcript_note: note,
      },
      notes: ['transcript truncated'],
      mappingFile: 'hubspot.yaml',
      syncedAt: expect.any(Date),
    });
  });

  it('installs the queue and its schema through openBackend, on the same store', async () => {
    await store.close();
    const backendHandle = await openBackend(config(), { maintain: false, logger });
    try {
      expect(await backendHandle.boss.isInstalled()).toBe(true);
      expect(backendHandle.migrated).toEqual([]);
    } finally {
      await backendHandle.close();
      store = await openStore(config(), logger);
    }
  });

  if (backend.name === 'embedded') {
    it('lets one process at a time open the data directory, and keeps the generated key private', async () => {
      await expect(openStore(config(), logger)).rejects.toThrow(/is in use by another crm-connector process/);
      const keyFile = await stat(path.join(environment.dataDir, 'secret.key'));
      expect(keyFile.mode & 0o777).toBe(0o600);
    });
  }

  if (backend.name === 'postgres') {
    it('applies migrations once when several processes start at the same time', async () => {
      const stores = await Promise.all([1, 2, 3].map(() => openStore(config(), logger)));
      try {
        // Back to an empty schema: every table the migrations create goes with it.
        await stores[0]!.query('DROP SCHEMA public CASCADE');
        await stores[0]!.query('CREATE SCHEMA public');
        const applied = await Promise.all(stores.map((s) => migrate(s)));
        expect(applied.flat().sort((a, b) => a - b)).toEqual(EVERY_MIGRATION);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  }
});
