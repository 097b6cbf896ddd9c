/**
 * The org's daily API allocation, shared by every app installed in it. Salesforce reports the
 * org's usage over a rolling 24 hours in each answer's `Sforce-Limit-Info: api-usage=N/MAX`;
 * the connector stops calling once N reaches `share × MAX`, leaving the rest to the org's other
 * integrations and users.
 *
 * While stopped ("paused"), calls fail at once as retryable with a retry-after, instead of waiting
 * in a queue for hours: the job queue reschedules them and worker slots stay free for other orgs.
 * There is no timer: the first call after each check interval asks `GET /limits`, and calls flow
 * again as soon as the rolling window has freed enough room.
 */
import { z } from 'zod';
import { CrmError } from '../errors.ts';
import type { Logger } from '../../log.ts';
import type { ApiUsage } from './session.ts';

export const DailyBudgetOptions = z.object({
  /** Fraction of the org's daily allocation the connector may use (org-wide usage counts). */
  share: z.number().gt(0).max(1).default(0.5),
  /** How often, while paused, `GET /limits` is asked whether the rolling window has room again. */
  checkIntervalMs: z.number().int().positive().default(300_000),
});
export type DailyBudgetOptions = z.input<typeof DailyBudgetOptions>;

export interface DailyBudgetStats {
  used: number | null;
  limit: number | null;
  share: number;
  /** Usage at which the connector stops: floor(share × limit). */
  threshold: number | null;
  paused: boolean;
  /** Epoch ms of the next `/limits` check while paused. */
  nextCheckAt: number | null;
}

export class DailyBudget {
  readonly #share: number;
  readonly #checkIntervalMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  #used: number | undefined;
  #limit: number | undefined;
  /** Salesforce itself answered REQUEST_LIMIT_EXCEEDED (TotalRequests): paused until a check says otherwise. */
  #refused = false;
  #nextCheckAt: number | undefined;
  #checking: Promise<void> | undefined;

  constructor(options: DailyBudgetOptions, log: Logger, now: () => number = Date.now) {
    const parsed = DailyBudgetOptions.parse(options);
    this.#share = parsed.share;
    this.#checkIntervalMs = parsed.checkIntervalMs;
    this.#log = log;
    this.#now = now;
  }

  /** Records the usage Salesforce reported with an answer. */
  observe(usage: ApiUsage | undefined): void {
    if (!usage) return;
    const wasPaused = this.#paused();
    this.#used = usage.used;
    this.#limit = usage.limit;
    this.#onTransition(wasPaused);
  }

  /** Salesforce refused a call for the daily limit: pause now, whatever the last header said. */
  refused(): void {
    const wasPaused = this.#paused();
    this.#refused = true;
    this.#onTransition(wasPaused);
  }

  /**
   * Resolves when a call may go out; throws a retryable CrmError while the share is used up.
   * `checkLimits` asks Salesforce for the current usage (it must not itself wait for admission).
   */
  async admit(checkLimits: () => Promise<ApiUsage>): Promise<void> {
    if (!this.#paused()) return;
    if (this.#now() >= (this.#nextCheckAt ?? 0)) {
      this.#checking ??= (async () => {
        try {
          const usage = await checkLimits();
          const wasPaused = this.#paused();
          this.#refused = false;
          this.#used = usage.used;
          this.#limit = usage.limit;
          this.#onTransition(wasPaused);
        } finally {
          this.#nextCheckAt = this.#now() + this.#checkIntervalMs;
          this.#checking = undefined;
        }
      })();
      await this.#checking;
      if (!this.#paused()) return;
    }
    const retryAfterMs = Math.max(0, (this.#nextCheckAt ?? this.#now()) - this.#now());
    throw new CrmError(
      'retryable',
      `the connector has used its share of this org's daily API allocation (${this.#usageText()}); calls resume when Salesforce's rolling 24-hour usage drops below the share`,
      { code: 'DAILY_API_SHARE_USED', retryAfterMs },
    );
  }

  stats(): DailyBudgetStats {
    return {
      used: this.#used ?? null,
      limit: this.#limit ?? null,
      share: this.#share,
      threshold: this.#threshold() ?? null,
      paused: this.#paused(),
      nextCheckAt: this.#paused() ? (this.#nextCheckAt ?? null) : null,
    };
  }

  #threshold(): number | undefined {
    return this.#limit === undefined ? undefined : Math.floor(this.#share * this.#limit);
  }

  #paused(): boolean {
    const threshold = this.#threshold();
    return this.#refused || (threshold !== undefined && this.#used !== undefined && this.#used >= threshold);
  }

  #onTransition(wasPaused: boolean): void {
    const paused = this.#paused();
    if (paused && !wasPaused) {
      this.#nextCheckAt = this.#now() + this.#checkIntervalMs;
      this.#log.warn({ usage: this.#usageText() }, 'Salesforce daily API share used: pausing calls to this org');
    } else if (!paused && wasPaused) {
      this.#log.info({ usage: this.#usageText() }, 'Salesforce daily API usage has room again: resuming calls to this org');
    }
  }

  #usageText(): string {
    const share = `share ${Math.round(this.#share * 100)}%`;
    if (this.#limit === undefined || this.#used === undefined) return `Salesforce answered REQUEST_LIMIT_EXCEEDED, ${share}`;
    return `${this.#used}/${this.#limit} calls used, ${share} = ${this.#threshold()}`;
  }
}
