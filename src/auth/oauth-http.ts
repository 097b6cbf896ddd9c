/**
 * HTTP to the CRMs' OAuth endpoints (token, introspection, identity, revoke) with native fetch:
 * a timeout on every call, and failures sorted into the two cases callers act on differently:
 * the CRM refused (the grant or code is bad: reconnect) or the CRM could not be reached (retry).
 */
import { z } from 'zod';
import { describeIssues } from '../zod-issues.ts';

export type Fetch = typeof fetch;

const TIMEOUT_MS = 15_000;

export class OAuthRequestError extends Error {
  /** `rejected`: the CRM answered 4xx (bad code, revoked grant, bad client); `unavailable`: network, timeout, 5xx, a body we cannot read. */
  readonly kind: 'rejected' | 'unavailable';
  /** The CRM's own code: `invalid_grant`, `BAD_REFRESH_TOKEN`, ... */
  readonly code: string | undefined;
  readonly status: number | undefined;

  constructor(kind: 'rejected' | 'unavailable', message: string, details: { code?: string | undefined; status?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = 'OAuthRequestError';
    this.kind = kind;
    this.code = details.code;
    this.status = details.status;
  }
}

export interface OAuthRequest<T> {
  /** For messages: "HubSpot token exchange". */
  what: string;
  url: string;
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent form-encoded. */
  form?: Record<string, string>;
  bearer?: string;
  /** Schema of a successful JSON body; omit for calls answered without one. */
  schema?: z.ZodType<T>;
  /** Reads the CRM's error code and message from a failed body. */
  errorOf: (body: unknown) => { code?: string | undefined; message?: string | undefined };
}

export async function oauthRequest<T>(fetchImpl: Fetch, request: OAuthRequest<T>): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  }
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(request.url, {
      method: request.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new OAuthRequestError('unavailable', `${request.what}: ${originOf(request.url)} did not answer (${(error as Error).message})`, { cause: error });
  }
  const json = parseJson(text);
  if (!response.ok) {
    const { code, message } = request.errorOf(json);
    const detail = [code, message].filter(Boolean).join(': ') || `HTTP ${response.status}`;
    const kind = response.status >= 400 && response.status < 500 && response.status !== 429 ? 'rejected' : 'unavailable';
    throw new OAuthRequestError(kind, `${request.what} failed: ${detail}`, { code, status: response.status });
  }
  if (!request.schema) return undefined as T;
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) {
    throw new OAuthRequestError('unavailable', `${request.what}: unexpected answer (${describeIssues(parsed.error).join('; ')})`, {
      status: response.status,
    });
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Never the path or query: those can hold tokens (HubSpot's introspection URLs do). */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'the CRM';
  }
};

/** `{ "error": ..., "error_description": ... }` (Salesforce, RFC 6749) or `{ "status": ..., "message": ... }` (HubSpot). */
export function standardOAuthError(body: unknown): { code?: string | undefined; message?: string | undefined } {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { code: text(b.error) ?? text(b.status), message: text(b.error_description) ?? text(b.message) };
}
