/**
 * A conversation's jobs in pg-boss: their data names it and a finished job's output lists the CRM
 * ids written for it, so forgetting removes them from the sync queue and its dead-letter queue
 * (and deleting an installation removes all of its jobs).
 * A sync running right now cannot be taken back: forgetting waits for it, then undoes what it wrote.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, PgBoss } from 'pg-boss';
import type { SyncKey } from '../store/sync-records.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE } from '../sync/sync-job.ts';

const POLL_MS = 250;

/**
 * Deletes the conversation's jobs not yet started (retries included), so none starts while it is
 * being forgotten. Inside a transaction pass its `queueDb` (the embedded store has one connection).
 */
export async function dropQueuedSyncs(boss: PgBoss, key: SyncKey, db?: Db): Promise<number> {
  const queued = await boss.findJobs(SYNC_QUEUE, { data: key, queued: true, ...(db ? { db } : {}) });
  if (queued.length > 0) await boss.deleteJob(SYNC_QUEUE, queued.map((job) => job.id), db ? { db } : {});
  return queued.length;
}

/** One page of a job search; a few thousand ids keep one DELETE statement reasonable. */
const PAGE = 5_000;

/**
 * Deletes every job that is not running, in both queues, of one conversation (a full SyncKey) or of
 * a whole installation (`{ installationId }`: jobs' data contains it). Pass the transaction's `queueDb`.
 */
export async function deleteSyncJobs(boss: PgBoss, db: Db, key: SyncKey | Pick<SyncKey, 'installationId'>): Promise<number> {
  let deleted = 0;
  for (const queue of [SYNC_QUEUE, SYNC_DEAD_LETTER_QUEUE]) {
    let after: string | undefined;
    for (;;) {
      const page = await boss.findJobs(queue, { data: key, db, limit: PAGE, ...(after ? { after } : {}) });
      const ids = page.filter((job) => job.state !== 'active').map((job) => job.id);
      if (ids.length > 0) await boss.deleteJob(queue, ids, { db });
      deleted += ids.length;
      if (page.length < PAGE) break;
      // Deleted rows are gone, so the next page starts after the last job kept (a running one), or at the start again.
      const kept = page.filter((job) => job.state === 'active');
      after = kept.at(-1)?.id;
    }
  }
  return deleted;
}

export class SyncStillRunningError extends Error {
  constructor(key: SyncKey, jobIds: string[], waitedMs: number) {
    super(
      `a sync of conversation ${key.conversationId} (installation ${key.installationId}, job ${jobIds.join(', ')}) is still running after ` +
        `${Math.round(waitedMs / 1000)}s: nothing was deleted from the CRM yet, and its queued syncs were dropped. Run forget again in a minute`,
    );
    this.name = 'SyncStillRunningError';
  }
}

/** Resolves once no sync of the conversation is running; throws SyncStillRunningError after `timeoutMs`. */
export async function waitForRunningSyncs(boss: PgBoss, key: SyncKey, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const active = (await boss.findJobs(SYNC_QUEUE, { data: key })).filter((job) => job.state === 'active').map((job) => job.id);
    if (active.length === 0) return;
    if (Date.now() - started >= timeoutMs) throw new SyncStillRunningError(key, active, Date.now() - started);
    await sleep(POLL_MS);
  }
}
