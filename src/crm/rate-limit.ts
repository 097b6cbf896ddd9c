/**
 * Per-CRM-account rate limiting: every call to one HubSpot portal (or Salesforce org) draws on one
 * budget per bucket, however many jobs (and, with a shared ledger, processes) run at once.
 *
 * Adapters only see the small `RateLimiterRegistry` / `AccountLimiter` interfaces. Behind them,
 * each bucket has a p-queue (its `concurrency`, queued/in-flight counts) and a BudgetGate that
 * admits calls against a ledger: `AccountRateLimiter` keeps the ledger in the process (the
 * embedded store allows one process), `SharedBudgetLimiters` (shared-budget.ts) keeps it in
 * Postgres for several worker processes. Both count every call and every "too many requests".
 *
 * `default` is the account's overall budget: a call in another bucket (HubSpot's search) takes a
 * permit from that bucket and from `default` at once, as the CRM counts it in both. A permit
 * counts from the call's start until a window after its end (see shared-budget-ledger.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import PQueue from 'p-queue';
import { z } from 'zod';
import type { CrmName } from './write-plan.ts';
import { log as rootLog, type Logger } from '../log.ts';
import { crmRateLimited, crmRequests } from '../observability/metrics.ts';
import { describeIssues } from '../zod-issues.ts';
import { BudgetGate } from './shared-budget-gate.ts';
import { MemoryBudgetLedger, type BucketLimit, type BudgetLedger } from './shared-budget-ledger.ts';

/** The bucket every call of an account also draws on. */
export const OVERALL_BUCKET = 'default';

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

/**
 * Buckets the operator configured for every account of a CRM (HUBSPOT_REQUESTS_PER_10_SECONDS):
 * they replace the adapter's built-in bucket of the same name.
 */
export type BudgetOverrides = Partial<Record<CrmName, RateBudgets>>;

export interface RateLimiterOptions {
  overrides?: BudgetOverrides;
  logger?: Logger;
}

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

/** The account's budgets, validated, with the operator's overrides applied. */
function accountBudgets(crm: CrmName, accountId: string, budgets: RateBudgets, overrides: BudgetOverrides = {}): RateBudgets {
  const parsed = RateBudgets.safeParse({ ...budgets, ...overrides[crm] });
  if (!parsed.success) {
    throw new Error(`rate budgets for ${crm}:${accountId} are not valid: ${describeIssues(parsed.error).join('; ')}`);
  }
  return parsed.data;
}

/** Runs one CRM call and counts it by how it ended. */
async function countedCall<T>(crm: CrmName, accountId: string, task: () => Promise<T>): Promise<T> {
  try {
    const result = await task();
    crmRequests.inc({ crm, account: accountId, status: statusOf(result) ?? 'ok' });
    return result;
  } catch (error) {
    crmRequests.inc({ crm, account: accountId, status: statusOf(error) ?? 'error' });
    throw error;
  }
}

/** The HTTP status an adapter's raw answer or error carries (`status` / `statusCode`), if any. */
function statusOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, statusCode } = value as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 100 && code < 600 ? String(code) : undefined;
}

interface Bucket {
  queue: PQueue;
  gate: BudgetGate;
  /** The buckets one admitted call has drawn on. */
  draws: ReadonlySet<string>;
}

/**
 * The call being run, so a call scheduled from inside it on the same account and a bucket it has
 * already drawn on (an adapter nesting `default` inside `search`) runs at once: charging it again
 * would double-count it, and with a concurrency limit it could wait on itself forever.
 */
const admittedCall = new AsyncLocalStorage<{ account: string; draws: ReadonlySet<string> }>();

interface LimiterContext {
  ledger: BudgetLedger;
  logger: Logger;
}

class GatedAccountLimiter implements AccountLimiter {
  readonly account: string;
  readonly #crm: CrmName;
  readonly #accountId: string;
  readonly #context: LimiterContext;
  readonly #buckets = new Map<string, Bucket>();
  #rateLimited = 0;

