/**
 * Fairness in one worker process (production dependencies, both sandboxes, real HTTP):
 * installation A has a 5,000-conversation backfill queued against a HubSpot portal that answers
 * every call 1 s late, so each of A's batches runs for many seconds. Then installation C queues a
 * small backfill of its own, and installation B's live conversations arrive by webhook.
 * - B's conversations all reach B's portal while A's first batches are still in flight: live
 *   events have batch loops of their own.
 * - C's backfill is done while almost all of A's backlog still waits: A holds at most its share of
 *   the batch slots (on Postgres, loops that fetched at the same instant can give A more for one
 *   round of its batches; see src/store/queue.ts).
 * B's webhook → CRM latencies are printed (the p99 figure is a benchmark's business, not an assertion).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalCredentials } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listSyncRecords } from '../../src/store/sync-records.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { installHubSpotTenant, queueSyncs } from '../support/tenants.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig, waitFor } from '../support/sync-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BACKLOG = 5_000;
const SMALL_BACKFILL = 20;
const LIVE = 20;
/** A's portal answers this late: a batch of A's (its first one also sets up the portal's properties) takes many seconds. */
const SLOW_PORTAL_DELAY_MS = 1_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

describe.each(storeBackends())('fairness on $name: a 5,000-conversation backfill next to other tenants', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let service: RunningService;
  const ids = { a: '', b: '', c: '' };
  const bSecret = newWebhookSecret();
  let bLatenciesMs: number[] = [];
  let aSyncedWhenBDone = -1;
  let aQueuedWhenCDone = -1;

  const install = (name: string, portal: PortalCredentials, webhookSecret: string) =>
    installHubSpotTenant(service, { name, portal, hubspotUrl: hubspot.url, platform, webhookSecret });
  const queueBackfill = (installationId: string, conversations: Conversation[]) =>
    queueSyncs(service.boss, installationId, conversations.map((c) => c.id));
  const jobsOf = (installationId: string, options: { queued?: boolean } = {}) =>
    service.boss.findJobs(SYNC_QUEUE, { data: { installationId }, limit: 100_000, ...options });
  const synced = async (installationId: string) => (await listSyncRecords(service.store, { installationId, status: 'synced' })).length;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ port: 0 });
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    service = await startService({
      config: testConfig({
        ...environment.env,
        MAPPINGS_DIR: path.join(ROOT, 'mappings'),
        SYNC_BATCH_SIZE: '20',
        SYNC_CONCURRENCY: '4',
        SYNC_LIVE_CONCURRENCY: '2',
        SYNC_INSTALLATION_CONCURRENCY: '40',
      }),
      logger: createLogger({ level: 'silent' }),
    });
    const slowPortal = hubspot.defaultPortal;
    hubspot.injectFaults(slowPortal.portalId, { delayMs: SLOW_PORTAL_DELAY_MS, count: 1_000_000 });
    ids.a = await install('a-backfilling', slowPortal, newWebhookSecret());
    ids.b = await install('b-live', hubspot.createPortal(), bSecret);
    ids.c = await install('c-backfilling', hubspot.createPortal(), newWebhookSecret());

    const past = new Date(Date.now() - 3_600_000);
    await queueBackfill(ids.a, platform.simulate(BACKLOG, { at: past, spreadMs: 600_000 }));
    // A's batches are running when the others arrive.
    await waitFor('A to have jobs in flight', async () => (await jobsOf(ids.a)).some((j) => j.state === 'active'));
    await queueBackfill(ids.c, platform.simulate(SMALL_BACKFILL, { at: past }));

    const posted = new Map<string, number>();
    for (const conversation of platform.simulate(LIVE, { at: new Date(Date.now() - 2_000), spreadMs: 1_000 })) {
      posted.set(conversation.id, Date.now());
      const response = await postWebhook(
        `${service.url}/webhooks/platform/${ids.b}`, bSecret, conversationEvent('conversation.ended', conversation.id, conversation.widget_id),
      );
      expect(response.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 100)); // live traffic, not one burst
    }
    const bRecords = await waitFor(
      "B's live conversations to be synced",
      async () => {
        const b = await listSyncRecords(service.store, { installationId: ids.b, status: 'synced' });
        return b.length === LIVE && b;
      },
      30_000,
    );
    aSyncedWhenBDone = await synced(ids.a);
    await waitFor("C's backfill to be synced", async () => (await synced(ids.c)) === SMALL_BACKFILL, 60_000);
    aQueuedWhenCDone = (await jobsOf(ids.a, { queued: true })).length;
    bLatenciesMs = bRecords.map((r) => r.syncedAt!.getTime() - posted.get(r.conversationId)!).sort((x, y) => x - y);
    console.info(
      `[fairness ${backend.name}] B webhook→CRM latency over ${LIVE} live conversations while A backfills ${BACKLOG}: ` +
        `p50 ${percentile(bLatenciesMs, 50)} ms, p99 ${percentile(bLatenciesMs, 99)} ms, max ${bLatenciesMs.at(-1)} ms`,
    );
  }, 120_000);

  afterAll(async () => {
    hubspot?.clearFaults(hubspot.defaultPortal.portalId);
    await service?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it("syncs B's live conversations while A's first batches are still in flight", () => {
    expect(bLatenciesMs).toHaveLength(LIVE);
    expect(aSyncedWhenBDone).toBe(0);
  });

  it("finishes C's backfill while almost all of A's backlog still waits", () => {
    expect(aQueuedWhenCDone).toBeGreaterThan(BACKLOG * 0.9);
  });
});
