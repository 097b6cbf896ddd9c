/**
 * Rate limiters whose budget lives in the store, so it holds across every worker process on one
 * Postgres: each call is admitted only with a permit reserved in the `rate_budget_grants` sliding
 * log, and a 429 pauses the account in `rate_budget_accounts` for every process. Everything else
 * (per-process concurrency, queued/in-flight counts, metrics) is the in-process limiter's.
 */
import type { Queryable } from '../store/store.ts';
import { LedgerRateLimiters, type RateLimiterOptions } from './rate-limit.ts';
import { storeBudgetLedger } from './shared-budget-ledger.ts';

export class SharedBudgetLimiters extends LedgerRateLimiters {
  /** `db`: the store, or a pool of its own on the same Postgres (shared-budget-setup.ts). */
  constructor(db: Queryable, options: RateLimiterOptions = {}) {
    super(storeBudgetLedger(db), options);
  }
}
