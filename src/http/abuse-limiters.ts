/**
 * The abuse limiters (rate-limiter-flexible): per client address on the routes anyone can call
 * without signing in (install, OAuth callback, sign-in page), per installation on the webhook route.
 *
 * Where the counters live follows the store. With DATABASE_URL several `serve` processes share the
 * traffic, so a per-process counter would multiply every limit by the number of processes: the
 * counters are rows of `abuse_rate_limits` (migration 7), one atomic upsert per request through the
 * store's pool. A key over its limit is then blocked in this process's memory until its window
 * ends (`inMemoryBlockOnConsumed`), so a flood past the limit costs no queries; and if Postgres
 * fails, an in-memory limiter (`insuranceLimiter`) keeps limiting instead of letting everything
 * through. The embedded store is opened by one process only (its data-directory lock), which
 * therefore sees every request: its counters are in memory, with no database work at all.
 */
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AbuseLimits } from '../config.ts';
import type { Store } from '../store/store.ts';

/** Migration 7's table, shared by every limiter (keys are prefixed with the limiter's name). */
const TABLE = 'abuse_rate_limits';

export interface AbuseLimiters {
  /** Keyed by client address (src/http/client-address.ts). */
  signIn: RateLimiterAbstract;
  /** Keyed by installation id. */
  webhooks: RateLimiterAbstract;
}

export function openAbuseLimiters(store: Store, limits: AbuseLimits): AbuseLimiters {
  return {
    signIn: limiterOn(store, { keyPrefix: 'sign-in', points: limits.signInPer10Minutes, duration: 10 * 60 }),
    webhooks: limiterOn(store, { keyPrefix: 'webhook', points: limits.webhooksPerMinute, duration: 60 }),
  };
}

function limiterOn(store: Store, window: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract {
  const memory = new RateLimiterMemory(window);
  if (store.kind === 'embedded') return memory;
  return new RateLimiterPostgres({
    ...window,
    storeClient: pgClientOf(store),
    // 'pool': the library calls query() on the client itself, no connection checkout.
    storeType: 'pool',
    tableName: TABLE,
    tableCreated: true,
    inMemoryBlockOnConsumed: window.points,
    insuranceLimiter: memory,
  });
}

/** The store's pool in the shape RateLimiterPostgres calls: `query({ text, values })` → `{ rows, rowCount }`. */
function pgClientOf(store: Store) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const rows = await store.query(q.text, q.values ?? []);
      return { rows, rowCount: rows.length };
    },
  };
}
