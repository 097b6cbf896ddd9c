/**
 * Where an account's rate budget is kept: a sliding log of grants per account and bucket, and a
 * pause per account and bucket. Two ledgers, one algorithm:
 * - `MemoryBudgetLedger`: in this process (the embedded store allows one process);
 * - `storeBudgetLedger`: in Postgres (`reserve_rate_budget`, migration 4), shared by every worker
 *   process, with the database clock as the one clock they all read.
 *
 * A reservation names every bucket the call draws on and is granted only when all of them have
 * room, so a HubSpot search call takes its permit from the search budget and from the portal's
 * overall 10-second budget at the same instant. A grant counts from when it was made until a
 * window after its calls ended: whenever between start and end the CRM counted a call, any window
 * the CRM sees it in is one the ledger counted it in too, whatever the network's delays.
 */
import { pauseBudget, releaseBudget, reserveBudget, type BudgetReservation, type BudgetReservationResult } from '../store/rate-budget.ts';
import type { Queryable } from '../store/store.ts';

/** One bucket a call draws on: at most `cap` permits within any `windowMs`. */
export type BucketLimit = BudgetReservation['buckets'][number];

export interface BudgetLedger {
  /** Other processes reserve from it too (their waits are spread a little so they do not ask at once). */
  readonly sharedByProcesses: boolean;
  reserve(request: BudgetReservation): Promise<BudgetReservationResult>;
  /** Every call of the grant has ended. */
  release(grantId: string): Promise<void>;
  /** Nothing is granted in these buckets until `pauseMs` from now (a longer pause already set is kept). */
  pause(account: string, buckets: readonly string[], pauseMs: number): Promise<void>;
}

export function storeBudgetLedger(db: Queryable): BudgetLedger {
  return {
    sharedByProcesses: true,
    reserve: (request) => reserveBudget(db, request),
    release: (grantId) => releaseBudget(db, grantId),
    pause: (account, buckets, pauseMs) => pauseBudget(db, account, buckets, pauseMs),
  };
}

interface Grant {
  id: string;
  permits: number;
  /** The calls' end once released, else the longest they may run. */
  endsAt: number;
  released: boolean;
}

interface BucketLog {
  grants: Grant[];
  pausedUntil: number;
}

/** The same bookkeeping as `reserve_rate_budget`, for one process. */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly sharedByProcesses = false;
  readonly #logs = new Map<string, BucketLog>();
  /** Grant id → the grants (one per bucket) it holds. */
  readonly #open = new Map<string, Grant[]>();
  readonly #now: () => number;
  #nextId = 1;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async reserve(request: BudgetReservation): Promise<BudgetReservationResult> {
    const now = this.#now();
    const logs = request.buckets.map((limit) => ({ limit, log: this.#log(request.account, limit.bucket) }));
    const pausedUntil = Math.max(...logs.map(({ log }) => log.pausedUntil));
    if (pausedUntil > now) return { granted: 0, grantId: null, retryAfterMs: pausedUntil - now };
    let granted = request.wanted;
    let retryAfterMs = 0;
    for (const { limit, log } of logs) {
      log.grants = log.grants.filter((g) => g.endsAt > now - limit.windowMs);
      const used = log.grants.reduce((n, g) => n + g.permits, 0);
      if (used >= limit.cap) {
        granted = 0;
        // A released grant frees a window after its end; one still running, not before a window from now.
        const firstEnd = Math.min(...log.grants.filter((g) => g.released).map((g) => g.endsAt));
        retryAfterMs = Math.max(retryAfterMs, Math.min(limit.windowMs, firstEnd + limit.windowMs - now));
      } else {
        granted = Math.min(granted, limit.cap - used);
      }
    }
    if (granted === 0) return { granted: 0, grantId: null, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };
    const id = String(this.#nextId++);
    const held = logs.map(({ log }) => {
      const grant: Grant = { id, permits: granted, endsAt: now + request.holdMs, released: false };
      log.grants.push(grant);
      return grant;
    });
    this.#open.set(id, held);
    return { granted, grantId: id, retryAfterMs: 0 };
  }

  async release(grantId: string): Promise<void> {
    const now = this.#now();
    for (const grant of this.#open.get(grantId) ?? []) {
      grant.endsAt = now;
      grant.released = true;
    }
    this.#open.delete(grantId);
  }

  async pause(account: string, buckets: readonly string[], pauseMs: number): Promise<void> {
    const until = this.#now() + Math.max(0, pauseMs);
    for (const bucket of buckets) {
      const log = this.#log(account, bucket);
      log.pausedUntil = Math.max(log.pausedUntil, until);
    }
  }

  #log(account: string, bucket: string): BucketLog {
    const key = `${account}\n${bucket}`;
    let log = this.#logs.get(key);
    if (!log) {
      log = { grants: [], pausedUntil: 0 };
      this.#logs.set(key, log);
    }
    return log;
  }
}
