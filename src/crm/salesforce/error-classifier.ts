/**
 * Turns Salesforce failures into CrmErrors (retryable / auth / permanent), and points a
 * rejection at the mapping line of the field Salesforce named, so a dead-lettered conversation
 * says "Company: Required fields are missing (mappings/salesforce.default.yaml:31:7 …)".
 *
 * Failures arrive three ways: errors thrown by jsforce for a whole call (`HttpApiError`, whose
 * `errorCode` is Salesforce's or `ERROR_HTTP_<status>` for bodies that are not JSON), per-record
 * error arrays inside Composite and Collections answers, and network errors / timeouts.
 */
import { CrmError } from '../errors.ts';
import type { PlannedRecord, ValueOrigin } from '../write-plan.ts';
import { SalesforceErrorItem } from './responses.ts';

/** Try again later: Salesforce was busy, locked or out of calls; nothing was written. */
const RETRYABLE_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'QUERY_TIMEOUT',
  'REQUEST_RUNNING_TOO_LONG',
  'TIMEOUT',
]);

/** The connection itself is unusable until an admin acts (reconnect, re-enable API access). */
const AUTH_CODES = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'INVALID_GRANT',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'INVALID_LOGIN',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
]);

/**
 * Failures after which Salesforce certainly wrote nothing, so even a create may be sent again:
 * refused for load/limits/locks, or never reached (connection refused, DNS).
 */
const REFUSED_WITHOUT_EFFECT = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'ERROR_HTTP_503',
  'INVALID_SESSION_ID',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const TYPICAL_STATUS: Record<string, number> = {
  INVALID_SESSION_ID: 401,
  REQUEST_LIMIT_EXCEEDED: 403,
  API_DISABLED_FOR_ORG: 403,
  NOT_FOUND: 404,
  SERVER_UNAVAILABLE: 503,
  UNKNOWN_EXCEPTION: 500,
};

/** The raw Salesforce complaint, kept as the CrmError's `cause` (fields for origin lookup, logs). */
export class SalesforceApiError extends Error {
  readonly items: SalesforceErrorItem[];
  constructor(message: string, items: SalesforceErrorItem[]) {
    super(message);
    this.name = 'SalesforceApiError';
    this.items = items;
  }
}

export const errorCodeOf = (item: SalesforceErrorItem): string => item.errorCode ?? item.statusCode ?? 'UNKNOWN_ERROR';

function statusOf(code: string, status: number | undefined): number | undefined {
  if (status !== undefined) return status;
  const embedded = /^ERROR_HTTP_(\d{3})$/.exec(code);
  return embedded ? Number(embedded[1]) : TYPICAL_STATUS[code];
}

function kindOf(code: string, status: number | undefined): CrmError['kind'] {
  if (AUTH_CODES.has(code) || status === 401) return 'auth';
  if (RETRYABLE_CODES.has(code) || (status !== undefined && (status >= 500 || status === 408 || status === 429))) return 'retryable';
  return 'permanent';
}

/** One CrmError for the complaints about one call or record; `what` says what was being done. */
export function classifyErrorItems(items: SalesforceErrorItem[], what: string, status?: number): CrmError {
  const list = items.length > 0 ? items : [{ message: 'no reason given', errorCode: status ? `ERROR_HTTP_${status}` : 'UNKNOWN_ERROR' }];
  // The most actionable code first: an auth problem outranks a retry, a retry outranks a rejection.
  const rank = (item: SalesforceErrorItem) => ({ auth: 0, retryable: 1, permanent: 2 })[kindOf(errorCodeOf(item), statusOf(errorCodeOf(item), status))];
  const lead = [...list].sort((a, b) => rank(a) - rank(b))[0]!;
  const code = errorCodeOf(lead);
  const httpStatus = statusOf(code, status);
  const messages = [...new Set(list.map((item) => describeItem(item)))];
  const message = `Salesforce refused ${what}: ${messages.join('; ')}`;
  return new CrmError(kindOf(code, httpStatus), message, {
    code,
    ...(httpStatus !== undefined && { status: httpStatus }),
    cause: new SalesforceApiError(message, list),
  });
}

function describeItem(item: SalesforceErrorItem): string {
  const text = item.message.length > 1_000 ? `${item.message.slice(0, 1_000)}…` : item.message;
  const fields = item.fields?.filter((f) => !text.includes(f)) ?? [];
  return fields.length > 0 ? `${fields.join(', ')}: ${text}` : text;
}