  constructor(crm: CrmName, accountId: string, budgets: RateBudgets, context: LimiterContext) {
    this.account = `${crm}:${accountId}`;
    this.#crm = crm;
    this.#accountId = accountId;
    this.#context = context;
    const limitOf = (bucket: string, budget: RateBucket): BucketLimit => ({ bucket, cap: budget.intervalCap, windowMs: budget.intervalMs });
    const overall = budgets[OVERALL_BUCKET];
    for (const [bucket, budget] of Object.entries(budgets)) {
      const limits = [limitOf(bucket, budget)];
      if (bucket !== OVERALL_BUCKET && overall) limits.push(limitOf(OVERALL_BUCKET, overall));
      this.#buckets.set(bucket, {
        queue: new PQueue(budget.concurrency ? { concurrency: budget.concurrency } : {}),
        gate: new BudgetGate({ account: this.account, bucket, limits, ledger: context.ledger, logger: context.logger }),
        draws: new Set(limits.map((limit) => limit.bucket)),
      });
    }
  }

  schedule<T>(bucket: string, task: () => Promise<T>): Promise<T> {
    const { queue, gate, draws } = this.#bucket(bucket);
    const enclosing = admittedCall.getStore();
    if (enclosing?.account === this.account && enclosing.draws.has(bucket)) return task();
    return queue.add(async () => {
      const release = await gate.acquire();
      try {
        return await admittedCall.run({ account: this.account, draws }, () => countedCall(this.#crm, this.#accountId, task));
      } finally {
        release();
      }
    });
  }

  pauseAfterRateLimit(pauseMs: number, bucket?: string): void {
    this.#rateLimited += 1;
    crmRateLimited.inc({ crm: this.#crm, account: this.#accountId });
    if (bucket !== undefined) this.#bucket(bucket); // an unknown bucket throws
    const paused = bucket === undefined ? [...this.#buckets.keys()] : [bucket];
    const until = Date.now() + Math.max(0, pauseMs);
    // A pause of the overall budget stops every bucket's calls, since they all draw on it.
    for (const [name, { gate }] of this.#buckets) {
      if (paused.includes(name) || paused.includes(OVERALL_BUCKET)) gate.pauseUntil(until);
    }
    // Other processes learn of it at their next reservation; a failed write only costs them a 429 of their own.
    this.#context.ledger.pause(this.account, paused, pauseMs).catch((error: unknown) =>
      this.#context.logger.warn({ err: error, account: this.account }, 'could not record the rate-limit pause for other processes'),
    );
  }

  stats(): AccountLimiterStats {
    const buckets = [...this.#buckets.entries()].map(([bucket, { queue, gate }]) => ({
      bucket,
      // Calls waiting for a permit already hold a queue slot: they are queued, not in flight.
      queued: queue.size + gate.waiting,
      inFlight: queue.pending - gate.waiting,
      pausedUntil: gate.pausedUntil,
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
    for (const { queue, gate } of this.#buckets.values()) {
      queue.clear();
      gate.close();
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

/** One limiter per `crm:accountId` in this process, all admitting calls against one ledger. */
export class LedgerRateLimiters implements RateLimiterRegistry {
  readonly #limiters = new Map<string, GatedAccountLimiter>();
  readonly #context: LimiterContext;
  readonly #overrides: BudgetOverrides;

  constructor(ledger: BudgetLedger, options: RateLimiterOptions = {}) {
    this.#context = { ledger, logger: options.logger ?? rootLog };
    this.#overrides = options.overrides ?? {};
  }

  forAccount(crm: CrmName, accountId: string, budgets: RateBudgets): AccountLimiter {
    const account = `${crm}:${accountId}`;
    let limiter = this.#limiters.get(account);
    if (!limiter) {
      limiter = new GatedAccountLimiter(crm, accountId, accountBudgets(crm, accountId, budgets, this.#overrides), this.#context);
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

/** The in-process registry: the budget is kept in this process's memory. */
export class AccountRateLimiter extends LedgerRateLimiters {
  constructor(options: RateLimiterOptions = {}) {
    super(new MemoryBudgetLedger(), options);
  }
}

/** The process-wide registry adapters use unless given another. */
export const accountRateLimiter = new AccountRateLimiter();
