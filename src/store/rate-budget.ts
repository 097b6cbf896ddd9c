/**
 * The shared CRM rate budget in the store (migration 4): a sliding log of grants per account and
 * bucket, and a pause per account and bucket. `reserve_rate_budget` (a PL/pgSQL function, so a
 * reservation is one round trip) locks the rows of the buckets asked for, so reservations of every
 * process are serialised per account; it checks the pauses, drops grants whose window has passed,
 * and grants up to the smallest `cap − permits still counting`, in every bucket at once.
 *
 * A grant counts from when it was made until a window after its calls ended (`releaseBudget`),
 * because a CRM counts a call when it arrives, somewhere between its start and its end. A grant
 * never released (its process died) stops running after `holdMs`. Times are the database's
 * clock, the one clock all processes share.
 */
import type { Queryable } from './store.ts';

export interface BudgetReservation {
  /** `crm:accountId`. */
  account: string;
  /** Every bucket the calls draw on; granted only when all have room. */
  buckets: ReadonlyArray<{ bucket: string; cap: number; windowMs: number }>;
  /** Permits asked for (one per CRM call about to start). */
  wanted: number;
  /** The longest a call may run: an unreleased grant counts as running until then. */
  holdMs: number;
}

export type BudgetReservationResult =
  | { granted: number; grantId: string; retryAfterMs: 0 }
  /** Nothing granted: ask again after `retryAfterMs` (a permit leaves a window, or the pause ends). */
  | { granted: 0; grantId: null; retryAfterMs: number };

export async function reserveBudget(db: Queryable, request: BudgetReservation): Promise<BudgetReservationResult> {
  const [row] = await db.query<{ granted: number; retry_after_ms: number; grant_id: string | null }>(
    'SELECT granted, retry_after_ms, grant_id::text FROM reserve_rate_budget($1, $2::text[], $3::int[], $4::int[], $5::int, $6::int)',
    [
      request.account,
      request.buckets.map((b) => b.bucket),
      request.buckets.map((b) => b.cap),
      request.buckets.map((b) => Math.ceil(b.windowMs)),
      request.wanted,
      Math.ceil(request.holdMs),
    ],
  );
  if (!row) throw new Error(`rate budget of ${request.account}: the reservation returned no row`);
  return row.grant_id === null ? { granted: 0, grantId: null, retryAfterMs: row.retry_after_ms } : { granted: row.granted, grantId: row.grant_id, retryAfterMs: 0 };
}

/** The grant's calls have all ended: it counts for one more window from now. */
export async function releaseBudget(db: Queryable, grantId: string): Promise<void> {
  await db.query('UPDATE rate_budget_grants SET ends_at = clock_timestamp(), released = true WHERE grant_id = $1::bigint', [grantId]);
}

/** Every process stops granting permits of these buckets until `pauseMs` from now (a longer pause already set is kept). */
export async function pauseBudget(db: Queryable, account: string, buckets: readonly string[], pauseMs: number): Promise<void> {
  await db.query(
    `INSERT INTO rate_budget_accounts (account_key, bucket, paused_until)
     SELECT $1, bucket, clock_timestamp() + make_interval(secs => $3::double precision / 1000)
     FROM unnest($2::text[]) AS bucket
     ON CONFLICT (account_key, bucket) DO UPDATE
       SET paused_until = GREATEST(rate_budget_accounts.paused_until, EXCLUDED.paused_until)`,
    [account, [...buckets], Math.max(0, pauseMs)],
  );
}

/**
 * Deletes grants that ended more than `olderThanMs` ago. Each reservation already drops its own
 * account's expired grants; this clears accounts that stopped calling (uninstalled, idle).
 */
export async function purgeBudgetGrants(db: Queryable, olderThanMs: number): Promise<number> {
  const [row] = await db.query<{ deleted: number }>(
    `WITH gone AS (
       DELETE FROM rate_budget_grants WHERE ends_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
       RETURNING 1)
     SELECT count(*)::int AS deleted FROM gone`,
    [olderThanMs],
  );
  return row?.deleted ?? 0;
}
