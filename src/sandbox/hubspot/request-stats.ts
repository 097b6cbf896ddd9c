/**
 * What a portal saw: every API request that reached it (admitted or not), by endpoint and by
 * response status, the 429s it sent because a limit was exceeded (the ones a well-behaved
 * client never causes) apart from injected faults, and the busiest 10-second and 1-second
 * windows observed.
 */
import type { RateLimitPolicy } from './hubspot-errors.ts';
import { RollingWindow } from './rolling-window.ts';
import { TEN_SECONDS_MS } from './rate-limiter.ts';

export interface RequestStatsSnapshot {
  totalRequests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /** Every 429 sent, whatever the cause. */
  tooManyRequests: number;
  /** 429s sent because the client exceeded a limit. */
  rateLimited: { total: number; tenSecondly: number; secondly: number };
  /** Responses replaced by injected faults (including injected 429s). */
  injectedFaults: number;
  maxRequestsInTenSeconds: number;
  maxSearchRequestsInOneSecond: number;
}

export class RequestStats {
  readonly #tenSeconds = new RollingWindow(TEN_SECONDS_MS);
  readonly #searchSecond = new RollingWindow(1_000);
  readonly #snapshot: RequestStatsSnapshot = {
    totalRequests: 0,
    byEndpoint: {},
    byStatus: {},
    tooManyRequests: 0,
    rateLimited: { total: 0, tenSecondly: 0, secondly: 0 },
    injectedFaults: 0,
    maxRequestsInTenSeconds: 0,
    maxSearchRequestsInOneSecond: 0,
  };

  recordArrival(endpoint: string, isSearch: boolean, now: number): void {
    const s = this.#snapshot;
    s.totalRequests++;
    s.byEndpoint[endpoint] = (s.byEndpoint[endpoint] ?? 0) + 1;
    s.maxRequestsInTenSeconds = Math.max(s.maxRequestsInTenSeconds, this.#tenSeconds.add(now));
    if (isSearch) s.maxSearchRequestsInOneSecond = Math.max(s.maxSearchRequestsInOneSecond, this.#searchSecond.add(now));
  }

  recordStatus(status: number): void {
    const s = this.#snapshot;
    s.byStatus[String(status)] = (s.byStatus[String(status)] ?? 0) + 1;
    if (status === 429) s.tooManyRequests++;
  }

  recordRateLimited(policy: RateLimitPolicy): void {
    const limited = this.#snapshot.rateLimited;
    limited.total++;
    if (policy === 'TEN_SECONDLY_ROLLING') limited.tenSecondly++;
    else limited.secondly++;
  }

  recordInjectedFault(): void {
    this.#snapshot.injectedFaults++;
  }

  snapshot(): RequestStatsSnapshot {
    return structuredClone(this.#snapshot);
  }
}
