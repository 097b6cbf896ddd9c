/**
 * Backoff for transient CRM failures (5xx, timeouts, network). Only the timing lives here:
 * what counts as transient is the adapter's call, because each CRM says it differently.
 */
import { z } from 'zod';

export const BackoffPolicy = z.object({
  /** Tries in total, the first included: 3 = one call and two retries. */
  attempts: z.number().int().min(1).default(3),
  baseDelayMs: z.number().int().nonnegative().default(500),
  maxDelayMs: z.number().int().nonnegative().default(8_000),
});
export type BackoffPolicy = z.infer<typeof BackoffPolicy>;

/**
 * Delay before retry number `retry` (1 = first retry): exponential with "equal jitter", so
 * workers that failed together do not all come back in the same millisecond.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
