/**
 * Turns HubSpot failures into CrmErrors (retryable / auth / permanent) and finds which of the
 * plan's properties a rejection is about, so the dead-letter entry can name the mapping line.
 */
import { CrmError } from '../errors.ts';
import type { PlannedRecord } from '../write-plan.ts';
import { HubSpotError } from './responses.ts';

/** How long to stop calling after a 429 without Retry-After, by HubSpot's `policyName`. */
export const DEFAULT_POLICY_WINDOWS_MS: Record<string, number> = {
  TEN_SECONDLY_ROLLING: 10_000,
  SECONDLY: 1_000,
  // The daily quota resets at midnight in the portal's time zone, which the adapter does not
  // know: pause for an hour at a time instead of hammering a closed door.
  DAILY: 3_600_000,
};
const UNKNOWN_POLICY_WINDOW_MS = 10_000;

/** The raw HTTP failure, kept as the CrmError's `cause` for logs and origin lookup. */
export class HubSpotResponseError extends Error {
  readonly status: number;
  readonly body: HubSpotError;
  readonly path: string;
  constructor(status: number, body: HubSpotError, path: string) {
    super(`HubSpot answered ${status} to ${path}`);
    this.name = 'HubSpotResponseError';
    this.status = status;
    this.body = body;
    this.path = path;
  }
}

/** A failure that is not an HTTP answer (connection refused, reset, DNS, our timeout). */
export class HubSpotTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HubSpotTransportError';
  }
}

/** A property-level complaint found in a HubSpot error body. */
interface PropertyComplaint {
  code?: string;
  name?: string;
  message?: string;
}

/** HubSpot's body as a HubSpotError; a non-JSON body becomes its `message`. */
export function asHubSpotError(body: unknown): HubSpotError {
  if (typeof body === 'string') return { message: body.slice(0, 2_000) };
  const parsed = HubSpotError.safeParse(body);
  return parsed.success ? parsed.data : { message: JSON.stringify(body)?.slice(0, 2_000) };
}

export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function rateLimitPauseMs(
  body: HubSpotError,
  retryAfter: string | null | undefined,
  policyWindows: Record<string, number> = DEFAULT_POLICY_WINDOWS_MS,
): number {
  return parseRetryAfterMs(retryAfter) ?? policyWindows[body.policyName ?? ''] ?? UNKNOWN_POLICY_WINDOW_MS;
}

/**
 * Old-style validation errors embed a JSON array in the message:
 * `Property values were not valid: [{"isValid":false,"message":"…","error":"INVALID_OPTION","name":"lifecyclestage"}]`.
 */
function embeddedComplaints(message: string | undefined): PropertyComplaint[] {
  const start = message?.indexOf('[') ?? -1;
  if (!message || start < 0 || !/not valid/i.test(message.slice(0, start))) return [];
  try {
    const items: unknown = JSON.parse(message.slice(start));
    if (!Array.isArray(items)) return [];
    return items.flatMap((item): PropertyComplaint[] =>
      typeof item === 'object' && item !== null
        ? [{
            code: typeof item.error === 'string' ? item.error : undefined,
            name: typeof item.name === 'string' ? item.name : undefined,
            message: typeof item.message === 'string' ? item.message : undefined,
          }]
        : [],
    );
  } catch {
    return [];
  }
}

