/**
 * The connector as the benchmark runs it: the production service (`startService` with the
 * default dependencies: mapping files, HubSpot adapter, per-portal limiter) on the embedded store
 * in a temp directory, reading from the platform sandbox and writing to the HubSpot sandbox.
 * Conversations go through the real sync queue, enqueued as a backfill would, and are counted
 * as done when their sync records are final.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import type { WritePlan } from '../src/crm/write-plan.ts';
import { observePlans } from '../src/demo/plan-observer.ts';
import { waitForSyncs } from '../src/demo/sync-settled.ts';
import { createLogger } from '../src/log.ts';
import type { HubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import type { PlatformSandbox } from '../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../src/server.ts';
import { DEFAULT_INSTALLATION } from '../src/store/single-tenant.ts';
import type { SyncStatus } from '../src/store/sync-records.ts';
import { buildDefaultDependencies } from '../src/sync/dependencies.ts';
import { enqueueSync } from '../src/sync/sync-job.ts';

export interface SyncRun {
  /** HubSpot requests the portal received during the run. */
  calls: number;
  /** The same, by endpoint (`POST /crm/v3/objects/contacts/batch/upsert`). */
  endpoints: Record<string, number>;
  seconds: number;
  /** Of those, spent enqueueing (the worker already runs meanwhile). */
  enqueueSeconds: number;
  statuses: Partial<Record<SyncStatus, number>>;
  timedOut: boolean;
}

export interface ConnectorUnderTest {
  /** Enqueues the conversations at once and waits until every sync is final. */
  sync(conversationIds: readonly string[], timeoutMs: number): Promise<SyncRun>;
  /** The plan the connector executed for a conversation. */
  planOf(conversationId: string): WritePlan | undefined;
  close(): Promise<void>;
}

export async function startConnector(input: { hubspot: HubSpotSandbox; platform: PlatformSandbox; mappingsDir: string }): Promise<ConnectorUnderTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-bench-'));
  const logger = createLogger({ level: process.env.LOG_LEVEL?.trim() || 'error', name: 'bench' });
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    MAPPINGS_DIR: input.mappingsDir,
    LOG_LEVEL: logger.level,
    PLATFORM_API_URL: input.platform.url,
    PLATFORM_API_KEY: input.platform.apiKey,
    PLATFORM_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    CRM: 'hubspot',
    HUBSPOT_API_URL: input.hubspot.url,
    HUBSPOT_ACCESS_TOKEN: input.hubspot.defaultPortal.privateAppToken,
    // HubSpot's batch size: one worker batch becomes one adapter batch of up to 100 plans.
    SYNC_BATCH_SIZE: '100',
    SYNC_POLL_INTERVAL_SECONDS: '0.5',
  });
  const observed = observePlans(await buildDefaultDependencies(config, { logger }));
  let service: RunningService;
  try {
    service = await startService({ config, deps: observed.deps, logger });
  } catch (error) {
    observed.deps.close?.();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    async sync(conversationIds, timeoutMs) {
      const before = input.hubspot.stats();
      const started = performance.now();
      for (const conversationId of conversationIds) {
        await enqueueSync(service.boss, { installationId: DEFAULT_INSTALLATION, conversationId, trigger: 'backfill' });
      }
      const enqueueSeconds = (performance.now() - started) / 1000;
      const wait = await waitForSyncs(service, {
        installationId: DEFAULT_INSTALLATION,
        conversationIds,
        deliveriesDone: Promise.resolve(),
        timeoutMs,
        pollMs: 500,
      });
      const seconds = (performance.now() - started) / 1000;
      const statuses: Partial<Record<SyncStatus, number>> = {};
      for (const record of wait.records.values()) statuses[record.status] = (statuses[record.status] ?? 0) + 1;
      const after = input.hubspot.stats();
      return {
        calls: after.totalRequests - before.totalRequests,
        endpoints: endpointDelta(before.byEndpoint, after.byEndpoint),
        seconds,
        enqueueSeconds,
        statuses,
        timedOut: wait.timedOut,
      };
    },
    planOf: (conversationId) => observed.plans.get(conversationId),
    async close() {
      await service.close();
      observed.deps.close?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Requests per endpoint made between two snapshots of the sandbox's counters. */
export function endpointDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([endpoint, n]): [string, number] => [endpoint, n - (before[endpoint] ?? 0)])
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
