/**
 * The sync worker: pulls jobs in batches (so one CRM account's backlog is written in few calls),
 * runs them, and on the side purges webhook receipts too old to be redelivered and rate-budget
 * grants of accounts that stopped calling.
 */
import { SYNC_QUEUE } from './sync-job.ts';
import { runSyncBatch, type SyncWorkerContext } from './run-batch.ts';
import { syncWorkOptions } from '../store/queue.ts';
import { purgeBudgetGrants } from '../store/rate-budget.ts';
import { purgeReceipts } from '../store/webhook-receipts.ts';

export const RECEIPT_RETENTION_DAYS = 14;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Far longer than any rate-limit window a CRM budget uses. */
const BUDGET_GRANT_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface SyncWorker {
  /** Stops the side tasks; pg-boss's graceful stop finishes or releases the jobs in hand. */
  stop(): void;
}

export async function startSyncWorker(ctx: SyncWorkerContext): Promise<SyncWorker> {
  const lanes = syncWorkOptions(ctx.tuning);
  for (const options of [lanes.live, lanes.general]) await ctx.boss.work(SYNC_QUEUE, options, (jobs) => runSyncBatch(ctx, jobs));
  const purge = async () => {
    try {
      const deleted = await purgeReceipts(ctx.store, RECEIPT_RETENTION_DAYS);
      if (deleted > 0) ctx.logger.info({ deleted }, `purged webhook receipts older than ${RECEIPT_RETENTION_DAYS} days`);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'could not purge old webhook receipts');
    }
    try {
      await purgeBudgetGrants(ctx.store, BUDGET_GRANT_RETENTION_MS);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'could not purge old rate-budget grants');
    }
  };
  void purge();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
