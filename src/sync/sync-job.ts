/**
 * The sync job's contract, shared by everything that enqueues one (webhook ingest, `retry`, and
 * later backfill) and the worker that runs it.
 *
 * One queue, policy `stately`, singleton key `installation:conversation`: at most one job per
 * conversation is queued and one active, so events for a conversation coalesce into the queued
 * job, and an event arriving while a sync runs queues exactly one follow-up sync (it may carry
 * newer data). Priorities order live work before backfill on the same queue; keeping one queue is
 * what lets a backfill job and a live event for the same conversation coalesce.
 */
import type { Db, PgBoss } from 'pg-boss';
import { z } from 'zod';

export const SYNC_QUEUE = 'conversation-sync';
export const SYNC_DEAD_LETTER_QUEUE = 'conversation-sync-dead';

/** Higher runs first: live events are fetched before any backfill job, however long that has waited. */
export const SYNC_PRIORITY = { live: 10, backfill: 0 } as const;

export const SyncTrigger = z.enum(['conversation.ended', 'criteria.evaluated', 'retry', 'backfill']);
export type SyncTrigger = z.infer<typeof SyncTrigger>;

export const SyncJobData = z.object({
  installationId: z.string().min(1),
  conversationId: z.string().min(1),
  trigger: SyncTrigger,
  /** Set once a job found extraction still empty: the wait is bounded from here as well as from `ended_at`. */
  extractionWaitStartedAt: z.iso.datetime().optional(),
  /** Extraction checks so far, for the backoff. */
  extractionChecks: z.number().int().nonnegative().optional(),
});
export type SyncJobData = z.infer<typeof SyncJobData>;

export const syncKeyOf = (job: Pick<SyncJobData, 'installationId' | 'conversationId'>): string =>
  `${job.installationId}:${job.conversationId}`;

/**
 * How every sync job is queued: coalesced per conversation (singleton key), live before backfill
 * (priority), and grouped by installation, which the worker's per-installation concurrency limit
 * (src/store/queue.ts syncWorkOptions) counts by.
 */
export function syncJobOptions(data: SyncJobData): { singletonKey: string; priority: number; group: { id: string } } {
  return {
    singletonKey: syncKeyOf(data),
    priority: data.trigger === 'backfill' ? SYNC_PRIORITY.backfill : SYNC_PRIORITY.live,
    group: { id: data.installationId },
  };
}

/**
 * Enqueues a sync; resolves with the job id, or null when a job for the conversation was already
 * queued (coalesced). Pass `db` to enqueue inside your own transaction.
 */
export async function enqueueSync(
  boss: PgBoss,
  data: SyncJobData,
  options: { db?: Db; startAfterSeconds?: number } = {},
): Promise<string | null> {
  return boss.send(SYNC_QUEUE, SyncJobData.parse(data), {
    ...syncJobOptions(data),
    ...(options.startAfterSeconds !== undefined ? { startAfter: options.startAfterSeconds } : {}),
    ...(options.db ? { db: options.db } : {}),
  });
}
