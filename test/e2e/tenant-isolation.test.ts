/**
 * Tenant isolation, end to end: two tenants, each with its own platform account (a platform
 * sandbox each) and its own HubSpot portal (two portals of one HubSpot sandbox), installed through
 * the OAuth connect flow, so each installation has its own webhook secret and tokens. The service
 * runs with its production dependencies (shipped mappings, the HubSpot adapter).
 *
 * - A webhook signed with A's secret, posted to B's URL: 401, nothing enqueued, nothing written.
 * - A webhook correctly signed for A only ever writes to A's portal.
 * - A's conversation id sent through B's path (correctly signed for B) cannot reach B's portal:
 *   B's sync reads the conversation with B's platform credentials, where it does not exist.
 * - Once A is disconnected, its webhooks are acknowledged and ignored.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../../src/auth/auth-service.ts';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalState } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { updatePlatformSettings, type Installation } from '../../src/store/installations.ts';
import { getSyncRecord } from '../../src/store/sync-records.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, postWebhook, testConfig, waitFor } from '../support/sync-harness.ts';
import { installHubSpotPortal } from '../support/hubspot-install.ts';
import { PUBLIC_URL } from './oauth-browser.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CLIENT = { clientId: 'hs-client-id', clientSecret: 'hs-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}` };
const silent = createLogger({ level: 'silent' });

const objectCount = (state: PortalState) => Object.values(state.objects).reduce((n, list) => n + list.length, 0);
const customPropertyCount = (state: PortalState) => Object.values(state.customProperties).reduce((n, list) => n + list.length, 0);

describe.each(storeBackends())('tenant isolation on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platformA: PlatformSandbox;
  let platformB: PlatformSandbox;
  let service: RunningService;
  let tenantA: Installation;
  let tenantB: Installation;
  let portalB: number;
  const portalA = () => hubspot.defaultPortal.portalId;

  const config = () =>
    testConfig({
      ...environment.env,
      PUBLIC_URL,
      MAPPINGS_DIR: path.join(root, 'mappings'),
      HUBSPOT_CLIENT_ID: CLIENT.clientId,
      // Multi-tenant mode against loopback sandboxes: private addresses allowed on purpose.
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'test-metrics-token',
      HUBSPOT_CLIENT_SECRET: CLIENT.clientSecret,
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
      SYNC_EXTRACTION_WAIT_SECONDS: '2',
      SYNC_RETRY_LIMIT: '0',
    });

  /** The connect flow in a browser, choosing `portalId` on the consent page. */
  const connect = async (portalId: number) => (await installHubSpotPortal(service, portalId)).installation;

  const webhookUrl = (installation: Installation) => `${service.url}${manifest.platform.webhookPath.replace('{installationId}', installation.id)}`;
  const send = (to: Installation, signedWith: Installation, conversation: Conversation) =>
    postWebhook(webhookUrl(to), signedWith.platform.webhookSecrets[0]!, conversationEvent('conversation.ended', conversation.id, conversation.widget_id));
  const settled = (installation: Installation, conversation: Conversation, status: 'synced' | 'failed' | 'skipped') =>
    waitFor(`${conversation.id} to be ${status} for ${installation.name}`, async () => {
      const record = await getSyncRecord(service.store, { installationId: installation.id, conversationId: conversation.id });
      return record?.status === status ? record : undefined;
    });
  const ended = (platform: PlatformSandbox) => platform.simulate(1, { at: new Date(Date.now() - 600_000), outcome: 'completed' })[0]!;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    portalB = hubspot.createPortal().portalId;
    platformA = await startPlatformSandbox({ conversations: 0, seed: 11, extractionDelayMs: 0 }, silent);
    platformB = await startPlatformSandbox({ conversations: 0, seed: 12, extractionDelayMs: 0 }, silent);
    service = await startService({ config: config(), role: 'all', logger: silent });
    tenantA = await connect(portalA());
    tenantB = await connect(portalB);
    // What each tenant's admin enters on the admin pages after installing.
    await updatePlatformSettings(service.store, service.box, tenantA.id, { apiUrl: platformA.url, apiKey: platformA.apiKey });
    await updatePlatformSettings(service.store, service.box, tenantB.id, { apiUrl: platformB.url, apiKey: platformB.apiKey });
  });
  afterAll(async () => {
    await service?.close();
    await platformA?.close();
    await platformB?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('gives each installation its own webhook secret', () => {
    expect(tenantA.platform.webhookSecrets[0]).not.toBe(tenantB.platform.webhookSecrets[0]);
  });

  it('refuses A\'s signature on B\'s URL with 401, enqueuing and writing nothing', async () => {
    const conversation = ended(platformA);
    const answer = await send(tenantB, tenantA, conversation);
    expect(answer.status).toBe(401);
    for (const installation of [tenantA, tenantB]) {
      expect(await getSyncRecord(service.store, { installationId: installation.id, conversationId: conversation.id })).toBeUndefined();
    }
    const [receipts] = await service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_receipts WHERE conversation_id = $1', [conversation.id]);
    expect(receipts?.n).toBe(0);
    expect(objectCount(hubspot.state(portalA()))).toBe(0);
    expect(objectCount(hubspot.state(portalB))).toBe(0);
  });

  it('writes a webhook correctly signed for A to A\'s portal only', async () => {
    const conversation = ended(platformA);
    expect((await send(tenantA, tenantA, conversation)).status).toBe(202);
    const record = await settled(tenantA, conversation, 'synced');
    expect(Object.keys(record.crmObjects).length).toBeGreaterThan(0);
    expect(objectCount(hubspot.state(portalA()))).toBeGreaterThan(0);
    const b = hubspot.state(portalB);
    expect(objectCount(b)).toBe(0);
    expect(customPropertyCount(b)).toBe(0);
    expect(b.stats.totalRequests).toBe(0);
  });

  it('cannot bring A\'s conversation into B\'s portal through B\'s path, even correctly signed for B', async () => {
    const conversation = ended(platformA);
    expect((await send(tenantB, tenantB, conversation)).status).toBe(202);
    // B's platform account has no such conversation: skipped, never retried, nothing written.
    const record = await settled(tenantB, conversation, 'skipped');
    expect(record.lastError).toMatch(/not on the platform .*404/);
    const b = hubspot.state(portalB);
    expect(objectCount(b)).toBe(0);
    expect(b.stats.totalRequests).toBe(0);
  });

  it('acknowledges and ignores the webhooks of a disconnected installation', async () => {
    const auth = createAuth({ config: config(), store: service.store, box: service.box, logger: silent });
    await auth.disconnect(tenantA.id);
    const conversation = ended(platformA);
    const answer = await send(tenantA, tenantA, conversation);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ status: 'ignored', reason: expect.stringContaining('disconnected') });
    expect(await getSyncRecord(service.store, { installationId: tenantA.id, conversationId: conversation.id })).toBeUndefined();
  });
});
