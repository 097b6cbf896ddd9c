import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  RetryOptions,
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
  retryPolicy,
} from '../../src/platform/retry-policy.ts';

const policy = { retries: 4, minDelayMs: 250, maxDelayMs: 10_000 };

describe('isRetryableStatus', () => {
  it.each([
    [429, true], [408, true], [500, true], [502, true], [503, true], [504, true],
    [501, false], [400, false], [401, false], [403, false], [404, false], [409, false], [422, false],
  ])('%i → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-04-10T12:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 7 ', now)).toBe(7_000);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Fri, 10 Apr 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 10 Apr 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  it('doubles from minDelayMs, with jitter up to the next doubling', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, policy, () => 0.999))).toEqual([499, 999, 1999, 3998]);
  });
  it('never exceeds maxDelayMs', () => {
    expect(backoffDelayMs(6, policy, () => 0)).toBe(10_000);
    expect(backoffDelayMs(2000, policy, () => 0.5)).toBe(10_000);
  });
});

describe('retryDelayMs', () => {
  it('follows Retry-After, capped at maxDelayMs', () => {
    expect(retryDelayMs(0, 3_000, policy, () => 0)).toBe(3_000);
    expect(retryDelayMs(0, 0, policy, () => 0.9)).toBe(0);
    expect(retryDelayMs(0, 60_000, policy, () => 0)).toBe(10_000);
  });
  it('falls back to backoff without Retry-After', () => {
    expect(retryDelayMs(1, undefined, policy, () => 0)).toBe(500);
  });
});

describe('retryPolicy', () => {
  it('defaults to 4 retries between 250 ms and 10 s', () => {
    expect(retryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(DEFAULT_RETRY_POLICY).toEqual(policy);
  });
  it('raises the maximum when only a larger minimum is given', () => {
    expect(retryPolicy({ minDelayMs: 20_000 })).toEqual({ retries: 4, minDelayMs: 20_000, maxDelayMs: 20_000 });
  });
  it('refuses a minimum above the maximum, and negative values', () => {
    expect(RetryOptions.safeParse({ minDelayMs: 10, maxDelayMs: 5 }).success).toBe(false);
    expect(RetryOptions.safeParse({ retries: -1 }).success).toBe(false);
  });
});
