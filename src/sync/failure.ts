/**
 * Why a sync failed and whether trying again can help. Retryable failures go back to the queue
 * with backoff until the retry budget is spent; permanent ones go straight to the dead-letter
 * queue: the data or the mapping must change first, then `crm-connector retry` re-runs them.
 */
import { CrmError } from '../crm/errors.ts';
import { PlatformArgumentError } from '../platform/client-errors.ts';
import { PlatformDataError } from '../platform/schemas.ts';

/** Thrown by a dependency (mapping engine, ...) for a failure that retrying cannot fix. */
export class PermanentSyncError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentSyncError';
  }
}

export interface ClassifiedFailure {
  retryable: boolean;
  message: string;
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof CrmError) {
    // Auth failures are retried: the adapter refreshes tokens, and a reconnected installation succeeds.
    return { retryable: error.kind !== 'permanent', message: `CRM ${error.kind} error: ${error.describe()}` };
  }
  if (error instanceof PermanentSyncError || error instanceof PlatformDataError || error instanceof PlatformArgumentError) {
    return { retryable: false, message: error.message };
  }
  if (error instanceof Error) {
    // Errors that know (PlatformApiError: 429/5xx/network yes, 404/401 no) say so themselves.
    const flag = (error as { retryable?: unknown }).retryable;
    return { retryable: typeof flag === 'boolean' ? flag : true, message: error.message };
  }
  return { retryable: true, message: String(error) };
}
