/**
 * `crm-connector retry <conversation_id | --failed>`: re-runs syncs. Each target gets a fresh job
 * (its retry budget starts over) and leaves the dead-letter queue, in one transaction; a target
 * whose sync is already queued is left to that job.
 */
import type { PgBoss } from 'pg-boss';
import type { Store } from '../store/store.ts';
import { listSyncRecords, markQueued, type SyncKey } from '../store/sync-records.ts';
import { SYNC_DEAD_LETTER_QUEUE, SyncJobData, enqueueSync, syncKeyOf } from './sync-job.ts';

export type RetryRequest = { installationId?: string } & ({ conversationId: string } | { failed: true });

export interface RetryReport {
  requeued: SyncKey[];
  /** A sync was already queued for these: nothing added. */
  alreadyQueued: SyncKey[];
}

export async function retrySyncs(store: Store, boss: PgBoss, request: RetryRequest): Promise<RetryReport> {
  const targets = await targetsOf(store, boss, request);
  const report: RetryReport = { requeued: [], alreadyQueued: [] };
  for (const key of targets) {
    // Looked up before the transaction: the embedded store runs one transaction at a time, so pg-boss's own reads would wait on it.
    const dead = await boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: key, queued: true });
    await store.transaction(async (tx) => {
      const jobId = await enqueueSync(boss, { ...key, trigger: 'retry' }, { db: tx.queueDb });
      if (dead.length > 0) await boss.deleteJob(SYNC_DEAD_LETTER_QUEUE, dead.map((job) => job.id), { db: tx.queueDb });
      if (jobId === null) {
        report.alreadyQueued.push(key);
        return;
      }
      await markQueued(tx, key, { trigger: 'retry' });
      report.requeued.push(key);
    });
  }
  return report;
}

async function targetsOf(store: Store, boss: PgBoss, request: RetryRequest): Promise<SyncKey[]> {
  const { installationId } = request;
  if ('conversationId' in request) {
    const records = await listSyncRecords(store, { conversationId: request.conversationId, installationId });
    if (records.length === 0) {
      throw new Error(
        `no sync record for conversation ${request.conversationId}${installationId ? ` in installation ${installationId}` : ''}: ` +
          'only conversations the connector has seen can be retried',
      );
    }
    return records.map(({ installationId, conversationId }) => ({ installationId, conversationId }));
  }
  const failed = await listSyncRecords(store, { status: 'failed', installationId });
  // Dead-lettered jobs count too, even when a later event has synced the conversation since: re-syncing is idempotent and clears them.
  const dead = (await boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { queued: true }))
    .map((job) => SyncJobData.safeParse(job.data))
    .filter((parsed) => parsed.success)
    .map(({ data }) => ({ installationId: data.installationId, conversationId: data.conversationId }))
    .filter((key) => !installationId || key.installationId === installationId);
  const unique = new Map<string, SyncKey>();
  for (const { installationId: inst, conversationId } of [...failed, ...dead]) {
    unique.set(syncKeyOf({ installationId: inst, conversationId }), { installationId: inst, conversationId });
  }
  return [...unique.values()];
}
