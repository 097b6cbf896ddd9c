/**
 * One worker process serving 1,000 installations (production dependencies, real HTTP): each
 * installation is its own HubSpot portal with its own limits, and each has one conversation to
 * sync. All 1,000 reach their portals, each portal's calls go through that portal's own budget
 * (no portal sees a 429), and the process holds no timer or polling loop per installation: once
 * idle again, its timers and handles are what they were before the first installation synced.
 */
import { createHook } from 'node:async_hooks';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listSyncRecords } from '../../src/store/sync-records.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { installHubSpotTenant, queueSyncs } from '../support/tenants.ts';
import { newWebhookSecret, testConfig, waitFor } from '../support/sync-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INSTALLATIONS = 1_000;

/** Timers and handles keeping this process alive, by kind (`Timeout`, `TCPSocketWrap`, ...). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Timers created while tracking, unref'd ones included (getActiveResourcesInfo lists only those
 * that keep the process alive). `standing()` counts the ones still armed that something keeps
 * re-arming: intervals, and timers armed after `idleFrom()` while no work was going on. A loop
 * per installation would show up there a thousand times; request deadlines armed during the
 * work (they run out by themselves) do not.
 */
function trackTimers() {
  const live = new Map<number, { at: number; repeats: boolean }>();
  let created = 0;
  let idleAt = Infinity;
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      created += 1;
      live.set(asyncId, { at: Date.now(), repeats: (resource as { _repeat?: unknown })._repeat != null });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    idleFrom: () => void (idleAt = Date.now()),
    created: () => created,
    standing: () => [...live.values()].filter((t) => t.repeats || t.at >= idleAt).length,
    stop: () => void hook.disable(),
  };
}

const embedded = storeBackends().filter((backend) => backend.name === 'embedded');

describe.each(embedded)('one worker process, 1,000 installations, on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let service: RunningService;
  const portals = new Map<string, number>();
  let before: Record<string, number>;
  let after: Record<string, number>;
  let timers: { created: number; standing: number };
  let metricsText: string;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: 100 } });
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    service = await startService({
      config: testConfig({ ...environment.env, MAPPINGS_DIR: path.join(ROOT, 'mappings'), SYNC_BATCH_SIZE: '50' }),
      logger: createLogger({ level: 'silent' }),
    });
    const conversations = platform.simulate(INSTALLATIONS, { at: new Date(Date.now() - 3_600_000), spreadMs: 600_000 });
    const tenants: Array<{ installationId: string; conversationId: string }> = [];
    for (const [i, conversation] of conversations.entries()) {
      const portal = i === 0 ? hubspot.defaultPortal : hubspot.createPortal();
      const installationId = await installHubSpotTenant(service, {
        name: `tenant-${i}`, portal, hubspotUrl: hubspot.url, platform, webhookSecret: newWebhookSecret(),
      });
      portals.set(installationId, portal.portalId);
      tenants.push({ installationId, conversationId: conversation.id });
    }
    before = activeResources();
    const tracker = trackTimers();
    // One live sync per installation, all queued at once.
    await Promise.all(tenants.map((t) => queueSyncs(service.boss, t.installationId, [t.conversationId], 'conversation.ended')));
    await waitFor(
      'every installation to have synced its conversation',
      async () => (await listSyncRecords(service.store, { status: 'synced', limit: 100_000 })).length === INSTALLATIONS,
      240_000,
    );
    await waitFor('the worker to be idle', async () => (await service.boss.findJobs(SYNC_QUEUE, { queued: true, limit: 1 })).length === 0);
    metricsText = await (await fetch(`${service.url}/metrics`)).text();
    // Idle for a while, as between bursts: keep-alive sockets of the last calls close, polls go on.
    tracker.idleFrom();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    after = activeResources();
    timers = { created: tracker.created(), standing: tracker.standing() };
    tracker.stop();
    console.info(
      `[1,000 installations] active resources before: ${JSON.stringify(before)}, after: ${JSON.stringify(after)}; ` +
        `timers created: ${timers.created}, standing while idle: ${timers.standing}`,
    );
  }, 300_000);

  afterAll(async () => {
    await service?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('syncs every installation into its own portal, each through its own budget, without a 429', async () => {
    const records = await listSyncRecords(service.store, { limit: 100_000 });
    expect(records).toHaveLength(INSTALLATIONS);
    let portalsWritten = 0;
    for (const record of records) {
      const portalId = portals.get(record.installationId)!;
      const state = hubspot.state(portalId);
      expect(state.stats.rateLimited.total, String(portalId)).toBe(0);
      // What the sync recorded is in this portal and no other: one conversation's records each
      // (an abandoned conversation without contact details may write nothing).
      const written = Object.values(record.crmObjects).flatMap((o) => o.partIds ?? [o.id]);
      const stored = Object.values(state.objects).flat().map((o) => o.id);
      expect(stored.sort(), String(portalId)).toEqual(written.sort());
      if (written.length > 0) portalsWritten += 1;
    }
    expect(portalsWritten).toBeGreaterThan(INSTALLATIONS / 2);
    const accounts = new Set(
      metricsText
        .split('\n')
        .filter((line) => line.startsWith('crm_connector_crm_requests_total{'))
        .map((line) => /account="([^"]+)"/.exec(line)?.[1]),
    );
    expect(accounts).toEqual(new Set([...portals.values()].map(String)));
  });

  it('holds no timer or handle per installation once idle', () => {
    // Whatever the service keeps (queue polling, pools) it kept before the 1,000 installations synced.
    const grown = Object.fromEntries(
      Object.entries(after).filter(([kind, n]) => n > (before[kind] ?? 0)).map(([kind, n]) => [kind, n - (before[kind] ?? 0)]),
    );
    for (const [kind, extra] of Object.entries(grown)) expect(extra, `${kind} grew by ${extra}`).toBeLessThan(10);
    // Timers came and went with the work (request deadlines, batching windows, queue polls); what
    // stays armed while idle is the service's own few loops, not one per installation.
    expect(timers.created).toBeGreaterThan(INSTALLATIONS);
    expect(timers.standing).toBeLessThan(25);
  });
});
