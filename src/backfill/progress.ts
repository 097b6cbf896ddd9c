/**
 * A backfill's progress as the CLI and the admin pages show it: the stored counters, settled
 * syncs counted first (so every poll is current), and a phase in words an admin understands.
 */
import { countPending, getBackfill, listBackfills, settlePending, type Backfill } from '../store/backfills.ts';
import type { Queryable } from '../store/store.ts';

/**
 * - walking: a process is walking the pages (and enqueuing);
 * - interrupted: running, but its walker is gone (a stopped or crashed process): resumed when the service starts;
 * - syncing: every page walked, enqueued syncs still running;
 * - complete: every page walked and every sync settled.
 */
export type BackfillPhase = 'walking' | 'interrupted' | 'syncing' | 'complete' | 'paused' | 'failed' | 'cancelled';

export interface BackfillProgress extends Backfill {
  phase: BackfillPhase;
  /** Enqueued syncs not settled yet. */
  pending: number;
  /** Enqueued syncs that have ended: synced, failed or skipped. */
  settled: number;
}

export function phaseOf(backfill: Backfill, pending: number, now = new Date()): BackfillPhase {
  switch (backfill.status) {
    case 'running':
      return backfill.leaseUntil !== null && backfill.leaseUntil > now ? 'walking' : 'interrupted';
    case 'done':
      return pending > 0 ? 'syncing' : 'complete';
    default:
      return backfill.status;
  }
}

export async function backfillProgress(db: Queryable, id: string): Promise<BackfillProgress | undefined> {
  const stored = await getBackfill(db, id);
  if (!stored) return undefined;
  await settlePending(db, stored.installationId);
  const backfill = (await getBackfill(db, id)) ?? stored;
  return withProgress(backfill, await countPending(db, { backfillId: id }));
}

/** The installation's backfills (every installation's when undefined), newest first, with their progress. */
export async function listBackfillProgress(db: Queryable, installationId: string | undefined, limit = 50): Promise<BackfillProgress[]> {
  const listed = await listBackfills(db, installationId, limit);
  for (const id of new Set(listed.map((b) => b.installationId))) await settlePending(db, id);
  const current = await listBackfills(db, installationId, limit);
  const progress: BackfillProgress[] = [];
  for (const backfill of current) progress.push(withProgress(backfill, await countPending(db, { backfillId: backfill.id })));
  return progress;
}

function withProgress(backfill: Backfill, pending: number): BackfillProgress {
  return {
    ...backfill,
    pending,
    settled: backfill.synced + backfill.syncFailed + backfill.syncSkipped,
    phase: phaseOf(backfill, pending),
  };
}
