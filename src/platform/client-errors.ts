/**
 * Errors of the Conversations API client. A malformed response is a PlatformDataError
 * (schemas.ts); these two cover "refused before sending" and "the request failed".
 */

/** Bad arguments, caught before any request is sent. Not retryable: the call itself is wrong. */
export class PlatformArgumentError extends Error {
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super(`Invalid ${what}: ${issues.join('; ')}`);
    this.name = 'PlatformArgumentError';
    this.issues = issues;
  }
}

export interface PlatformApiErrorDetails {
  method: string;
  /** Path and query of the request; never the base URL (it may hold credentials) nor the key. */
  path: string;
  status?: number;
  code?: string;
  retryable: boolean;
  attempts: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A request that failed: an error status, a network error or a timeout, after the client's own
 * retries. `retryable` says whether trying again later may succeed (429, 5xx, network, timeout).
 */
export class PlatformApiError extends Error {
  /** HTTP status; undefined when no response arrived (network error, timeout). */
  readonly status: number | undefined;
  /** The platform's `error.code`, or `timeout` / the network error code when no response arrived. */
  readonly code: string | undefined;
  readonly retryable: boolean;
  readonly method: string;
  readonly path: string;
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** What the platform's last Retry-After asked for, so a job queue can wait that long. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: PlatformApiErrorDetails) {
    super(message, { cause: details.cause });
    this.name = 'PlatformApiError';
    this.status = details.status;
    this.code = details.code;
    this.retryable = details.retryable;
    this.method = details.method;
    this.path = details.path;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}
