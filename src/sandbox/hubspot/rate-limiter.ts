/**
 * HubSpot's per-account limits: a rolling 10-second budget for every API call and a separate
 * per-second budget for search. Only admitted requests use budget, so a client that backs off
 * after a 429 gets through again once the window has moved on.
 */
import type { RateLimitPolicy } from './hubspot-errors.ts';
import { RollingWindow } from './rolling-window.ts';

export const TEN_SECONDS_MS = 10_000;

export interface RateLimits {
  perTenSeconds: number;
  searchPerSecond: number;
}

export type Admission =
  | { allowed: true; remaining: number }
  | { allowed: false; remaining: number; policy: RateLimitPolicy };

export class PortalRateLimiter {
  readonly limits: RateLimits;
  readonly #all = new RollingWindow(TEN_SECONDS_MS);
  readonly #search = new RollingWindow(1_000);

  constructor(limits: RateLimits) {
    this.limits = limits;
  }

  admit(now: number, isSearch: boolean): Admission {
    const used = this.#all.count(now);
    if (used >= this.limits.perTenSeconds) return { allowed: false, remaining: 0, policy: 'TEN_SECONDLY_ROLLING' };
    if (isSearch && this.#search.count(now) >= this.limits.searchPerSecond) {
      return { allowed: false, remaining: this.limits.perTenSeconds - used, policy: 'SECONDLY' };
    }
    if (isSearch) this.#search.add(now);
    return { allowed: true, remaining: this.limits.perTenSeconds - this.#all.add(now) };
  }
}
