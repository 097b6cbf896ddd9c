/**
 * One account bucket's door to its budget ledger. Calls wait in a FIFO; one reservation at a time
 * asks the ledger for as many permits as calls are waiting (a batch's calls cost one round trip,
 * not one each), lets that many through, and otherwise sleeps until the ledger says a permit
 * frees up. When the last call of a grant ends, the grant is released: it keeps counting for one
 * more window from then. Nothing runs while nobody waits: an idle account has no timer.
 */
import type { Logger } from '../log.ts';
import type { BudgetReservationResult } from '../store/rate-budget.ts';
import type { BucketLimit, BudgetLedger } from './shared-budget-ledger.ts';

/**
 * A call still running after this long is counted as if it had ended then: a grant whose process
 * died is never released, and must not hold the budget for ever. Longer than any CRM request
 * timeout the adapters use.
 */
export const MAX_CALL_MS = 120_000;

export interface BudgetGateOptions {
  /** `crm:accountId`. */
  account: string;
  /** The bucket calls are scheduled in (for messages and stats). */
  bucket: string;
  /** Every bucket a call draws on, as the CRM counts them. */
  limits: BucketLimit[];
  ledger: BudgetLedger;
  logger: Logger;
  now?: () => number;
}

/** Called once the admitted call has ended, however it ended. */
export type ReleaseCall = () => void;

interface Waiter {
  resolve(release: ReleaseCall): void;
  reject(error: Error): void;
}

export class BudgetGate {
  readonly #options: BudgetGateOptions;
  readonly #now: () => number;
  #waiters: Waiter[] = [];
  #pumping = false;
  #closed = false;
  #pausedUntil = 0;
  #sleep: { wake(): void } | undefined;

  constructor(options: BudgetGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Until when this process knows the bucket is paused, or null. */
  get pausedUntil(): number | null {
    return this.#pausedUntil > this.#now() ? this.#pausedUntil : null;
  }

  /** Resolves when the call may start, with what to call when it has ended. */
  acquire(): Promise<ReleaseCall> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const admitted = new Promise<ReleaseCall>((resolve, reject) => this.#waiters.push({ resolve, reject }));
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
        if (grant.grantId === null) {
          await this.#sleepFor(grant.retryAfterMs + (this.#options.ledger.sharedByProcesses ? jitter(grant.retryAfterMs) : 0));
          continue;
        }
        // Fewer waiters than permits only if the gate closed meanwhile: the grant then ends with the last call handed out, or now.
        const admitted = this.#waiters.splice(0, grant.granted);
        const releaseFor = this.#releaser(grant.grantId, admitted.length);
        if (admitted.length === 0) releaseFor()();
        for (const waiter of admitted) waiter.resolve(releaseFor());
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** One reservation; undefined when it failed (the waiters are rejected). */
  async #reserve(): Promise<BudgetReservationResult | undefined> {
    const { account, bucket, ledger, limits } = this.#options;
    try {
      return await ledger.reserve({ account, buckets: limits, wanted: this.#waiters.length, holdMs: MAX_CALL_MS });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#rejectWaiting(new Error(`the rate budget of ${account} (${bucket}) cannot be reached: ${reason}`, { cause: error }));
      return undefined;
    }
  }

  /** Hands out one release per admitted call; the grant is released when the last of them is called. */
  #releaser(grantId: string, calls: number): () => ReleaseCall {
    let running = Math.max(1, calls);
    const { ledger, logger, account } = this.#options;
    return () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--running > 0) return;
        // Unreleased, the grant still stops counting after MAX_CALL_MS: a failed write only holds the budget longer.
        ledger.release(grantId).catch((error: unknown) => logger.warn({ err: error, account }, 'could not release a rate-budget grant'));
      };
    };
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
