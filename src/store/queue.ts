/**
 * pg-boss on the store: the same queue on PGlite (its `fromPglite` adapter, in-process) and on
 * Postgres (its own pool). Workers are woken by LISTEN/NOTIFY where available, polling otherwise.
 */
import { PgBoss } from 'pg-boss';
import type { SyncTuning } from '../config.ts';
import type { Logger } from '../log.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE } from '../sync/sync-job.ts';
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
 * How a worker takes sync jobs. Fairness comes from three things together:
 * - priority: live events (10) are fetched before backfill (0), whatever waits longer;
 * - a cap of `installationConcurrency` active jobs per installation (the job's group) in each
 *   process, so a tenant's 100,000-conversation backfill holds a bounded share of the process's
 *   batch slots and the other slots keep fetching other tenants' jobs past it. The cap is pg-boss's
 *   `localGroupConcurrency` (counted in memory, the excess of a fetch handed straight back), not
 *   `groupConcurrency`: that one counts active jobs in the database, but fetches running at the same
 *   moment each see the same count (4 batch slots took 80 jobs of one installation under a cap of
 *   40 on Postgres, and the other tenants starved);
 * - localConcurrency: several batches in flight per process, so a batch stuck behind a slow or
 *   rate-limited CRM account does not stop the process from taking other tenants' jobs.
 * All of it is one fetch query per batch slot: no loop or timer per installation.
 */
export function syncWorkOptions(tuning: SyncTuning) {
  return {
    batchSize: tuning.batchSize,
    localConcurrency: tuning.concurrency,
    localGroupConcurrency: tuning.installationConcurrency,
    pollingIntervalSeconds: tuning.pollIntervalSeconds,
    // NOTIFY wakes the worker for new jobs only; retries and extraction re-checks become due later, so keep polling.
    notifyPollingIntervalSeconds: tuning.pollIntervalSeconds,
    perJobResults: true,
    includeMetadata: true,
  } as const;
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
