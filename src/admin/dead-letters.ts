/**
 * An installation's dead-lettered sync jobs: syncs that used up their retries or failed for good.
 * The job only names the conversation; why it failed is on the conversation's sync record.
 */
import type { PgBoss } from 'pg-boss';
import { SYNC_DEAD_LETTER_QUEUE, SyncJobData } from '../sync/sync-job.ts';

export interface DeadLetter {
  conversationId: string;
  trigger: string;
  deadLetteredAt: Date;
}

/** Enough for a page; `retry --failed` (and the Retry all button) handles any number. */
const SHOWN = 200;

export async function listDeadLetters(boss: PgBoss, installationId: string): Promise<DeadLetter[]> {
  const jobs = await boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: { installationId }, queued: true, limit: SHOWN });
  const letters = new Map<string, DeadLetter>();
  for (const job of jobs) {
    const data = SyncJobData.safeParse(job.data);
    if (!data.success) continue;
    // One entry per conversation: a conversation dead-lettered twice is retried once.
    letters.set(data.data.conversationId, { conversationId: data.data.conversationId, trigger: data.data.trigger, deadLetteredAt: job.createdOn });
  }
  return [...letters.values()].sort((a, b) => b.deadLetteredAt.getTime() - a.deadLetteredAt.getTime());
}
