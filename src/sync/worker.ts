/**
 * The sync worker: pulls jobs in batches (so one CRM account's backlog is written in few calls),
 * runs them, and on the side purges webhook receipts too old to be redelivered.
 */
import { SYNC_QUEUE } from './sync-job.ts';
import { runSyncBatch, type SyncWorkerContext } from './run-batch.ts';
import { purgeReceipts } from '../store/webhook-receipts.ts';

export const RECEIPT_RETENTION_DAYS = 14;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface SyncWorker {
  /** Stops the side tasks; pg-boss's graceful stop finishes or releases the jobs in hand. */
  stop(): void;
}

export async function startSyncWorker(ctx: SyncWorkerContext): Promise<SyncWorker> {
  await ctx.boss.work(
    SYNC_QUEUE,
    {
      batchSize: ctx.tuning.batchSize,
      pollingIntervalSeconds: ctx.tuning.pollIntervalSeconds,
      // NOTIFY wakes the worker for new jobs only; retries and extraction re-checks become due later, so keep polling.
      notifyPollingIntervalSeconds: ctx.tuning.pollIntervalSeconds,
      perJobResults: true,
      includeMetadata: true,
    },
    (jobs) => runSyncBatch(ctx, jobs),
  );
  const purge = async () => {
    try {
      const deleted = await purgeReceipts(ctx.store, RECEIPT_RETENTION_DAYS);
      if (deleted > 0) ctx.logger.info({ deleted }, `purged webhook receipts older than ${RECEIPT_RETENTION_DAYS} days`);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'could not purge old webhook receipts');
    }
  };
  void purge();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
