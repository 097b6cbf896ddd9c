/**
 * Backfills: one row per backfill with its checkpoint (the cursor of the next page), its counters
 * and a lease naming the process that walks it; `backfill_pending` holds the syncs it enqueued
 * that have not settled yet. A page's jobs, its pending rows and the new checkpoint are written in
 * one transaction (see src/backfill/walker.ts), guarded by the lease, so a resumed walk starts
 * exactly after the last committed page and a cancelled one never commits another page.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BackfillParams } from '../backfill/params.ts';
import type { Queryable } from './store.ts';

export const BackfillStatus = z.enum(['running', 'paused', 'done', 'failed', 'cancelled']);
export type BackfillStatus = z.infer<typeof BackfillStatus>;

/** Who asked for it, for listings. */
export const BackfillOrigin = z.enum(['cli', 'admin']);
export type BackfillOrigin = z.infer<typeof BackfillOrigin>;

export interface Backfill {
  id: string;
  installationId: string;
  params: BackfillParams;
  status: BackfillStatus;
  /** Cursor of the next page; null before the first page and after the last. */
  nextCursor: string | null;
  pagesDone: number;
  /** Conversations listed so far. */
  seen: number;
  /** Syncs enqueued (or joined to a sync already queued for the conversation). */
  enqueued: number;
  skipped: { alreadySynced: number; notBound: number; forgotten: number };
  /** How the enqueued syncs ended, as far as they have. */
  synced: number;
  syncFailed: number;
  syncSkipped: number;
  startedBy: BackfillOrigin;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

interface BackfillRow {
  id: string;
  installation_id: string;
  params: unknown;
  status: string;
  next_cursor: string | null;
  pages_done: number;
  conversations_seen: number;
  conversations_enqueued: number;
  skipped_synced: number;
  skipped_unbound: number;
  skipped_forgotten: number;
  synced: number;
  sync_failed: number;
  sync_skipped: number;
  started_by: string;
  lease_owner: string | null;
  lease_until: Date | null;
  last_error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const toBackfill = (row: BackfillRow): Backfill => ({
  id: row.id,
  installationId: row.installation_id,
  params: BackfillParams.parse(row.params),
  status: BackfillStatus.parse(row.status),
  nextCursor: row.next_cursor,
  pagesDone: row.pages_done,
  seen: row.conversations_seen,
  enqueued: row.conversations_enqueued,
  skipped: { alreadySynced: row.skipped_synced, notBound: row.skipped_unbound, forgotten: row.skipped_forgotten },
  synced: row.synced,
  syncFailed: row.sync_failed,
  syncSkipped: row.sync_skipped,
  startedBy: BackfillOrigin.parse(row.started_by),
  leaseOwner: row.lease_owner,
  leaseUntil: row.lease_until,
  lastError: row.last_error,
  startedAt: row.started_at,
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

/** Another backfill of the installation is running: two walks would share one backpressure threshold. */
export class BackfillConflictError extends Error {
  readonly runningId: string | undefined;
  constructor(installationId: string, runningId: string | undefined) {
    super(
      `installation ${installationId} already has a running backfill${runningId ? ` (${runningId})` : ''}: ` +
        'wait for it to finish, or pause or cancel it first',
    );
    this.name = 'BackfillConflictError';
    this.runningId = runningId;
  }
}

export const newBackfillId = (): string => `bf_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';

async function runningIdOf(db: Queryable, installationId: string): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(`SELECT id FROM backfills WHERE installation_id = $1 AND status = 'running'`, [installationId]);
  return row?.id;
}

export interface Lease {
  owner: string;
  seconds: number;
}

/** Creates the backfill, running and leased to `lease.owner`. */
export async function createBackfill(
  db: Queryable,
  input: { installationId: string; params: BackfillParams; startedBy: BackfillOrigin; lease: Lease },
): Promise<Backfill> {
  try {
    const [row] = await db.query<BackfillRow>(
      `INSERT INTO backfills (id, installation_id, params, status, started_by, lease_owner, lease_until)
       VALUES ($1, $2, $3::jsonb, 'running', $4, $5, now() + make_interval(secs => $6::int))
       RETURNING *`,
      [newBackfillId(), input.installationId, JSON.stringify(input.params), input.startedBy, input.lease.owner, input.lease.seconds],
    );
    if (!row) throw new Error(`backfill of ${input.installationId}: insert returned no row`);
    return toBackfill(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new BackfillConflictError(input.installationId, await runningIdOf(db, input.installationId));
    throw error;
  }
}

export async function getBackfill(db: Queryable, id: string): Promise<Backfill | undefined> {
  const [row] = await db.query<BackfillRow>('SELECT * FROM backfills WHERE id = $1', [id]);
  return row ? toBackfill(row) : undefined;
}

/** The installation's backfills, newest first (every installation's when undefined). */
export async function listBackfills(db: Queryable, installationId: string | undefined, limit = 50): Promise<Backfill[]> {
  const rows = await db.query<BackfillRow>(
    `SELECT * FROM backfills WHERE ($1::text IS NULL OR installation_id = $1) ORDER BY started_at DESC, id LIMIT $2`,
    [installationId ?? null, limit],
  );
  return rows.map(toBackfill);
}

/**
 * Takes the backfill over for `lease.owner`: a paused or failed one, or a running one whose
 * lease ran out (its walker is gone). `anyLease`: also one whose lease has not run out yet, for
 * the embedded store, where holding the data directory proves no other process walks it.
 * Undefined when it is not resumable (done, cancelled, walked by a live process, unknown).
 */
export async function claimBackfill(db: Queryable, id: string, lease: Lease, options: { anyLease: boolean }): Promise<Backfill | undefined> {
  try {
    const [row] = await db.query<BackfillRow>(
      `UPDATE backfills SET status = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3::int),
         last_error = NULL, finished_at = NULL, updated_at = now()
       WHERE id = $1 AND (status IN ('paused', 'failed')
         OR (status = 'running' AND ($4::boolean OR lease_owner = $2 OR lease_until IS NULL OR lease_until < now())))
       RETURNING *`,
      [id, lease.owner, lease.seconds, options.anyLease],
    );
    return row ? toBackfill(row) : undefined;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const backfill = await getBackfill(db, id);
    throw new BackfillConflictError(backfill?.installationId ?? '(unknown)', backfill ? await runningIdOf(db, backfill.installationId) : undefined);
  }
}

/** Running backfills nobody walks any more (lease ran out; every running one when `anyLease`). */
export async function interruptedBackfills(db: Queryable, options: { anyLease: boolean }): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM backfills WHERE status = 'running' AND ($1::boolean OR lease_until IS NULL OR lease_until < now()) ORDER BY started_at`,
    [options.anyLease],
  );
  return rows.map((r) => r.id);
}

/** Extends the lease; false when the backfill is no longer running under this owner (paused, cancelled, taken over). */
export async function renewLease(db: Queryable, id: string, lease: Lease): Promise<boolean> {
  const rows = await db.query(
    `UPDATE backfills SET lease_until = now() + make_interval(secs => $3::int)
     WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING id`,
    [id, lease.owner, lease.seconds],
  );
  return rows.length === 1;
}

export interface PageCounts {
  seen: number;
  enqueued: number;
  skippedSynced: number;
  skippedUnbound: number;
  skippedForgotten: number;
}

/**
 * Records a walked page: counters, the next page's cursor (null: this was the last page, the
 * backfill is done) and a fresh lease. Call it first in the page's transaction: it locks the row,
 * so a concurrent cancel waits for the page or wins before it. False when the walker no longer
 * holds the backfill; the caller must then roll back.
 */
export async function checkpointPage(db: Queryable, id: string, lease: Lease, counts: PageCounts, nextCursor: string | null): Promise<boolean> {
  const rows = await db.query(
    `UPDATE backfills SET
       next_cursor = $3, pages_done = pages_done + 1,
       conversations_seen = conversations_seen + $4, conversations_enqueued = conversations_enqueued + $5,
       skipped_synced = skipped_synced + $6, skipped_unbound = skipped_unbound + $7, skipped_forgotten = skipped_forgotten + $8,
       status = CASE WHEN $3::text IS NULL THEN 'done' ELSE status END,
       finished_at = CASE WHEN $3::text IS NULL THEN now() ELSE finished_at END,
       lease_owner = CASE WHEN $3::text IS NULL THEN NULL ELSE lease_owner END,
       lease_until = CASE WHEN $3::text IS NULL THEN NULL ELSE now() + make_interval(secs => $9::int) END,
       updated_at = now()
     WHERE id = $1 AND status = 'running' AND lease_owner = $2
     RETURNING id`,
    [id, lease.owner, nextCursor, counts.seen, counts.enqueued, counts.skippedSynced, counts.skippedUnbound, counts.skippedForgotten, lease.seconds],
  );
  return rows.length === 1;
}

/**
 * The walker stops: `paused` or `failed` (with the reason) end its run; `running` hands the
 * backfill back (lease cleared) for whichever process resumes interrupted backfills next.
 */
export async function releaseBackfill(
  db: Queryable,
  id: string,
  owner: string,
  outcome: { status: 'paused' | 'running' } | { status: 'failed'; error: string },
): Promise<void> {
  await db.query(
    `UPDATE backfills SET status = $3, last_error = $4, lease_owner = NULL, lease_until = NULL, updated_at = now()
     WHERE id = $1 AND status = 'running' AND lease_owner = $2`,
    [id, owner, outcome.status, outcome.status === 'failed' ? outcome.error : null],
  );
}

/** An admin or CLI request to stop the walk; its walker notices at its next page. Returns the backfill as now stored. */
export async function requestBackfillStop(db: Queryable, id: string, status: 'paused' | 'cancelled'): Promise<Backfill | undefined> {
  const from = status === 'paused' ? ['running'] : ['running', 'paused', 'failed'];
  const [row] = await db.query<BackfillRow>(
    `UPDATE backfills SET status = $2, lease_owner = NULL, lease_until = NULL, updated_at = now(),
       finished_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE finished_at END
     WHERE id = $1 AND status = ANY($3::text[]) RETURNING *`,
    [id, status, from],
  );
  return row ? toBackfill(row) : undefined;
}

/** The syncs a page enqueued, to follow until they settle. */
export async function addPending(db: Queryable, backfillId: string, installationId: string, conversationIds: readonly string[]): Promise<void> {
  if (conversationIds.length === 0) return;
  await db.query(
    `INSERT INTO backfill_pending (backfill_id, installation_id, conversation_id)
     SELECT $1, $2, unnest($3::text[])
     ON CONFLICT (backfill_id, conversation_id) DO NOTHING`,
    [backfillId, installationId, [...conversationIds]],
  );
}

/**
 * Moves the installation's settled syncs from pending into their backfill's counters: a sync
 * record that reached synced, failed or skipped after the backfill enqueued it. One statement,
 * so concurrent callers (the walker, a progress poll) never count a sync twice.
 */
export async function settlePending(db: Queryable, installationId: string): Promise<void> {
  await db.query(
    `WITH settled AS (
       DELETE FROM backfill_pending p USING sync_records r
       WHERE p.installation_id = $1 AND r.installation_id = p.installation_id AND r.conversation_id = p.conversation_id
         AND r.status IN ('synced', 'failed', 'skipped') AND r.updated_at >= p.enqueued_at
       RETURNING p.backfill_id, r.status
     ), counts AS (
       SELECT backfill_id,
         count(*) FILTER (WHERE status = 'synced')::int AS synced,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         count(*) FILTER (WHERE status = 'skipped')::int AS skipped
       FROM settled GROUP BY backfill_id
     )
     UPDATE backfills b SET synced = b.synced + c.synced, sync_failed = b.sync_failed + c.failed, sync_skipped = b.sync_skipped + c.skipped
     FROM counts c WHERE b.id = c.backfill_id`,
    [installationId],
  );
}

/** Unsettled syncs of one backfill, or of every backfill of an installation. */
export async function countPending(db: Queryable, scope: { backfillId: string } | { installationId: string }): Promise<number> {
  const [row] =
    'backfillId' in scope
      ? await db.query<{ count: number }>('SELECT count(*)::int AS count FROM backfill_pending WHERE backfill_id = $1', [scope.backfillId])
      : await db.query<{ count: number }>('SELECT count(*)::int AS count FROM backfill_pending WHERE installation_id = $1', [scope.installationId]);
  return row?.count ?? 0;
}

/** Forgetting a conversation removes it from every backfill's pending list. */
export async function deletePendingOf(db: Queryable, installationId: string, conversationId: string): Promise<number> {
  const rows = await db.query('DELETE FROM backfill_pending WHERE installation_id = $1 AND conversation_id = $2 RETURNING backfill_id', [
    installationId,
    conversationId,
  ]);
  return rows.length;
}
