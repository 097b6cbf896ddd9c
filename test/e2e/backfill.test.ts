/**
 * Backfill end to end: 300 historical conversations in the platform sandbox, the real service
 * (mapping engine, HubSpot adapter, sync worker) writing to the HubSpot sandbox, the backfill
 * walking the Conversations API. Checked in the sandbox's state and the sync records: every
 * conversation of the range synced exactly once, filters respected, a dry run enqueues nothing,
 * and a walk paused and then cut off by a shutdown resumes without loss or duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dryRunBackfill } from '../../src/backfill/dry-run.ts';
import { pauseBackfill } from '../../src/backfill/manager.ts';
import type { BackfillParamsInput } from '../../src/backfill/params.ts';
import { backfillProgress, type BackfillPhase, type BackfillProgress } from '../../src/backfill/progress.ts';
import { startBackfills, type BackfillService } from '../../src/backfill/service.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation, Outcome } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listBackfills } from '../../src/store/backfills.ts';
import { upsertInstallation } from '../../src/store/installations.ts';
import { listSyncRecords, type SyncRecord } from '../../src/store/sync-records.ts';
import { ANY_WIDGET, upsertBinding } from '../../src/store/widget-bindings.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig, waitFor } from '../support/sync-harness.ts';

const silent = createLogger({ level: 'silent' });
const CONVERSATIONS = 300;

describe.each(storeBackends())('backfill on $name', (backend) => {
  let environment: StoreEnvironment;
  let platform: PlatformSandbox;
  let hubspot: HubSpotSandbox;
  let service: RunningService | undefined;
  let backfills: BackfillService | undefined;
  /** The sandbox's history in started_at order. */
  let history: Conversation[];

  const config = () =>
    testConfig({
      ...environment.env,
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: newWebhookSecret(),
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
      HUBSPOT_API_URL: hubspot.url,
      SYNC_BATCH_SIZE: '50',
    });
  /** The service (role `all` syncs; `web` only enqueues) and a backfill manager inside it, as the service runs them. */
  const start = async (role: 'web' | 'all', options: { watch: boolean; maxPending?: number }) => {
    service = await startService({ config: config(), role, logger: silent });
    backfills = await startBackfills(config(), service, {
      logger: silent,
      interruptAs: 'running',
      watch: options.watch,
      tuning: { pollMs: 50, ...(options.maxPending ? { maxPending: options.maxPending } : {}) },
    });
    return backfills;
  };
  const stop = async () => {
    await backfills?.close();
    await service?.close();
    backfills = undefined;
    service = undefined;
  };
  const running = () => {
    if (!service || !backfills) throw new Error('the service is not running');
    return { service, backfills };
  };
  const progress = async (id: string) => (await backfillProgress(running().service.store, id))!;
  const phase = (id: string, wanted: BackfillPhase) =>
    waitFor(`backfill ${id} to be ${wanted}`, async () => {
      const p = await progress(id);
      return p.phase === wanted ? p : undefined;
    }, 60_000);
  /** What the sandbox itself selects for these filters: the oracle. */
  const selected = (filters: { since: string; until?: string; widgetId?: string; outcome?: Outcome }) =>
    platform.store.list(
      {
        sinceMs: Date.parse(filters.since),
        ...(filters.until ? { untilMs: Date.parse(filters.until) } : {}),
        ...(filters.widgetId ? { widgetId: filters.widgetId } : {}),
        ...(filters.outcome ? { outcome: filters.outcome } : {}),
      },
      null,
      10_000,
    ).rows;
  const records = async () => new Map((await listSyncRecords(running().service.store, { installationId: 'default' })).map((r) => [r.conversationId, r]));
  /** The default mapping's deal rule. */
  const wantsDeal = (c: Conversation) => c.outcome === 'completed' && c.criteria_results.collected_contact_info?.passed === true;
  const expectSyncedOnce = (synced: Map<string, SyncRecord>, conversations: Conversation[]) => {
    for (const c of conversations) expect(synced.get(c.id), c.id).toMatchObject({ status: 'synced', attempts: 1, lastTrigger: 'backfill' });
  };
  const startedAt = (i: number) => history[i]!.started_at;
  /** Every part of the conversation's transcript note (a conversation with neither contact nor deal gets none). */
  const noteIdsOf = (r: SyncRecord) => {
    const note = r.crmObjects.transcript_note;
    return note ? (note.partIds ?? [note.id]) : [];
  };

  beforeAll(async () => {
    environment = await backend.create();
    platform = await startPlatformSandbox({ conversations: CONVERSATIONS, seed: 11, extractionDelayMs: 0 }, silent);
    hubspot = await startHubSpotSandbox({ port: 0 });
    history = platform.store.list({}, null, 10_000).rows;
    expect(history).toHaveLength(CONVERSATIONS);
    await start('all', { watch: false });
  });
  afterAll(async () => {
    await stop();
    await hubspot?.close();
    await platform?.close();
    await environment?.dispose();
  });

  it('dry run: walks and counts per outcome and widget, and enqueues nothing', async () => {
    const { service: s, backfills: b } = running();
    const report = await dryRunBackfill(b.runtime, 'default', { since: startedAt(0), pageSize: 40 });
    expect(report).toMatchObject({ pages: Math.ceil(CONVERSATIONS / 40), seen: CONVERSATIONS, wouldEnqueue: CONVERSATIONS });
    for (const outcome of ['completed', 'abandoned', 'error'] as const) {
      const count = history.filter((c) => c.outcome === outcome).length;
      expect(report.byOutcome[outcome]?.seen ?? 0, outcome).toBe(count);
    }
    const widgets = new Set(history.map((c) => c.widget_id));
    expect(Object.keys(report.byWidget).sort()).toEqual([...widgets].sort());
    expect(await s.boss.findJobs(SYNC_QUEUE)).toEqual([]);
    expect(await listSyncRecords(s.store)).toEqual([]);
    expect(await listBackfills(s.store, undefined)).toEqual([]);
    expect(hubspot.state().objects.notes).toEqual([]);
  });

  describe('filters', () => {
    const filters = () => ({ since: startedAt(0), until: startedAt(150), widgetId: 'wgt_abc123', outcome: 'completed' as const });
    let expected: Conversation[];
    let done: BackfillProgress;

    beforeAll(async () => {
      expected = selected(filters());
      expect(expected.length).toBeGreaterThan(10);
      const run = await running().backfills.manager.start({ installationId: 'default', params: { ...filters(), pageSize: 25 }, startedBy: 'admin' });
      expect(await run.finished).toBe('done');
      done = await phase(run.backfill.id, 'complete');
    });

    it('syncs every conversation of the range, widget and outcome once, and nothing else', async () => {
      expect(done).toMatchObject({ seen: expected.length, enqueued: expected.length, synced: expected.length, syncFailed: 0, pending: 0 });
      expect(done.pagesDone).toBe(Math.ceil(expected.length / 25));
      const synced = await records();
      expect([...synced.keys()].sort()).toEqual(expected.map((c) => c.id).sort());
      expectSyncedOnce(synced, expected);
    });

    it('writes one deal per qualifying conversation and one note set per conversation to HubSpot', async () => {
      const state = hubspot.state();
      const dealOwners = state.objects.deals.map((d) => d.properties.crm_connector_conversation_id).sort();
      expect(dealOwners).toEqual(expected.filter(wantsDeal).map((c) => c.id).sort());
      const noteIds = [...(await records()).values()].flatMap(noteIdsOf);
      expect(noteIds.length).toBeGreaterThan(0);
      expect(state.objects.notes.map((n) => n.id).sort()).toEqual(noteIds.sort());
    });

    it('skips conversations already synced with the current mapping on a second run', async () => {
      const run = await running().backfills.manager.start({ installationId: 'default', params: filters(), startedBy: 'cli' });
      expect(await run.finished).toBe('done');
      const again = await phase(run.backfill.id, 'complete');
      expect(again).toMatchObject({ seen: expected.length, enqueued: 0, skipped: { alreadySynced: expected.length, notBound: 0, forgotten: 0 } });
      expectSyncedOnce(await records(), expected);
    });
  });

  it('resumes a paused, then interrupted, walk from its checkpoint: no conversation lost, none synced twice', async () => {
    const params: BackfillParamsInput = { since: startedAt(150), until: startedAt(240), pageSize: 10 };
    const expected = selected({ since: startedAt(150), until: startedAt(240) });
    const before = await records();
    await stop();
    // No worker: backpressure (20 pending) holds the walk after two pages.
    const web = await start('web', { watch: false, maxPending: 20 });
    const run = await web.manager.start({ installationId: 'default', params, startedBy: 'admin' });
    const id = run.backfill.id;
    await waitFor('the walk to block on backpressure', async () => {
      const p = await progress(id);
      return p.pagesDone === 2 && p.pending === 20;
    });
    await pauseBackfill(running().service.store, id);
    expect(await run.finished).toBe('stopped');
    expect(await progress(id)).toMatchObject({ phase: 'paused', pagesDone: 2, enqueued: 20 });

    // Resumed, then the service shuts down mid-walk: it stays running, without a walker.
    const resumed = await web.manager.resume(id);
    await waitFor('the resumed walk to block again', async () => (await progress(id)).phase === 'walking');
    await expect(web.manager.start({ installationId: 'default', params, startedBy: 'cli' })).rejects.toThrow(
      `installation default already has a running backfill (${id})`,
    );
    await stop();
    expect(await resumed.finished).toBe('interrupted');

    // The next start picks it up by itself, and its workers drain the queue.
    await start('all', { watch: true, maxPending: 20 });
    const done = await phase(id, 'complete');
    expect(done).toMatchObject({ seen: expected.length, enqueued: expected.length, synced: expected.length, syncFailed: 0 });
    expect(done.pagesDone).toBe(Math.ceil(expected.length / 10));
    const synced = await records();
    expectSyncedOnce(synced, expected);
    expect(synced.size).toBe(before.size + expected.length);

    const state = hubspot.state();
    const all = [...synced.values()];
    expect(state.objects.deals).toHaveLength(all.filter((r) => r.crmObjects.deal).length);
    const noteIds = all.flatMap(noteIdsOf);
    expect(state.objects.notes.map((n) => n.id).sort()).toEqual(noteIds.sort());
  });

  it('records why a walk failed, and resumes it from its checkpoint once the cause is fixed', async () => {
    const { service: s, backfills: b } = running();
    const acme = (key: string) =>
      upsertInstallation(s.store, s.box, {
        name: 'acme',
        crm: 'hubspot',
        crmSettings: { apiUrl: hubspot.url },
        crmCredentials: { accessToken: hubspot.defaultPortal.privateAppToken },
        platform: { apiUrl: platform.url, apiKey: key, webhookSecrets: [newWebhookSecret()] },
      });
    const { id: acmeId } = await acme('sk_revoked_key_0000');
    await upsertBinding(s.store, { installationId: acmeId, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
    const run = await b.manager.start({ installationId: acmeId, params: { since: startedAt(240), until: startedAt(260) }, startedBy: 'admin' });
    expect(await run.finished).toBe('failed');
    const failed = await progress(run.backfill.id);
    expect(failed).toMatchObject({ phase: 'failed', pagesDone: 0, enqueued: 0 });
    expect(failed.lastError).toMatch(/^Platform API GET \/api\/v1\/conversations\?since=.* failed: 401/);

    await acme(platform.apiKey);
    const resumed = await b.manager.resume(run.backfill.id);
    expect(await resumed.finished).toBe('done');
    const done = await phase(run.backfill.id, 'complete');
    expect(done).toMatchObject({ seen: 20, enqueued: 20, synced: 20, lastError: null });
  });
});
