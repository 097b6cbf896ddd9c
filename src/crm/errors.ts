/**
 * CRM failures, classified once so every caller decides the same way:
 * - retryable: 429, 5xx, timeouts, lock errors: try again later, the write may succeed;
 * - auth: the token is expired or revoked: refresh, else the installation needs reconnection;
 * - permanent: the CRM rejected the data (validation, bad option): dead-letter with its message.
 */
import type { ValueOrigin } from './write-plan.ts';

export type CrmErrorKind = 'retryable' | 'auth' | 'permanent';

export class CrmError extends Error {
  readonly kind: CrmErrorKind;
  readonly status: number | undefined;
  /** The CRM's own error code (`INVALID_OPTION`, `REQUEST_LIMIT_EXCEEDED`, ...). */
  readonly code: string | undefined;
  /** Milliseconds the CRM asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;
  /** The mapping line that produced the rejected value, when known. */
  readonly origin: ValueOrigin | undefined;

  constructor(
    kind: CrmErrorKind,
    message: string,
    details: { status?: number; code?: string; retryAfterMs?: number; origin?: ValueOrigin; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'CrmError';
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
    this.origin = details.origin;
  }

  /** A sentence for sync records and admin pages: the CRM's message plus the mapping line. */
  describe(): string {
    const where = this.origin ? ` (value from ${this.origin.file}:${this.origin.line}:${this.origin.column} ${this.origin.path})` : '';
    const code = this.code ? `${this.code}: ` : '';
    return `${code}${this.message}${where}`;
  }
}
