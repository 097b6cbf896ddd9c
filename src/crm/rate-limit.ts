/**
 * Per-CRM-account rate limiting: one p-queue per account and budget bucket, so every call to
 * one HubSpot portal (or Salesforce org) shares one budget however many jobs run at once.
 *
 * Adapters only see the small `RateLimiterRegistry` / `AccountLimiter` interfaces: a later
 * implementation that shares the budget across worker processes (Postgres) replaces
 * `AccountRateLimiter` without touching the adapters.
 */
import PQueue from 'p-queue';
import { z } from 'zod';
import type { CrmName } from './write-plan.ts';
import { describeIssues } from '../zod-issues.ts';

/** One budget: at most `intervalCap` calls started in any rolling `intervalMs` window. */
export const RateBucket = z.object({
  intervalCap: z.number().int().positive(),
  intervalMs: z.number().int().positive(),
  /** Calls in flight at once; unlimited when absent (the window is what the CRM enforces). */
  concurrency: z.number().int().positive().optional(),
});
export type RateBucket = z.infer<typeof RateBucket>;

/** Named buckets of one account (`default`, `search`, ...). */
export const RateBudgets = z.record(z.string().min(1), RateBucket);
export type RateBudgets = z.infer<typeof RateBudgets>;

export interface BucketStats {
  bucket: string;
  /** Calls waiting to start. */
  queued: number;
  /** Calls started and not finished. */
  inFlight: number;
  /** Epoch ms until which this bucket starts nothing, or null when running. */
  pausedUntil: number | null;
}

export interface AccountLimiterStats {
  /** `crm:accountId`. */
  account: string;
  queued: number;
  inFlight: number;
  /** The latest pause end over all buckets, or null when none is paused. */
  pausedUntil: number | null;
  /** 429 / REQUEST_LIMIT_EXCEEDED answers received for this account. */
  rateLimited: number;
  buckets: BucketStats[];
}

export interface AccountLimiter {
  readonly account: string;
  /** Runs `task` when the bucket's budget allows; resolves/rejects with the task's outcome. */
  schedule<T>(bucket: string, task: () => Promise<T>): Promise<T>;
  /**
   * The CRM answered "too many requests": counts it and starts nothing in `bucket` (all buckets
   * when absent) for `pauseMs`. An already longer pause is kept.
   */
  pauseAfterRateLimit(pauseMs: number, bucket?: string): void;
  stats(): AccountLimiterStats;
}

export interface RateLimiterRegistry {
  /**
   * The limiter of one account, created on first use with `budgets`; later calls for the same
   * account get the same limiter (its budgets are fixed for the process's lifetime).
   */
  forAccount(crm: CrmName, accountId: string, budgets: RateBudgets): AccountLimiter;
  stats(): AccountLimiterStats[];
  /** Stops pause timers and drops waiting calls (shutdown, tests). */
  close(): void;
}

interface Bucket {
  queue: PQueue;
  pausedUntil: number | null;
  resumeTimer: NodeJS.Timeout | undefined;
}

class QueueAccountLimiter implements AccountLimiter {
  readonly account: string;
  readonly #buckets = new Map<string, Bucket>();
  #rateLimited = 0;

  constructor(account: string, budgets: RateBudgets) {
    this.account = account;
    for (const [name, budget] of Object.entries(budgets)) {
      const queue = new PQueue({
        intervalCap: budget.intervalCap,
        interval: budget.intervalMs,
        // strict = sliding window: HubSpot's TEN_SECONDLY_ROLLING limit is a rolling window too.
        strict: true,
        ...(budget.concurrency ? { concurrency: budget.concurrency } : {}),
      });
      this.#buckets.set(name, { queue, pausedUntil: null, resumeTimer: undefined });
    }
  }

  schedule<T>(bucket: string, task: () => Promise<T>): Promise<T> {
    return this.#bucket(bucket).queue.add(task);
  }

  pauseAfterRateLimit(pauseMs: number, bucket?: string): void {
    this.#rateLimited += 1;
    const targets = bucket === undefined ? [...this.#buckets.values()] : [this.#bucket(bucket)];
    const until = Date.now() + Math.max(0, pauseMs);
    for (const target of targets) {
      if (target.pausedUntil !== null && target.pausedUntil >= until) continue;
      clearTimeout(target.resumeTimer);
      target.pausedUntil = until;
      target.queue.pause();
      target.resumeTimer = setTimeout(() => {
        target.pausedUntil = null;
        target.resumeTimer = undefined;
        target.queue.start();
      }, until - Date.now());
    }
  }

  stats(): AccountLimiterStats {
    const buckets = [...this.#buckets.entries()].map(([bucket, b]) => ({
      bucket,
      queued: b.queue.size,
      inFlight: b.queue.pending,
      pausedUntil: b.pausedUntil,
    }));
    const pauses = buckets.map((b) => b.pausedUntil).filter((p): p is number => p !== null);
    return {
      account: this.account,
      queued: buckets.reduce((n, b) => n + b.queued, 0),
      inFlight: buckets.reduce((n, b) => n + b.inFlight, 0),
      pausedUntil: pauses.length > 0 ? Math.max(...pauses) : null,
      rateLimited: this.#rateLimited,
      buckets,
    };
  }

  close(): void {
    for (const b of this.#buckets.values()) {
      clearTimeout(b.resumeTimer);
      b.queue.clear();
    }
  }

  #bucket(name: string): Bucket {
    const bucket = this.#buckets.get(name);
    if (!bucket) {
      throw new Error(`rate limiter ${this.account} has no bucket "${name}" (known: ${[...this.#buckets.keys()].join(', ')})`);
    }
    return bucket;
  }
}

/** The in-process registry: one limiter per `crm:accountId`. */
export class AccountRateLimiter implements RateLimiterRegistry {
  readonly #limiters = new Map<string, QueueAccountLimiter>();

  forAccount(crm: CrmName, accountId: string, budgets: RateBudgets): AccountLimiter {
    const account = `${crm}:${accountId}`;
    let limiter = this.#limiters.get(account);
    if (!limiter) {
      const parsed = RateBudgets.safeParse(budgets);
      if (!parsed.success) {
        throw new Error(`rate budgets for ${account} are not valid: ${describeIssues(parsed.error).join('; ')}`);
      }
      limiter = new QueueAccountLimiter(account, parsed.data);
      this.#limiters.set(account, limiter);
    }
    return limiter;
  }

  stats(): AccountLimiterStats[] {
    return [...this.#limiters.values()].map((l) => l.stats());
  }

  close(): void {
    for (const limiter of this.#limiters.values()) limiter.close();
    this.#limiters.clear();
  }
}

/** The process-wide registry adapters use unless given another. */
export const accountRateLimiter = new AccountRateLimiter();
