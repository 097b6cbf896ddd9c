/**
 * When the Conversations API client tries again, and how long it waits: pure functions so the
 * schedule is testable without clocks.
 */
import { z } from 'zod';

const Milliseconds = z.number().int().nonnegative();

export const RetryOptions = z
  .object({
    /** Retries after the first attempt: 4 means up to 5 attempts. */
    retries: z.number().int().nonnegative().optional(),
    minDelayMs: Milliseconds.optional(),
    /** Caps every wait, Retry-After included. */
    maxDelayMs: Milliseconds.optional(),
  })
  .refine((r) => r.minDelayMs === undefined || r.maxDelayMs === undefined || r.minDelayMs <= r.maxDelayMs, {
    error: 'minDelayMs must not exceed maxDelayMs',
    path: ['minDelayMs'],
  });
export type RetryOptions = z.infer<typeof RetryOptions>;
export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, minDelayMs: 250, maxDelayMs: 10_000 };

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...options };
  // A custom minimum above the default maximum raises the maximum rather than inverting the range.
  return { ...merged, maxDelayMs: Math.max(merged.maxDelayMs, merged.minDelayMs) };
}

/** 429, 408 and 5xx may succeed later; 501 (Not Implemented) never will, nor will other 4xx. */
export const isRetryableStatus = (status: number): boolean =>
  status === 429 || status === 408 || (status >= 500 && status <= 599 && status !== 501);

/** Retry-After as milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates always name a month; this keeps Date.parse from reading "-5" as the year -5.
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with jitter: after the n-th failure (n from 0) a random wait in
 * [min·2ⁿ, min·2ⁿ⁺¹), capped at maxDelayMs. The jitter spreads out clients that failed together.
 */
export function backoffDelayMs(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.minDelayMs * 2 ** failures;
  return Math.min(policy.maxDelayMs, Math.floor(base + random() * base));
}

/** The wait before the next attempt: the platform's Retry-After when it sent one, else backoff; both capped. */
export function retryDelayMs(
  failures: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, retryAfterMs);
  return backoffDelayMs(failures, policy, random);
}
