/**
 * One HubSpot call, done right: through the account's rate limiter, with the current token,
 * a timeout, a refresh on 401, a pause of the account's queue on 429 and backoff on 5xx.
 * Everything above this module deals only in parsed bodies and CrmErrors.
 *
 * Transport is `@hubspot/api-client`'s `apiRequest` (its auth header, user agent and basePath
 * handling) with paths from endpoints.ts, so moving to HubSpot's date-versioned APIs does not
 * wait for an SDK release. The SDK's own Bottleneck limiter and retry decorator stay off: the
 * client is built without `limiterOptions` and with `numberOfApiCallRetries: 0`.
 */
import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import { CrmError } from '../errors.ts';
import type { AccountLimiter } from '../rate-limit.ts';
import { backoffDelay, sleep, type BackoffPolicy } from '../retry.ts';
import type { Logger } from '../../log.ts';
import { describeIssues } from '../../zod-issues.ts';
import {
  asHubSpotError, classifyResponse, classifyTransportFailure, HubSpotTransportError, parseRetryAfterMs, rateLimitPauseMs,
} from './error-classifier.ts';

export interface HubSpotTokens {
  /** The token to call with now (a private-app token, or the stored OAuth access token). */
  getAccessToken(): Promise<string>;
  /**
   * OAuth only: obtain and store a new access token (getAccessToken() returns it afterwards).
   * Absent for private-app tokens: a 401 then means the token was revoked.
   * A refused grant is thrown as an `auth` CrmError; any other failure counts as transient.
   */
  refresh?(): Promise<string>;
}

export type HubSpotBucket = 'default' | 'search';

export interface HubSpotCall<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  bucket?: HubSpotBucket;
  /** Schema of a successful body. */
  schema: z.ZodType<T>;
}

export interface HubSpotResponse<T> {
  status: number;
  body: T;
}

export interface HubSpotApiOptions {
  basePath: string;
  tokens: HubSpotTokens;
  limiter: AccountLimiter;
  backoff: BackoffPolicy;
  /** How many 429s in a row one call waits out before giving up as retryable. */
  maxRateLimitWaits: number;
  requestTimeoutMs: number;
  policyWindowsMs: Record<string, number>;
  onNeedsReconnection?: (reason: string) => void;
  log: Logger;
}

interface RawAnswer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

export class HubSpotApi {
  readonly #options: HubSpotApiOptions;
  readonly #client: Client;
  /** The refresh in progress, shared by every call that hit a 401 meanwhile. */
  #refreshing: Promise<void> | undefined;
  /** Token handed out by the last refresh: a 401 on an older token just retries with it. */
  #lastRefreshedToken: string | undefined;

  constructor(options: HubSpotApiOptions) {
    this.#options = options;
    // No accessToken in the config: the token is sent per request, so a refresh never races
    // with calls in flight (setAccessToken would also reset the SDK's process-wide decorators).
    this.#client = new Client({ basePath: options.basePath, numberOfApiCallRetries: 0 });
  }

  /** The SDK client configuration, exposed so tests can prove its limiter and retries are off. */
  get sdkConfig(): Client['config'] {
    return this.#client.config;
  }

  async call<T>(call: HubSpotCall<T>): Promise<HubSpotResponse<T>> {
    const { limiter, backoff, maxRateLimitWaits, log } = this.#options;
    const bucket = call.bucket ?? 'default';
    let transientFailures = 0;
    let rateLimitWaits = 0;
    let refreshed = false;
    for (;;) {
      const token = await this.#options.tokens.getAccessToken();
      let answer: RawAnswer;
      try {
        answer = await limiter.schedule(bucket, () => this.#send(call, token));
      } catch (error) {
        const failure = classifyTransportFailure(error, call.path);
        if (++transientFailures >= backoff.attempts) throw failure;
        log.warn({ path: call.path, attempt: transientFailures, reason: failure.message }, 'HubSpot unreachable, retrying');
        await sleep(backoffDelay(backoff, transientFailures));
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return { status: answer.status, body: this.#parse(call, answer.body) };

      const body = asHubSpotError(answer.body);
      if (answer.status === 429) {
        const pauseMs = rateLimitPauseMs(body, answer.retryAfter, this.#options.policyWindowsMs);
        // A secondly (search) limit only stops search calls; any other limit stops the account.
        limiter.pauseAfterRateLimit(pauseMs, body.policyName === 'SECONDLY' && bucket === 'search' ? 'search' : undefined);
        log.warn({ path: call.path, policy: body.policyName, pauseMs }, 'HubSpot rate limit hit, account queue paused');
        if (++rateLimitWaits > maxRateLimitWaits) {
          throw classifyResponse(429, body, call.path, parseRetryAfterMs(answer.retryAfter) ?? pauseMs);
        }
        continue;
      }
      const error = classifyResponse(answer.status, body, call.path);
      if (answer.status === 401 && !refreshed && this.#options.tokens.refresh) {
        refreshed = true;
        await this.#refreshAfter401(token);
        continue;
      }
      if (error.kind === 'auth') {
        this.#options.onNeedsReconnection?.(error.message);
        throw error;
      }
      if (error.kind === 'retryable' && ++transientFailures < backoff.attempts) {
        log.warn({ path: call.path, status: answer.status, attempt: transientFailures }, 'HubSpot server error, retrying');
        await sleep(backoffDelay(backoff, transientFailures));
        continue;
      }
      throw error;
    }
  }

  async #refreshAfter401(usedToken: string): Promise<void> {
    if (this.#lastRefreshedToken !== undefined && this.#lastRefreshedToken !== usedToken) return;
    this.#refreshing ??= (async () => {
      try {
        this.#lastRefreshedToken = await this.#options.tokens.refresh!();
      } catch (cause) {
        // The token provider already classified it (a refused grant is `auth`, a network or 5xx failure stays retryable).
        if (cause instanceof CrmError) {
          if (cause.kind === 'auth') this.#options.onNeedsReconnection?.(cause.message);
          throw cause;
        }
        // Anything else is a failure to reach the token endpoint, not a refusal: the next attempt may refresh.
        const reason = `HubSpot token refresh failed: ${cause instanceof Error ? cause.message : String(cause)}`;
        throw new CrmError('retryable', reason, { code: 'REFRESH_FAILED', cause });
      } finally {
        this.#refreshing = undefined;
      }
    })();
    await this.#refreshing;
  }

  async #send(call: HubSpotCall<unknown>, token: string): Promise<RawAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HubSpotTransportError(`no answer within ${this.#options.requestTimeoutMs} ms`)),
        this.#options.requestTimeoutMs,
      );
    });
    const request = (async () => {
      const response = await this.#client.apiRequest({
        method: call.method,
        path: call.path,
        headers: { Authorization: `Bearer ${token}` },
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      const text = await response.text();
      return { status: response.status, body: parseBody(text), retryAfter: response.headers.get('retry-after') };
    })();
    try {
      return await Promise.race([request, timeout]);
    } finally {
      clearTimeout(timer);
      // A request that lost the race may still fail later; nobody awaits it any more.
      request.catch(() => undefined);
    }
  }

  #parse<T>(call: HubSpotCall<T>, body: unknown): T {
    const parsed = call.schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new CrmError('permanent', `HubSpot's answer to ${call.method} ${call.path} has an unexpected shape: ${describeIssues(parsed.error).join('; ')}`, {
      code: 'UNEXPECTED_RESPONSE',
    });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