/** Property names found in a `context` object: `{ propertyName: ["x"] }` or `{ propertyName: "x" }`. */
function contextPropertyNames(context: unknown): string[] {
  if (typeof context !== 'object' || context === null) return [];
  const value = (context as Record<string, unknown>).propertyName ?? (context as Record<string, unknown>).propertyNames;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function complaintsOf(body: HubSpotError): PropertyComplaint[] {
  const complaints = embeddedComplaints(body.message);
  for (const detail of body.errors ?? []) {
    const names = contextPropertyNames(detail.context);
    const nested = embeddedComplaints(detail.message);
    if (nested.length > 0) complaints.push(...nested);
    else if (names.length === 0) complaints.push({ code: detail.code, message: detail.message });
    else for (const name of names) complaints.push({ code: detail.code, name, message: detail.message });
  }
  for (const name of contextPropertyNames(body.context)) complaints.push({ name });
  return complaints;
}

/** The most specific code HubSpot gave: `INVALID_OPTION` beats `VALIDATION_ERROR`. */
function errorCode(body: HubSpotError): string | undefined {
  const specific = complaintsOf(body).find((c) => c.code)?.code;
  const sub = typeof body.subCategory === 'string' ? body.subCategory : undefined;
  return specific ?? sub ?? body.category ?? body.errorType;
}

function errorMessage(body: HubSpotError, status: number): string {
  const complaints = complaintsOf(body).filter((c) => c.message);
  if (complaints.length > 0) {
    return [...new Set(complaints.map((c) => (c.name && !c.message!.includes(c.name) ? `${c.name}: ${c.message}` : c.message!)))].join('; ');
  }
  return body.message || `HubSpot answered HTTP ${status}`;
}

function missingScopes(body: HubSpotError): string[] {
  const scopes = new Set<string>();
  for (const detail of body.errors ?? []) {
    const context = detail.context;
    if (typeof context !== 'object' || context === null) continue;
    for (const key of ['requiredGranularScopes', 'requiredScopes', 'missingScopes']) {
      const value = (context as Record<string, unknown>)[key];
      if (Array.isArray(value)) for (const s of value) if (typeof s === 'string') scopes.add(s);
    }
  }
  return [...scopes];
}

/** Classifies an HTTP error answer. 401s are `auth`; the caller refreshes before giving up. */
export function classifyResponse(status: number, body: HubSpotError, path: string, retryAfterMs?: number): CrmError {
  const cause = new HubSpotResponseError(status, body, path);
  const code = errorCode(body);
  const message = errorMessage(body, status);
  if (status === 429) {
    return new CrmError('retryable', `HubSpot rate limit reached: ${body.message ?? 'too many requests'}`, {
      status, code: body.policyName ?? body.errorType ?? 'RATE_LIMIT', retryAfterMs, cause,
    });
  }
  if (status === 401) return new CrmError('auth', `HubSpot rejected the access token: ${message}`, { status, code, cause });
  if (status === 403 && body.category === 'MISSING_SCOPES') {
    const scopes = missingScopes(body);
    const named = scopes.length > 0 ? ` (needs ${scopes.join(', ')})` : '';
    return new CrmError('auth', `The HubSpot app is missing scopes${named}: reconnect it to grant them. ${message}`, {
      status, code: 'MISSING_SCOPES', cause,
    });
  }
  if (status >= 500 || status === 408 || status === 423) {
    return new CrmError('retryable', `HubSpot is unavailable (${status}): ${message}`, { status, code, cause });
  }
  return new CrmError('permanent', message, { status, code, cause });
}

/** A network failure or timeout: the write may or may not have happened; try again later. */
export function classifyTransportFailure(error: unknown, path: string): CrmError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CrmError('retryable', `HubSpot could not be reached for ${path}: ${reason}`, {
    code: 'NETWORK', cause: error instanceof HubSpotTransportError ? error : new HubSpotTransportError(reason, { cause: error }),
  });
}

/** Anything thrown below the adapter as a CrmError; an unexpected throw is retryable. */
export function asCrmError(thrown: unknown): CrmError {
  if (thrown instanceof CrmError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new CrmError('retryable', `unexpected failure: ${message}`, { cause: thrown });
}

/** Classifies one entry of a 207 batch response's `errors`. */
export function classifyBatchError(entry: HubSpotError, path: string): CrmError {
  const status = typeof entry.status === 'string' && /^\d+$/.test(entry.status) ? Number(entry.status) : 400;
  return classifyResponse(status, entry, path);
}

/** Property names a permanent error complains about (empty when HubSpot did not say). */
export function complainedProperties(error: CrmError): string[] {
  const cause = error.cause;
  if (!(cause instanceof HubSpotResponseError)) return [];
  return complaintsOf(cause.body).flatMap((c) => (c.name ? [c.name] : []));
}

/**
 * The same error with the mapping origin of the property it is about, found from HubSpot's
 * property names or, failing those, a property name quoted in its message.
 */
export function withOrigin(error: CrmError, record: PlannedRecord): CrmError {
  if (error.kind !== 'permanent' || error.origin) return error;
  const named = complainedProperties(error);
  const candidates = named.length > 0 ? named : Object.keys(record.properties).filter((name) => mentions(error.message, name));
  let origin = candidates.map((name) => record.properties[name]?.origin).find((o) => o !== undefined);
  if (!origin && record.match && (named.includes(record.match.property) || mentions(error.message, record.match.property))) {
    origin = record.match.origin;
  }
  if (!origin) return error;
  return new CrmError(error.kind, error.message, {
    status: error.status, code: error.code, retryAfterMs: error.retryAfterMs, origin, cause: error.cause,
  });
}

function mentions(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${escaped}([^\\w]|$)`).test(message);
}
