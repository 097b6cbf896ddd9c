/**
 * One account bucket's door to its budget ledger. Calls wait in a FIFO; one reservation at a time
 * asks the ledger for as many permits as calls are waiting (a batch's calls cost one round trip,
 * not one each), lets that many through, and otherwise sleeps until the ledger says a permit
 * frees up. Nothing runs while nobody waits: an idle account has no timer.
 *
 * Why a grant can be trusted: the ledger stamps it and counts it over `windowMs + guard`. The call
 * it admits reaches the CRM a little after the stamp; as long as that delay stays under the
 * guard, no CRM-side window of `windowMs` holds more than `cap` calls. A grant whose round trip
 * alone took over half the guard is therefore not used (its permits stay spent) and the calls
 * ask again.
 */
import type { Logger } from '../log.ts';
import type { BucketLimit, BudgetLedger } from './shared-budget-ledger.ts';
import type { BudgetReservationResult } from '../store/rate-budget.ts';

export interface BudgetGateOptions {
  /** `crm:accountId`. */
  account: string;
  /** The bucket calls are scheduled in (for messages and stats). */
  bucket: string;
  /** Every bucket a call draws on, as the CRM counts them (the bucket itself first). */
  limits: BucketLimit[];
  ledger: BudgetLedger;
  logger: Logger;
  now?: () => number;
}

/** Covers the time from a grant to its call's arrival at the CRM: 5 % of the window, within 100 ms … 1 s. */
export function guardMsFor(windowMs: number): number {
  return Math.min(1_000, Math.max(100, Math.round(windowMs * 0.05)));
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class BudgetGate {
  readonly #options: BudgetGateOptions;
  /** The limits as reserved: each window widened by its guard. */
  readonly #guarded: BucketLimit[];
  /** A grant older than this when it arrives may be unsafe to use. */
  readonly #maxRoundTripMs: number;
  readonly #now: () => number;
  #waiters: Waiter[] = [];
  #pumping = false;
  #closed = false;
  #pausedUntil = 0;
  #sleep: { wake(): void } | undefined;

  constructor(options: BudgetGateOptions) {
    this.#options = options;
    this.#guarded = options.limits.map((limit) => ({ ...limit, windowMs: limit.windowMs + guardMsFor(limit.windowMs) }));
    this.#maxRoundTripMs = Math.min(...options.limits.map((limit) => guardMsFor(limit.windowMs))) / 2;
    this.#now = options.now ?? Date.now;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Until when this process knows the bucket is paused, or null. */
  get pausedUntil(): number | null {
    return this.#pausedUntil > this.#now() ? this.#pausedUntil : null;
  }

  /** Resolves when the call may start. */
  acquire(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const admitted = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    void this.#pump();
    return admitted;
  }

  /** This process learned of a 429: ask nothing until `until` (the ledger's pause tells other processes). */
  pauseUntil(until: number): void {
    if (until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    this.#sleep?.wake(); // re-plans the current wait with the longer pause
  }

  close(): void {
    this.#closed = true;
    this.#sleep?.wake();
    this.#rejectWaiting(this.#closedError());
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      // Calls scheduled in the same tick (a batch's requests) join this first reservation.
      await null;
      while (this.#waiters.length > 0 && !this.#closed) {
        const pauseLeft = this.#pausedUntil - this.#now();
        if (pauseLeft > 0) {
          await this.#sleepFor(pauseLeft);
          continue;
        }
        const grant = await this.#reserve();
        if (!grant) continue;
        if (grant.granted > 0) {
          for (const waiter of this.#waiters.splice(0, grant.granted)) waiter.resolve();
          continue;
        }
        await this.#sleepFor(grant.retryAfterMs + (this.#options.ledger.sharedByProcesses ? jitter(grant.retryAfterMs) : 0));
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** One reservation; undefined when it failed (the waiters are rejected) or came back too late to use. */
  async #reserve(): Promise<BudgetReservationResult | undefined> {
    const { account, bucket, ledger, logger } = this.#options;
    const sentAt = this.#now();
    let grant: BudgetReservationResult;
    try {
      grant = await ledger.reserve({ account, buckets: this.#guarded, wanted: this.#waiters.length });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#rejectWaiting(new Error(`the rate budget of ${account} (${bucket}) cannot be reached: ${reason}`, { cause: error }));
      return undefined;
    }
    const roundTripMs = this.#now() - sentAt;
    if (grant.granted > 0 && roundTripMs > this.#maxRoundTripMs) {
      logger.warn({ account, bucket, roundTripMs, permits: grant.granted }, 'rate budget grant came back too late to use safely; asking again');
      return undefined;
    }
    return grant;
  }

  #sleepFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => wake(), Math.max(1, ms));
      const wake = () => {
        clearTimeout(timer);
        this.#sleep = undefined;
        resolve();
      };
      this.#sleep = { wake };
    });
  }

  #rejectWaiting(error: Error): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) waiter.reject(error);
  }

  #closedError(): Error {
    return new Error(`rate limiter ${this.#options.account} is closed`);
  }
}

/** Up to 10 % (at most 50 ms) more, so processes waiting on one account do not all ask at the same instant. */
function jitter(ms: number): number {
  return Math.floor(Math.random() * Math.min(50, ms / 10));
}
