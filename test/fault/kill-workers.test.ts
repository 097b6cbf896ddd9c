/**
 * kill -9 at random moments while the platform sandbox delivers (and redelivers) the webhooks of
 * CONVERSATIONS conversations and the connector syncs them into the HubSpot sandbox; each killed
 * process is started again at once. Afterwards, nothing is lost and nothing is duplicated: every
 * conversation has a synced record, one deal per qualifying conversation, one contact per email,
 * and exactly the notes the records name.
 * - embedded store: one `serve --role all` process (web + worker) is killed KILLS times; a last,
 *   in-process start of the service on the same data directory finishes the work.
 * - Postgres (TEST_DATABASE_URL): one `serve --role web` keeps accepting while two `serve --role
 *   worker` processes are killed in turn, KILLS times in all.
 * CI default: 500 conversations, 3 kills. FAULT_FULL=1: 2,000 conversations, 10 kills (FAULT_CONVERSATIONS and
 * FAULT_KILLS override either).
 * FAULT_SEED replays the kill schedule.
 * A killed worker's jobs return to the queue once their heartbeat (30 s, src/store/queue.ts) is
 * stale and pg-boss's supervisor (every 60 s) notices: that wait is most of this test's time.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { freePort } from '../../src/demo/free-port.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalState } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { openBackend, startService, type RunningService } from '../../src/server.ts';
import type { Store } from '../../src/store/store.ts';
import { DEFAULT_INSTALLATION } from '../../src/store/single-tenant.ts';
import { listSyncRecords, type SyncRecord } from '../../src/store/sync-records.ts';
import { spawnServe, type ServeProcess } from '../support/serve-process.ts';
import { storeBackends, type StoreBackend, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, waitFor } from '../support/sync-harness.ts';
import { expectNotesOnce, expectRecordsAndObjectsOnce } from './portal-checks.ts';
import { SeededRandom } from './seeded-random.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FULL = process.env.FAULT_FULL === '1';
const CONVERSATIONS = Number(process.env.FAULT_CONVERSATIONS ?? (FULL ? 2_000 : 500));
const KILLS = Number(process.env.FAULT_KILLS ?? (FULL ? 10 : 3));
const SEED = Number(process.env.FAULT_SEED ?? 8);
const silent = createLogger({ level: 'silent' });

/** Synced records of every conversation, polled on a store the test may open. */
async function allSynced(store: Store, total: number, timeoutMs: number): Promise<SyncRecord[]> {
  return waitFor(
    `all ${total} conversations to be synced`,
    async () => {
      const records = await listSyncRecords(store, { installationId: DEFAULT_INSTALLATION, limit: 1_000_000 });
      return records.length === total && records.every((r) => r.status === 'synced') && records;
    },
    timeoutMs,
  );
}

describe.each(storeBackends())(`kill -9 during a ${CONVERSATIONS}-conversation run, ${KILLS} times, on $name`, (backend: StoreBackend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let conversations: Conversation[];
  let records: SyncRecord[];
  let state: PortalState;
  const kills: string[] = [];
  const live: ServeProcess[] = [];
  let finisher: RunningService | undefined;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: 100 } });
    const port = await freePort();
    const secret = newWebhookSecret();
    platform = await startPlatformSandbox(
      {
        conversations: 0,
        seed: SEED,
        extractionDelayMs: 0,
        // Redelivers while the connector is down (connection refused) or answers non-2xx, as the platform would.
        webhook: { url: `http://127.0.0.1:${port}/webhooks/platform`, secret, retryDelayMs: 300, maxAttempts: 20, duplicateRate: 0.1 },
      },
      silent,
    );
    const env = {
      ...environment.env,
      MAPPINGS_DIR: path.join(ROOT, 'mappings'),
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
      SYNC_POLL_INTERVAL_SECONDS: '0.5',
      SYNC_RETRY_DELAY_SECONDS: '1',
      SHUTDOWN_TIMEOUT_SECONDS: '5',
    };
    const rng = new SeededRandom(SEED);
    const embedded = backend.name === 'embedded';
    // The web side listens on the port the platform delivers to; Postgres workers take any port.
    const start = (role: 'all' | 'web' | 'worker') => spawnServe(role, { ...env, PORT: role === 'worker' ? '0' : String(port) });
    if (embedded) live.push(await start('all'));
    else live.push(await start('web'), await start('worker'), await start('worker'));

    conversations = platform.simulate(CONVERSATIONS, { at: new Date(Date.now() - 3_600_000), spreadMs: 1_800_000 });
    const delivered = platform.deliverPending();
    for (let k = 0; k < KILLS; k++) {
      await new Promise((resolve) => setTimeout(resolve, rng.int(500, 6_000)));
      const index = embedded ? 0 : rng.int(1, live.length - 1);
      const victim = live[index]!;
      victim.process.kill('SIGKILL');
      await victim.exited;
      kills.push(`${victim.role} after ${hubspot.stats().totalRequests} HubSpot calls, ${platform.webhookStats().delivered} webhooks delivered`);
      live[index] = await start(victim.role as 'all' | 'worker');
    }
    const deliveries = await delivered;
    expect(deliveries.failed).toBe(0);

    const timeoutMs = 240_000;
    if (embedded) {
      // The last process: the service in this test process, on the data directory the killed ones used.
      await live[0]!.stop();
      finisher = await startService({ config: loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'silent' }), logger: silent });
      records = await allSynced(finisher.store, CONVERSATIONS, timeoutMs);
    } else {
      const observer = await openBackend(loadConfig({ ...env, PORT: '0' }), { maintain: false, logger: silent });
      try {
        records = await allSynced(observer.store, CONVERSATIONS, timeoutMs);
      } finally {
        await observer.close();
      }
    }
    state = hubspot.state();
    console.info(`[kill-workers ${backend.name}] seed ${SEED}; kills: ${kills.join('; ')}; ` +
      `${state.stats.totalRequests} HubSpot calls, ${platform.webhookStats().attempts} webhook attempts`);
  }, 420_000);

  afterAll(async () => {
    await Promise.all(live.map((child) => child.stop()));
    await finisher?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it(`killed ${KILLS} times mid-run`, () => {
    expect(kills).toHaveLength(KILLS);
  });

  it('lost no conversation, and wrote each contact and deal once', () => {
    expectRecordsAndObjectsOnce(state, records, conversations);
  });

  it('wrote exactly the notes the sync records name', () => {
    expectNotesOnce(state, records);
  });
});
