/**
 * Fault injection: the next `count` API calls of an org (optionally only those whose path, relative
 * to `/services/data/vXX.X`, starts with `pathPrefix`) fail with a Salesforce error. Composite
 * subrequests are matched too, so one subrequest can fail inside an otherwise healthy call. With
 * `afterWrite` the call is processed first and only its answer is replaced: the write happened and
 * the client cannot tell, the ambiguity a real 503 or timeout leaves.
 */
import { z } from 'zod';
import { restErrorBody, SalesforceApiError, recordError } from '../rest/salesforce-error.ts';
import { DEFAULT_DUPLICATE_MESSAGE, duplicatesDetected } from '../validation/duplicate-result.ts';

export const FaultSpec = z.object({
  status: z.number().int().min(400).max(599).optional(),
  errorCode: z.string().regex(/^[A-Z_]+$/, 'an errorCode is UPPER_SNAKE_CASE, e.g. UNABLE_TO_LOCK_ROW').optional(),
  message: z.string().min(1).optional(),
  count: z.number().int().positive().default(1),
  pathPrefix: z.string().startsWith('/').optional(),
  delayMs: z.number().int().nonnegative().max(120_000).optional(),
  afterWrite: z.boolean().optional(),
}).refine((spec) => spec.status !== undefined || spec.errorCode !== undefined, { message: 'a fault needs a status, an errorCode, or both' });
export type FaultSpec = z.input<typeof FaultSpec>;
type ParsedFault = z.output<typeof FaultSpec>;

/** Status and message each well-known code comes with when the fault names only the code. */
const KNOWN_CODES: Record<string, { status: number; message: string }> = {
  SERVER_UNAVAILABLE: { status: 503, message: 'Server temporarily unavailable. Please try again later.' },
  UNKNOWN_EXCEPTION: { status: 500, message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)' },
  UNABLE_TO_LOCK_ROW: { status: 400, message: 'unable to obtain exclusive access to this record or 1 records' },
  REQUEST_LIMIT_EXCEEDED: { status: 403, message: 'TotalRequests Limit exceeded.' },
  INVALID_SESSION_ID: { status: 401, message: 'Session expired or invalid' },
  NOT_FOUND: { status: 404, message: 'The requested resource does not exist' },
  DUPLICATES_DETECTED: { status: 400, message: DEFAULT_DUPLICATE_MESSAGE },
  FIELD_CUSTOM_VALIDATION_EXCEPTION: { status: 400, message: 'The record failed a validation rule (injected fault).' },
};

const CODE_FOR_STATUS: Record<number, string> = { 500: 'UNKNOWN_EXCEPTION', 503: 'SERVER_UNAVAILABLE', 401: 'INVALID_SESSION_ID', 403: 'REQUEST_LIMIT_EXCEEDED', 404: 'NOT_FOUND' };

export interface Fault {
  error: SalesforceApiError;
  delayMs: number;
  afterWrite: boolean;
}

function toFault(spec: ParsedFault, path: string): Fault {
  const code = spec.errorCode ?? CODE_FOR_STATUS[spec.status ?? 0] ?? `ERROR_HTTP_${spec.status}`;
  const known = KNOWN_CODES[code];
  const status = spec.status ?? known?.status ?? 400;
  const message = spec.message ?? known?.message ?? `Injected fault ${code}`;
  // A duplicate rule belongs to the object being written; calls not about one object get Lead's.
  const sobject = /^\/(?:composite\/)?sobjects\/([A-Za-z0-9_]+)/.exec(path)?.[1] ?? 'Lead';
  const error = code === 'DUPLICATES_DETECTED' ? duplicatesDetected(message, sobject, []) : recordError(code, message);
  // Salesforce lists `fields` on record-level (400) errors only.
  return { error: new SalesforceApiError(status, [restErrorBody(error, status === 400)]), delayMs: spec.delayMs ?? 0, afterWrite: spec.afterWrite ?? false };
}

export class FaultQueue {
  #rules: { spec: ParsedFault; remaining: number }[] = [];

  /** Validates and queues a fault; throws a zod error naming what is wrong. */
  add(spec: FaultSpec): void {
    const parsed = FaultSpec.parse(spec);
    // Either form of prefix works: `/sobjects/Lead` or `/services/data/v62.0/sobjects/Lead`.
    if (parsed.pathPrefix) parsed.pathPrefix = parsed.pathPrefix.replace(/^\/services\/data\/v\d+\.\d(?=\/|$)/, '') || '/';
    this.#rules.push({ spec: parsed, remaining: parsed.count });
  }

  clear(): void {
    this.#rules = [];
  }

  pending(): number {
    return this.#rules.reduce((n, r) => n + r.remaining, 0);
  }

  /** The fault for a call to `path` (version-relative), if one applies; using it counts it down. */
  take(path: string): Fault | undefined {
    const rule = this.#rules.find((r) => r.spec.pathPrefix === undefined || path.startsWith(r.spec.pathPrefix));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return toFault(rule.spec, path);
  }
}
