/**
 * A HubSpot token that stops working: the sync fails with HubSpot's own answer, the installation
 * is marked disconnected with the reason (what the admin sees), and after a reconnect (here: the
 * single-tenant installation restarted with a valid token) retrying the failed sync writes it.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { getInstallation } from '../../src/store/installations.ts';
import { DEFAULT_INSTALLATION } from '../../src/store/single-tenant.ts';
import { getSyncRecord, type SyncRecord } from '../../src/store/sync-records.ts';
import { retrySyncs } from '../../src/sync/retry.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig, waitFor } from '../support/sync-harness.ts';

const root = path.resolve(import.meta.dirname, '../..');
const [embedded] = storeBackends();
let environment: StoreEnvironment;
let hubspot: HubSpotSandbox;
let platform: PlatformSandbox;
let service: RunningService | undefined;
const secret = newWebhookSecret();

const start = async (token: string) => {
  service = await startService({
    config: testConfig({
      ...environment.env,
      MAPPINGS_DIR: path.join(root, 'mappings'),
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: token,
      SYNC_RETRY_LIMIT: '0',
    }),
    logger: createLogger({ level: 'silent' }),
  });
  return service;
};
const settled = (running: RunningService, conversationId: string, status: SyncRecord['status']) =>
  waitFor(`${conversationId} to be ${status}`, async () => {
    const record = await getSyncRecord(running.store, { installationId: DEFAULT_INSTALLATION, conversationId });
    return record?.status === status ? record : undefined;
  });

beforeAll(async () => {
  environment = await embedded!.create();
  hubspot = await startHubSpotSandbox({ port: 0 });
  platform = await startPlatformSandbox({ conversations: 0 }, createLogger({ level: 'silent' }));
});
afterAll(async () => {
  await service?.close();
  await platform?.close();
  await hubspot?.close();
  await environment?.dispose();
});

it('marks the installation disconnected on a refused token, and syncs again once reconnected', async () => {
  const [conversation] = platform.simulate(1, { at: new Date(Date.now() - 600_000), outcome: 'completed' }) as [Conversation];
  const running = await start('pat-na1-revoked-long-ago');
  const delivered = await postWebhook(`${running.url}/webhooks/platform`, secret, conversationEvent('conversation.ended', conversation.id, conversation.widget_id));
  expect(delivered.status).toBe(202);

  const failed = await settled(running, conversation.id, 'failed');
  // Auth failures are retried (a refresh or a reconnect can fix them); with SYNC_RETRY_LIMIT=0 the first is the last.
  expect(failed.lastError).toMatch(/^gave up after 1 attempts: CRM auth error: .*HubSpot rejected the access token/);
  const disconnected = await getInstallation(running.store, running.box, DEFAULT_INSTALLATION);
  expect(disconnected).toMatchObject({ status: 'disconnected' });
  expect(disconnected?.statusReason).toMatch(/^hubspot refused the connector's credentials: .*Reconnect the installation$/);
  expect(hubspot.state().objects.contacts).toEqual([]);

  await running.close();
  const reconnected = await start(hubspot.defaultPortal.privateAppToken);
  expect(await getInstallation(reconnected.store, reconnected.box, DEFAULT_INSTALLATION)).toMatchObject({ status: 'active', statusReason: null });
  expect((await retrySyncs(reconnected.store, reconnected.boss, { failed: true })).requeued).toHaveLength(1);

  const synced = await settled(reconnected, conversation.id, 'synced');
  expect(Object.keys(synced.crmObjects)).toContain('transcript_note');
  expect(hubspot.state().objects.notes).toHaveLength(1);
}, 60_000);
