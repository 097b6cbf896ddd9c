/**
 * pg-boss on the store: the same queue on PGlite (its `fromPglite` adapter, in-process) and on
 * Postgres (its own pool). Workers are woken by LISTEN/NOTIFY where available, polling otherwise.
 */
import { PgBoss } from 'pg-boss';
import type { SyncTuning } from '../config.ts';
import type { Logger } from '../log.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_PRIORITY, SYNC_QUEUE } from '../sync/sync-job.ts';
import type { Store } from './store.ts';

/** Dead-lettered syncs stay this long for `retry --failed`; the sync record keeps the reason for good. */
const DEAD_LETTER_RETENTION_SECONDS = 30 * 24 * 3600;
const RETRY_DELAY_MAX_SECONDS = 3600;
/**
 * Workers refresh active jobs this often (pg-boss does it for them); a job whose worker died
 * (kill -9, lost node) goes back to the queue once it misses its heartbeat, instead of waiting for
 * the 15-minute expiry.
 */
const HEARTBEAT_SECONDS = 30;

export interface QueueRole {
  /** Runs pg-boss maintenance: expiring jobs of crashed workers, retention. Worker processes do. */
  maintain: boolean;
}

export async function startQueue(store: Store, tuning: SyncTuning, role: QueueRole, logger: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    ...store.queueConnection(),
    useListenNotify: true,
    supervise: role.maintain,
    schedule: false,
    migrate: true,
    instanceName: 'crm-connector',
  });
  boss.on('error', (error) => logger.error({ err: error }, 'queue error'));
  boss.on('warning', (warning) => logger.warn({ data: warning.data }, `queue: ${warning.message}`));
  await boss.start();
  try {
    await ensureQueues(boss, tuning);
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }
  return boss;
}

/**
 * How a worker takes sync jobs: two lanes on the one queue, each a few batch loops (one fetch
 * query per loop; nothing per installation).
 * - `live` loops fetch only live events (priority ≥ SYNC_PRIORITY.live): a webhook's sync never
 *   waits for a backfill batch to finish, however slow the backfilling tenant's CRM is.
 * - `general` loops fetch everything, live first (priority), with at most `installationConcurrency`
 *   jobs of one installation (the job's group) active across all workers, so one tenant's
 *   100,000-conversation backfill leaves batch slots to the other tenants' backfills.
 * pg-boss counts the active jobs of a group in the database; loops that fetch at the very same
 * moment (all woken by one backfill page being queued) each see the same count and may each take
 * a full batch of that installation. The cap then holds again from the next round of batches:
 * another tenant's backfill can wait one round of the big one's batches, live events not at all.
 * (pg-boss's exact in-process alternative, localGroupConcurrency, counts single jobs and cannot
 * exceed the loop count, which would cut the batches that keep CRM calls few.)
 */
export function syncWorkOptions(tuning: SyncTuning) {
  const common = {
    batchSize: tuning.batchSize,
    groupConcurrency: tuning.installationConcurrency,
    pollingIntervalSeconds: tuning.pollIntervalSeconds,
    // NOTIFY wakes the worker for new jobs only; retries and extraction re-checks become due later, so keep polling.
    notifyPollingIntervalSeconds: tuning.pollIntervalSeconds,
    perJobResults: true,
    includeMetadata: true,
  } as const;
  return {
    live: { ...common, localConcurrency: tuning.liveConcurrency, minPriority: SYNC_PRIORITY.live },
    general: { ...common, localConcurrency: tuning.concurrency },
  };
}

/** Creates the queues, and applies changed retry settings to existing ones. */
export async function ensureQueues(boss: PgBoss, tuning: SyncTuning): Promise<void> {
  await boss.createQueue(SYNC_DEAD_LETTER_QUEUE, { retentionSeconds: DEAD_LETTER_RETENTION_SECONDS });
  const options = {
    retryLimit: tuning.retryLimit,
    retryDelay: tuning.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: RETRY_DELAY_MAX_SECONDS,
    deadLetter: SYNC_DEAD_LETTER_QUEUE,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  };
  await boss.createQueue(SYNC_QUEUE, { policy: 'stately', ...options });
  await boss.updateQueue(SYNC_QUEUE, options);
}
