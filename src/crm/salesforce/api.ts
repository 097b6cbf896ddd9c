/**
 * One Salesforce call, done right: admitted by the org's daily budget, through the org's rate
 * limiter (one p-queue per org, shared with every job), with a refresh on 401, backoff on
 * lock/limit/server errors, and every failure classified. Above this module there are only parsed
 * bodies and CrmErrors.
 *
 * Retrying is careful about duplicates: a failure after which Salesforce certainly wrote nothing
 * (locked row, request limit, 503, connection refused) is retried for any call; an ambiguous one
 * (500, timeout, connection reset) only for calls that are harmless to repeat (queries, updates,
 * upserts). A create that failed ambiguously is left to the job's own retry, which knows from the
 * sync record what was already written.
 */
import type { z } from 'zod';
import { CrmError } from '../errors.ts';
import type { AccountLimiter } from '../rate-limit.ts';
import { backoffDelay, sleep, type BackoffPolicy } from '../retry.ts';
import type { Logger } from '../../log.ts';
import { describeIssues } from '../../zod-issues.ts';
import type { DailyBudget } from './daily-budget.ts';
import { classifyThrown, isDailyLimitExceeded, refusedWithoutEffect } from './error-classifier.ts';
import { OrgLimits } from './responses.ts';
import type { ApiUsage, SalesforceSession } from './session.ts';

export interface SalesforceCall<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under the versioned data root (`/composite`, `/query?q=…`), or absolute (`/services/…`). */
  path: string;
  body?: unknown;
  schema: z.ZodType<T>;
  /** Sending it twice is harmless (queries, updates, upserts): ambiguous failures are retried too. */
  idempotent: boolean;
  /** What the call does, for error messages: "creating Lead records". */
  what: string;
  /** Only the `/limits` check of the budget itself passes while the budget is used up. */
  bypassBudget?: boolean;
}

export interface SalesforceApiOptions {
  session: SalesforceSession;
  limiter: AccountLimiter;
  budget: DailyBudget;
  backoff: BackoffPolicy;
  apiVersion: string;
  requestTimeoutMs: number;
  log: Logger;
}

/** The limiter bucket every Salesforce call uses: the org has one allocation, not per-resource ones. */
export const SALESFORCE_BUCKET = 'default';

export class SalesforceApi {
  readonly #options: SalesforceApiOptions;
  #callsSent = 0;

  constructor(options: SalesforceApiOptions) {
    this.#options = options;
  }

  /** HTTP requests sent to the org's REST API so far (token refreshes not included). */
  get callsSent(): number {
    return this.#callsSent;
  }

  /** `/services/data/v62.0` + path. */
  dataPath(path: string): string {
    return path.startsWith('/services/') ? path : `/services/data/v${this.#options.apiVersion}${path}`;
  }

  async call<T>(call: SalesforceCall<T>): Promise<T> {
    const { session, limiter, budget, backoff, log } = this.#options;
    let failures = 0;
    let refreshed = false;
    for (;;) {
      if (session.reconnectReason) throw session.reconnectionError();
      await session.ensureAccessToken();
      if (!call.bypassBudget) await budget.admit(() => this.#checkLimits());
      const token = session.accessToken;
      let body: unknown;
      try {
        body = await limiter.schedule(SALESFORCE_BUCKET, () => {
          this.#callsSent += 1;
          return session.send({ method: call.method, path: this.dataPath(call.path), body: call.body, timeoutMs: this.#options.requestTimeoutMs });
        });
      } catch (thrown) {
        budget.observe(session.apiUsage());
        const error = classifyThrown(thrown, call.what);
        if (error.status === 401) {
          if (refreshed) {
            throw session.needsReconnection(`Salesforce rejected a freshly refreshed access token (${error.message}): reconnect the installation`);
          }
          refreshed = true;
          await session.refreshAfterRejection(token);
          continue;
        }
        if (error.kind === 'auth') {
          session.needsReconnection(error.message, error.code);
          throw error;
        }
        if (isDailyLimitExceeded(error)) {
          // Backing off for seconds cannot help a daily allocation: stop this org until /limits shows room.
          budget.refused();
          throw error;
        }
        if (error.kind === 'retryable' && (call.idempotent || refusedWithoutEffect(error)) && ++failures < backoff.attempts) {
          const delay = backoffDelay(backoff, failures);
          if (error.code === 'REQUEST_LIMIT_EXCEEDED') limiter.pauseAfterRateLimit(delay);
          log.warn({ what: call.what, code: error.code, attempt: failures, delayMs: delay }, 'Salesforce call failed, retrying');
          await sleep(delay);
          continue;
        }
        throw error;
      }
      budget.observe(session.apiUsage());
      return this.#parse(call, body);
    }
  }

  async #checkLimits(): Promise<ApiUsage> {
    const limits = await this.call({
      method: 'GET',
      path: '/limits',
      schema: OrgLimits,
      idempotent: true,
      bypassBudget: true,
      what: 'reading the org limits',
    });
    const { Max, Remaining } = limits.DailyApiRequests;
    return { used: Max - Remaining, limit: Max };
  }

  #parse<T>(call: SalesforceCall<T>, body: unknown): T {
    const parsed = call.schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new CrmError('permanent', `Salesforce's answer to ${call.what} has an unexpected shape: ${describeIssues(parsed.error).join('; ')}`, {
      code: 'UNEXPECTED_RESPONSE',
    });
  }
}
