/**
 * Waiting until a set of conversations is done syncing: each has a final sync record (synced,
 * failed or skipped) and no sync job is queued or waiting to retry. A record alone is not
 * enough: an event that arrives while a sync runs queues a follow-up job, and the running sync
 * then marks the record final before the follow-up has run. Polls with a count per status (a
 * backlog of thousands must not be read in full every few hundred milliseconds: that would slow
 * down the very worker being waited for) and reads the records once at the end.
 */
import type { PgBoss } from 'pg-boss';
import { countSyncRecordsByStatus, listSyncRecords, type SyncRecord, type SyncStatus } from '../store/sync-records.ts';
import type { Store } from '../store/store.ts';
import { SYNC_QUEUE } from '../sync/sync-job.ts';

export const FINAL_STATUSES: readonly SyncStatus[] = ['synced', 'failed', 'skipped'];

export interface SyncWaitOptions {
  installationId: string;
  conversationIds: readonly string[];
  /** Resolves once the platform has no event left to deliver; until then more syncs may come. */
  deliveriesDone: Promise<unknown>;
  timeoutMs: number;
  pollMs?: number;
  /** Final syncs so far (of the installation, counted from the start of the wait) out of the conversations waited for. */
  onProgress?: (final: number, total: number) => void;
}

export interface SyncWaitResult {
  /** Conversation id → its sync record, for those that have one. */
  records: Map<string, SyncRecord>;
  /** Conversations not final when the wait ended. */
  unsettled: string[];
  /** The deadline passed first: some syncs, deliveries or queued jobs were still going. */
  timedOut: boolean;
}

const finalCount = (counts: Partial<Record<SyncStatus, number>>) => FINAL_STATUSES.reduce((n, status) => n + (counts[status] ?? 0), 0);
const pendingCount = (counts: Partial<Record<SyncStatus, number>>) =>
  Object.entries(counts).reduce((n, [status, count]) => n + (FINAL_STATUSES.includes(status as SyncStatus) ? 0 : count), 0);

export async function waitForSyncs(service: { store: Store; boss: PgBoss }, options: SyncWaitOptions): Promise<SyncWaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  let delivered = false;
  void options.deliveriesDone.then(() => (delivered = true), () => (delivered = true));
  const wanted = new Set(options.conversationIds);
  const finalBefore = finalCount(await countSyncRecordsByStatus(service.store, options.installationId));
  const read = async () => {
    const all = await listSyncRecords(service.store, { installationId: options.installationId, limit: 1_000_000 });
    const records = new Map(all.filter((r) => wanted.has(r.conversationId)).map((r) => [r.conversationId, r]));
    const unsettled = [...wanted].filter((id) => !FINAL_STATUSES.includes(records.get(id)?.status ?? 'queued'));
    return { records, unsettled };
  };
  for (;;) {
    const counts = await countSyncRecordsByStatus(service.store, options.installationId);
    options.onProgress?.(Math.min(wanted.size, finalCount(counts) - finalBefore), wanted.size);
    if (delivered && pendingCount(counts) === 0 && (await service.boss.findJobs(SYNC_QUEUE, { queued: true, limit: 1 })).length === 0) {
      const { records, unsettled } = await read();
      if (unsettled.length === 0) return { records, unsettled, timedOut: false };
    }
    if (Date.now() >= deadline) return { ...(await read()), timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}
