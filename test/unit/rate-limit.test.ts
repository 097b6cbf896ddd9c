/**
 * The per-account limiter on its in-process ledger: budgets (a call counts from its start until a
 * window after its end), order, the overall budget search calls share, pauses after 429 and the
 * registry, on fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';

const BUDGETS = {
  default: { intervalCap: 2, intervalMs: 1_000 },
  search: { intervalCap: 1, intervalMs: 1_000 },
};

/** Tasks that record when they start and finish at once. */
function startRecorder() {
  const started: string[] = [];
  const task = (name: string) => () => {
    started.push(name);
    return Promise.resolve(name);
  };
  return { started, task };
}

let registry: AccountRateLimiter;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  registry = new AccountRateLimiter();
});
afterEach(() => {
  registry.close();
  vi.useRealTimers();
});

describe('AccountRateLimiter', () => {
  it('starts at most intervalCap calls in any rolling window, in arrival order', async () => {
    const limiter = registry.forAccount('hubspot', '42', BUDGETS);
    const { started, task } = startRecorder();
    const done = ['a', 'b', 'c', 'd', 'e'].map((n) => limiter.schedule('default', task(n)));

    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    await expect(Promise.all(done)).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('counts a call until a window after it ended, as the CRM may count it when it arrives', async () => {
    const limiter = registry.forAccount('hubspot', '42', { default: { intervalCap: 1, intervalMs: 1_000 } });
    const started: string[] = [];
    // A slow call: its request may reach the CRM only at the end of these 600 ms.
    const slow = limiter.schedule('default', async () => {
      started.push('slow');
      await new Promise((resolve) => setTimeout(resolve, 600));
    });
    const next = limiter.schedule('default', async () => void started.push('next'));

    await vi.advanceTimersByTimeAsync(1_599);
    expect(started).toEqual(['slow']);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['slow', 'next']);
    await Promise.all([slow, next]);
  });

  it('makes a search call draw on the overall budget too, as HubSpot counts it in both', async () => {
    const limiter = registry.forAccount('hubspot', '42', BUDGETS);
    const { started, task } = startRecorder();
    const done = [
      limiter.schedule('default', task('a')),
      limiter.schedule('default', task('b')),
      limiter.schedule('search', task('search')),
    ];

    await vi.advanceTimersByTimeAsync(999);
    expect(started).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['a', 'b', 'search']);
    // The search call took a permit from `default`: one is left in this window.
    void limiter.schedule('default', task('c'));
    void limiter.schedule('default', task('d'));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b', 'search', 'c']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(['a', 'b', 'search', 'c', 'd']);
    await Promise.all(done);
  });

  it('starts nothing while paused after a 429, then resumes by itself', async () => {
    const limiter = registry.forAccount('hubspot', '42', { default: { intervalCap: 100, intervalMs: 10_000 } });
    const { started, task } = startRecorder();
    limiter.pauseAfterRateLimit(500);
    for (const n of ['a', 'b', 'c']) void limiter.schedule('default', task(n));

    await vi.advanceTimersByTimeAsync(499);
    expect(started).toEqual([]);
    expect(limiter.stats()).toMatchObject({ account: 'hubspot:42', queued: 3, inFlight: 0, pausedUntil: 1_000_500, rateLimited: 1 });
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['a', 'b', 'c']);
    expect(limiter.stats().pausedUntil).toBeNull();
  });

  it('pauses one bucket without stopping the others', async () => {
    const limiter = registry.forAccount('hubspot', '42', BUDGETS);
    const { started, task } = startRecorder();
    limiter.pauseAfterRateLimit(300, 'search');
    void limiter.schedule('search', task('search'));
    void limiter.schedule('default', task('default'));

    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['default']);
    expect(limiter.stats().buckets).toEqual([
      { bucket: 'default', queued: 0, inFlight: 0, pausedUntil: null },
      { bucket: 'search', queued: 1, inFlight: 0, pausedUntil: 1_000_300 },
    ]);
    await vi.advanceTimersByTimeAsync(300);
    expect(started).toEqual(['default', 'search']);
  });

  it('keeps a longer pause when a shorter one arrives, and extends a shorter one', async () => {
    const limiter = registry.forAccount('hubspot', '42', BUDGETS);
    const { started, task } = startRecorder();
    limiter.pauseAfterRateLimit(1_000);
    limiter.pauseAfterRateLimit(100);
    void limiter.schedule('default', task('a'));

    await vi.advanceTimersByTimeAsync(900);
    expect(started).toEqual([]);
    limiter.pauseAfterRateLimit(500); // now + 500 = 1_400 ms after the start: longer than the first
    await vi.advanceTimersByTimeAsync(400);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toEqual(['a']);
    expect(limiter.stats().rateLimited).toBe(3);
  });

  it('runs a call nested in an admitted call of the same account at once, charged and counted once', async () => {
    const limiter = registry.forAccount('hubspot', '42', { ...BUDGETS, default: { intervalCap: 2, intervalMs: 1_000, concurrency: 1 } });
    const { started, task } = startRecorder();
    // As an adapter might nest it: the search call schedules its send in `default` too.
    const nested = limiter.schedule('search', () => limiter.schedule('default', task('search')));
    await vi.advanceTimersByTimeAsync(0);
    await expect(nested).resolves.toBe('search');
    // One permit of `default` is left in this window, not zero.
    void limiter.schedule('default', task('a'));
    void limiter.schedule('default', task('b'));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['search', 'a']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(['search', 'a', 'b']);
  });

  it('gives every caller of one account the same limiter, and other accounts their own', () => {
    const a = registry.forAccount('hubspot', '42', BUDGETS);
    expect(registry.forAccount('hubspot', '42', { default: { intervalCap: 1, intervalMs: 1 } })).toBe(a);
    expect(registry.forAccount('hubspot', '43', BUDGETS)).not.toBe(a);
    expect(registry.forAccount('salesforce', '42', BUDGETS)).not.toBe(a);
    expect(registry.stats().map((s) => s.account)).toEqual(['hubspot:42', 'hubspot:43', 'salesforce:42']);
  });

  it('rejects bad budgets and unknown buckets with a message saying what is wrong', async () => {
    expect(() => registry.forAccount('hubspot', '1', { default: { intervalCap: 0, intervalMs: 1_000 } }))
      .toThrow(/rate budgets for hubspot:1 are not valid: default\.intervalCap: /);
    const limiter = registry.forAccount('hubspot', '2', BUDGETS);
    expect(() => limiter.schedule('bulk', async () => 1)).toThrow('rate limiter hubspot:2 has no bucket "bulk" (known: default, search)');
  });

  it('holds no timer while idle, and rejects waiting calls and clears its timers on close', async () => {
    const limiter = registry.forAccount('hubspot', '42', BUDGETS);
    limiter.pauseAfterRateLimit(60_000);
    expect(vi.getTimerCount()).toBe(0);
    const waiting = limiter.schedule('default', async () => 'never');
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    registry.close();
    await expect(waiting).rejects.toThrow('rate limiter hubspot:42 is closed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
