/**
 * Scale-out with real processes on one Postgres: `serve --role web` takes the webhooks (while the
 * workers are being deployed, so a backlog waits) and three `serve --role worker` processes then
 * share the sync jobs. The HubSpot sandbox portal allows only LIMIT calls per rolling 10 s, so the
 * three workers together must hold one budget: the portal sees no 10-s window over the limit and
 * not a single 429, while every conversation is synced exactly once (one sync each across all
 * workers, one deal per qualifying conversation, no note written twice).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalState } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { openBackend, type Backend } from '../../src/server.ts';
import { listSyncRecords, type SyncRecord } from '../../src/store/sync-records.ts';
import { spawnServe, type ServeProcess } from '../support/serve-process.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, waitFor } from '../support/sync-harness.ts';
import { installHubSpotTenant } from '../support/tenants.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LIMIT = 30;
const CONVERSATIONS = 90;
const WORKERS = 3;

const postgres = storeBackends().find((backend) => backend.name === 'postgres');
const title = postgres
  ? `1 web + ${WORKERS} worker processes on one Postgres`
  : `1 web + ${WORKERS} worker processes on one Postgres (skipped: TEST_DATABASE_URL is not set, and several processes need a Postgres server)`;

/** What the default mapping's `deal` requires: a completed conversation whose contact details were collected. */
const qualifiesForDeal = (c: Conversation) => c.outcome === 'completed' && c.criteria_results.collected_contact_info?.passed === true;

describe.skipIf(!postgres)(title, () => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let backend: Backend;
  let web: ServeProcess;
  let workers: ServeProcess[] = [];
  let conversations: Conversation[];
  let records: SyncRecord[];
  let state: PortalState;
  let installationId: string;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    environment = await postgres!.create();
    hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: LIMIT } });
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    const env = {
      ...environment.env,
      MAPPINGS_DIR: path.join(ROOT, 'mappings'),
      HUBSPOT_REQUESTS_PER_10_SECONDS: String(LIMIT),
      // Two batches of 15 at a time per worker, no cap on one installation's share (it is the only
      // one): the backlog is spread over the three as they come up.
      SYNC_BATCH_SIZE: '15',
      SYNC_CONCURRENCY: '1',
      SYNC_LIVE_CONCURRENCY: '1',
      SYNC_INSTALLATION_CONCURRENCY: String(CONVERSATIONS),
      SYNC_POLL_INTERVAL_SECONDS: '0.5',
    };
    // An installed portal (as the OAuth install records it: portal id known), bound to every widget.
    backend = await openBackend(loadConfig(env), { maintain: false, logger: createLogger({ level: 'silent' }) });
    installationId = await installHubSpotTenant(backend, {
      name: 'scale-out', portal: hubspot.defaultPortal, hubspotUrl: hubspot.url, platform, webhookSecret: secret,
    });
    web = await spawnServe('web', env);
    conversations = platform.simulate(CONVERSATIONS, { at: new Date(Date.now() - 600_000), spreadMs: 60_000 });
    const pending = [...conversations];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let c = pending.shift(); c; c = pending.shift()) {
          const response = await postWebhook(`${web.url}/webhooks/platform/${installationId}`, secret, conversationEvent('conversation.ended', c.id, c.widget_id));
          expect(response.status).toBe(202);
        }
      }),
    );
    workers = await Promise.all(Array.from({ length: WORKERS }, () => spawnServe('worker', env)));
    records = await waitFor(
      'every conversation to be synced',
      async () => {
        const all = await listSyncRecords(backend.store, { installationId });
        return all.length === CONVERSATIONS && all.every((r) => r.status === 'synced') && all;
      },
      150_000,
    );
    // A worker logs "sync synced" after it records the outcome: give the last lines time to cross the pipe.
    await waitFor(
      'every worker to have logged its syncs',
      async () => workers.flatMap((w) => w.log.filter((e) => e.msg === 'sync synced')).length >= CONVERSATIONS,
      15_000,
    ).catch(() => undefined); // the test below then names what is missing
    state = hubspot.state();
    console.info(
      `[scale-out] ${CONVERSATIONS} conversations, ${WORKERS} workers: ${state.stats.totalRequests} HubSpot calls, ` +
        `busiest 10 s ${state.stats.maxRequestsInTenSeconds}/${LIMIT}, 429s ${state.stats.tooManyRequests}, ` +
        `by endpoint ${JSON.stringify(state.stats.byEndpoint)}`,
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all([web, ...workers].filter(Boolean).map((child) => child.stop()));
    await backend?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('shares the jobs: each conversation synced once, by one of the workers, and every worker took some', () => {
    expect(records.map((r) => r.attempts)).toEqual(Array(CONVERSATIONS).fill(1));
    const syncedBy = workers.map((worker) => worker.log.filter((e) => e.msg === 'sync synced').map((e) => e.conversationId));
    const all = syncedBy.flat();
    expect(all).toHaveLength(CONVERSATIONS);
    expect(new Set(all)).toEqual(new Set(conversations.map((c) => c.id)));
    for (const share of syncedBy) expect(share.length).toBeGreaterThan(0);
    // The web process takes webhooks only.
    expect(web.log.filter((e) => e.msg === 'sync synced')).toEqual([]);
  });

  it('writes one deal per qualifying conversation and no note twice', () => {
    const qualifying = conversations.filter(qualifiesForDeal).map((c) => c.id);
    expect(qualifying.length).toBeGreaterThan(10);
    const dealConversations = state.objects.deals.map((d) => d.properties.crm_connector_conversation_id);
    expect(dealConversations).toHaveLength(qualifying.length);
    expect(new Set(dealConversations)).toEqual(new Set(qualifying));
    const notes = records.flatMap((r) => {
      const note = r.crmObjects.transcript_note;
      return note ? (note.partIds ?? [note.id]) : [];
    });
    expect(new Set(notes).size).toBe(notes.length);
    expect(state.objects.notes.map((n) => n.id).sort()).toEqual([...notes].sort());
  });

  it('holds the portal budget across all workers: no 10-s window over the limit, no 429', async () => {
    expect(state.stats.totalRequests).toBeGreaterThan(2 * LIMIT); // enough calls that the budget had to bind
    expect(state.stats.maxRequestsInTenSeconds).toBeLessThanOrEqual(LIMIT);
    expect(state.stats.rateLimited).toEqual({ total: 0, tenSecondly: 0, secondly: 0 });
    expect(state.stats.tooManyRequests).toBe(0);
    // Every worker called the portal, and together their metrics account for every call it saw.
    const portal = String(hubspot.defaultPortal.portalId);
    const calls = await Promise.all(
      workers.map(async (worker) => {
        const text = await (await fetch(`${worker.url}/metrics`)).text();
        return text
          .split('\n')
          .filter((line) => line.startsWith('crm_connector_crm_requests_total{') && line.includes(`account="${portal}"`))
          .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      }),
    );
    for (const n of calls) expect(n).toBeGreaterThan(0);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(state.stats.totalRequests);
  });
});