/** Salesforce error items found in an answer body: `[{…}]`, `{…}`, or nothing usable. */
export function errorItemsOf(body: unknown): SalesforceErrorItem[] {
  const candidates = Array.isArray(body) ? body : [body];
  return candidates.flatMap((candidate) => {
    const parsed = SalesforceErrorItem.safeParse(candidate);
    return parsed.success && (parsed.data.errorCode || parsed.data.statusCode) ? [parsed.data] : [];
  });
}

interface JsforceHttpError extends Error {
  errorCode: string;
  data?: unknown;
}

const isJsforceHttpError = (error: unknown): error is JsforceHttpError =>
  error instanceof Error && typeof (error as Partial<JsforceHttpError>).errorCode === 'string';

/** A failure thrown by jsforce (or the network below it) for a whole call. */
export function classifyThrown(error: unknown, what: string): CrmError {
  if (error instanceof CrmError) return error;
  if (isJsforceHttpError(error)) {
    const fromData = errorItemsOf(error.data);
    const items = fromData.length > 0 ? fromData : [{ message: shorten(error.message), errorCode: error.errorCode }];
    return classifyErrorItems(items, what);
  }
  const reason = error instanceof Error ? error.message : String(error);
  const errno = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const timedOut = error instanceof Error && (error.name === 'AbortError' || /timeout/i.test(error.message));
  if (timedOut || errno !== undefined || (error instanceof Error && error.name === 'FetchError')) {
    return new CrmError('retryable', `Salesforce could not be reached for ${what}: ${reason}`, {
      code: timedOut ? 'TIMEOUT' : (errno ?? 'NETWORK'),
      cause: error,
    });
  }
  // Not Salesforce's answer nor the network: a bug here. Retrying may not help, but losing the job would be worse.
  return new CrmError('retryable', `unexpected failure while ${what}: ${reason}`, { code: 'UNEXPECTED', cause: error });
}

const shorten = (text: string): string => (text.length > 500 ? `${text.slice(0, 500)}…` : text);

/** True when Salesforce certainly wrote nothing, so sending a create again cannot duplicate it. */
export const refusedWithoutEffect = (error: CrmError): boolean => error.code !== undefined && REFUSED_WITHOUT_EFFECT.has(error.code);

/** `REQUEST_LIMIT_EXCEEDED` for the org's daily allocation (not the concurrent-request limit). */
export const isDailyLimitExceeded = (error: CrmError): boolean =>
  error.code === 'REQUEST_LIMIT_EXCEEDED' && /TotalRequests/i.test(error.message);

/** Field names Salesforce named in its complaints. */
export function complainedFields(error: CrmError): string[] {
  const cause = error.cause;
  if (!(cause instanceof SalesforceApiError)) return [];
  return cause.items.flatMap((item) => item.fields ?? []);
}

/**
 * The same error carrying the mapping origin of the field it is about: Salesforce's `fields`
 * first, else a property name quoted in the message ("No such column 'Foo' on sobject …"), else
 * — for rejections of the record as a whole (duplicate rules, validation rules without a field) —
 * the mapping line of the record's match key, which locates the object in the mapping.
 */
export function withOrigin(error: CrmError, record: PlannedRecord | undefined): CrmError {
  if (!record || error.kind !== 'permanent' || error.origin) return error;
  const lookup = (name: string) =>
    Object.entries(record.properties).find(([property]) => property.toLowerCase() === name.toLowerCase())?.[1].origin ??
    (record.match && record.match.property.toLowerCase() === name.toLowerCase() ? record.match.origin : undefined);
  const named = complainedFields(error);
  const candidates = named.length > 0 ? named : [...Object.keys(record.properties), ...(record.match ? [record.match.property] : [])].filter((name) => mentions(error.message, name));
  const origin = candidates.map(lookup).find((o) => o !== undefined) ?? record.match?.origin;
  return origin ? atOrigin(error, origin) : error;
}

/** The same error, pointing at a mapping line (kept if it already points at one). */
export function atOrigin(error: CrmError, origin: ValueOrigin | undefined): CrmError {
  if (!origin || error.origin) return error;
  return new CrmError(error.kind, error.message, {
    ...(error.status !== undefined && { status: error.status }),
    ...(error.code !== undefined && { code: error.code }),
    ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
    origin,
    cause: error.cause,
  });
}

function mentions(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${escaped}([^\\w]|$)`, 'i').test(message);
}
