/**
 * The shared rate budget on a real store (PGlite always, Postgres with TEST_DATABASE_URL): several
 * limiter registries stand for several worker processes (on Postgres each has its own pool, so
 * reservations really race). What a CRM would see — the start times of the calls — never holds
 * more than the cap in any rolling window, and a 429 seen by one process pauses the others.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { budgetOverrides, openRateLimiters } from '../../src/crm/shared-budget-setup.ts';
import { SharedBudgetLimiters } from '../../src/crm/shared-budget.ts';
import { createLogger } from '../../src/log.ts';
import { migrate } from '../../src/store/migrations.ts';
import type { Queryable, Store } from '../../src/store/store.ts';
import { openStore } from '../../src/store/store.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';

const logger = createLogger({ level: 'silent' });

/** The most events in any rolling window of `windowMs` (an event leaves the window `windowMs` after it happened). */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[first]! <= sorted[last]! - windowMs) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

describe.each(storeBackends())('shared rate budget on $name', (backend) => {
  let environment: StoreEnvironment;
  let store: Store;
  const pools: pg.Pool[] = [];
  const registries: SharedBudgetLimiters[] = [];

  /** One worker process's view of the budget: its own connection pool on Postgres, the one PGlite connection otherwise. */
  const processRegistry = (db?: Queryable) => {
    let queryable: Queryable = db ?? store;
    if (!db && environment.env.DATABASE_URL) {
      const pool = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 2 });
      pools.push(pool);
      queryable = { query: async (sql, params = []) => (await pool.query(sql, [...params])).rows };
    }
    const registry = new SharedBudgetLimiters(queryable, { logger });
    registries.push(registry);
    return registry;
  };

  beforeAll(async () => {
    environment = await backend.create();
    store = await openStore({ databaseUrl: environment.env.DATABASE_URL, dataDir: environment.dataDir }, logger);
    await migrate(store);
  });
  afterEach(async () => {
    for (const registry of registries.splice(0)) registry.close();
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await store?.close();
    await environment?.dispose();
  });

  it('never lets more than the cap start in any window, however many processes call one account', async () => {
    const budgets = { default: { intervalCap: 4, intervalMs: 400 } };
    const processes = [processRegistry(), processRegistry(), processRegistry()];
    const started: Array<{ process: number; at: number }> = [];
    const calls = processes.flatMap((registry, process) =>
      Array.from({ length: 8 }, () =>
        registry.forAccount('hubspot', '777', budgets).schedule('default', async () => {
          started.push({ process, at: Date.now() });
        }),
      ),
    );
    await Promise.all(calls);

    expect(started).toHaveLength(24);
    expect(new Set(started.map((s) => s.process))).toEqual(new Set([0, 1, 2]));
    expect(busiestWindow(started.map((s) => s.at), 400)).toBeLessThanOrEqual(4);
    // Another account has a budget of its own.
    const other = processes[0]!.forAccount('hubspot', '778', budgets);
    const otherStarts: number[] = [];
    await Promise.all(Array.from({ length: 4 }, () => other.schedule('default', async () => void otherStarts.push(Date.now()))));
    expect(otherStarts).toHaveLength(4);
  });

  it('counts a search call in the search budget and the overall budget at once', async () => {
    const budgets = { default: { intervalCap: 4, intervalMs: 400 }, search: { intervalCap: 2, intervalMs: 400 } };
    const searching = processRegistry().forAccount('hubspot', '888', budgets);
    const writing = processRegistry().forAccount('hubspot', '888', budgets);
    const starts: Array<{ bucket: string; at: number }> = [];
    const call = (limiter: typeof searching, bucket: string) => limiter.schedule(bucket, async () => void starts.push({ bucket, at: Date.now() }));
    await Promise.all([
      ...Array.from({ length: 6 }, () => call(searching, 'search')),
      ...Array.from({ length: 6 }, () => call(writing, 'default')),
    ]);

    expect(starts).toHaveLength(12);
    expect(busiestWindow(starts.map((s) => s.at), 400)).toBeLessThanOrEqual(4);
    expect(busiestWindow(starts.filter((s) => s.bucket === 'search').map((s) => s.at), 400)).toBeLessThanOrEqual(2);
  });

  it("counts a call until a window after it ended, for every process's calls", async () => {
    const budgets = { default: { intervalCap: 1, intervalMs: 400 } };
    const first = processRegistry().forAccount('hubspot', '666', budgets);
    const second = processRegistry().forAccount('hubspot', '666', budgets);
    let endedAt = 0;
    let secondStartedAt = 0;
    // The slow call's request may reach the CRM at any moment of its 500 ms.
    const slow = first.schedule('default', async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      endedAt = Date.now();
    });
    await vi.waitFor(() => expect(first.stats().inFlight).toBe(1));
    await second.schedule('default', async () => void (secondStartedAt = Date.now()));
    await slow;
    // Millisecond clocks: one tick of rounding either way.
    expect(secondStartedAt - endedAt).toBeGreaterThanOrEqual(399);
  });

  it('asks the store once for calls scheduled together', async () => {
    let reservations = 0;
    const counting: Queryable = {
      query: (sql, params) => {
        if (sql.includes('reserve_rate_budget')) reservations++;
        return store.query(sql, params);
      },
    };
    const limiter = processRegistry(counting).forAccount('hubspot', '900', { default: { intervalCap: 100, intervalMs: 10_000 } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.schedule('default', async () => i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reservations).toBe(1);
    const [used] = await store.query<{ permits: number }>(
      `SELECT sum(permits)::int AS permits FROM rate_budget_grants WHERE account_key = 'hubspot:900'`,
    );
    expect(used?.permits).toBe(10);
  });

  it('pauses every process when one of them is told "too many requests"', async () => {
    const budgets = { default: { intervalCap: 100, intervalMs: 10_000 }, search: { intervalCap: 4, intervalMs: 1_000 } };
    const first = processRegistry().forAccount('hubspot', '555', budgets);
    const second = processRegistry().forAccount('hubspot', '555', budgets);
    first.pauseAfterRateLimit(700);
    expect(first.stats()).toMatchObject({ rateLimited: 1, pausedUntil: expect.any(Number) });
    // The pause is written without blocking the caller; the second process sees it once it is there.
    const pausedUntil = await vi.waitFor(async () => {
      const rows = await store.query<{ bucket: string; paused_until: Date }>(
        `SELECT bucket, paused_until FROM rate_budget_accounts WHERE account_key = 'hubspot:555' AND paused_until IS NOT NULL ORDER BY bucket`,
      );
      expect(rows.map((r) => r.bucket)).toEqual(['default', 'search']);
      return rows[0]!.paused_until.getTime();
    });

    let startedAt = 0;
    await second.schedule('default', async () => void (startedAt = Date.now()));
    expect(startedAt).toBeGreaterThanOrEqual(pausedUntil);
  });

  it('fails the waiting calls with a clear message when the budget cannot be reached', async () => {
    const unreachable: Queryable = { query: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) };
    const limiter = processRegistry(unreachable).forAccount('hubspot', '1', { default: { intervalCap: 10, intervalMs: 1_000 } });
    await expect(limiter.schedule('default', async () => 'never')).rejects.toThrow(
      'the rate budget of hubspot:1 (default) cannot be reached: connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(limiter.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('rejects bad budgets and unknown buckets, and calls still waiting when closed', async () => {
    const registry = processRegistry();
    expect(() => registry.forAccount('hubspot', '2', { default: { intervalCap: 0, intervalMs: 1_000 } })).toThrow(
      /rate budgets for hubspot:2 are not valid: default\.intervalCap: /,
    );
    const limiter = registry.forAccount('hubspot', '3', { default: { intervalCap: 1, intervalMs: 60_000 } });
    expect(() => limiter.schedule('search', async () => 1)).toThrow('rate limiter hubspot:3 has no bucket "search" (known: default)');
    await limiter.schedule('default', async () => 1);
    const waiting = limiter.schedule('default', async () => 2);
    await vi.waitFor(() => expect(limiter.stats().queued).toBe(1));
    registry.close();
    await expect(waiting).rejects.toThrow('rate limiter hubspot:3 is closed');
  });
});

describe('budget overrides', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('HUBSPOT_REQUESTS_PER_10_SECONDS replaces the HubSpot default bucket of every portal', async () => {
    expect(budgetOverrides({ hubspotRequestsPer10Seconds: undefined })).toEqual({});
    vi.useFakeTimers({ now: 5_000_000 });
    const limiters = openRateLimiters({ databaseUrl: undefined, hubspotRequestsPer10Seconds: 2 }, logger);
    expect(limiters.registry).toBeInstanceOf(AccountRateLimiter);
    const limiter = limiters.registry.forAccount('hubspot', '42', {
      default: { intervalCap: 100, intervalMs: 10_000 },
      search: { intervalCap: 4, intervalMs: 1_000 },
    });
    const started: number[] = [];
    const calls = [0, 1, 2].map((i) => limiter.schedule('default', async () => void started.push(i)));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(started).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([0, 1, 2]);
    // Salesforce orgs keep their adapter's budget.
    const org = limiters.registry.forAccount('salesforce', '00D1', { default: { intervalCap: 25, intervalMs: 1_000 } });
    calls.push(...[0, 1, 2, 3, 4].map((i) => org.schedule('default', async () => void started.push(10 + i))));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(8);
    await Promise.all(calls);
    await limiters.close();
  });
});
