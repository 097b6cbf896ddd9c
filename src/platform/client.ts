/**
 * Typed client of the platform's Conversations API (shared/spec/conversations-api.md).
 * Arguments are checked before sending, responses are validated against schemas.ts, and
 * transient failures (429, 5xx, network, timeout) are retried with backoff and Retry-After.
 */
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { log } from '../log.ts';
import { baseUrlShapeProblem } from '../net/base-url.ts';
import { outboundRefusalIn } from '../net/outbound-refused.ts';
import { describeIssues } from '../zod-issues.ts';
import { PlatformApiError, PlatformArgumentError } from './client-errors.ts';
import { type ListParams, listQuery, parseListParams } from './list-params.ts';
import { RetryOptions, isRetryableStatus, parseRetryAfter, retryDelayMs, retryPolicy, type RetryPolicy } from './retry-policy.ts';
import {
  Conversation,
  ConversationList,
  PlatformDataError,
  PlatformErrorBody,
  TranscriptExport,
  TranscriptFormat,
  parsePlatformResponse,
} from './schemas.ts';

export { ListParams, parseListParams } from './list-params.ts';
export { PlatformApiError, PlatformArgumentError } from './client-errors.ts';

export const DEFAULT_TIMEOUT_MS = 15_000;
const USER_AGENT = `crm-connector/${pkg.version}`;
const JSON_TYPE = 'application/json';
const TRANSCRIPT_ACCEPT: Record<TranscriptFormat, string> = {
  txt: 'text/plain, */*;q=0.1',
  md: 'text/markdown, text/plain;q=0.9, */*;q=0.1',
  json: JSON_TYPE,
};

export const PlatformClientOptions = z.object({
  /**
   * Where the API lives; `/api/v1/...` is appended. A trailing slash is optional; a query, fragment
   * or user name would swallow or leak what is appended, so they are refused.
   */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).superRefine((url, ctx) => {
    const problem = baseUrlShapeProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  apiKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  /** Per attempt, body included. */
  timeoutMs: z.number().int().positive().optional(),
  retry: RetryOptions.optional(),
  /**
   * Defaults to the global fetch, looked up at each call. A URL an admin entered must go through
   * the outbound guard's fetch instead (src/platform/installation-client.ts).
   */
  fetch: z.custom<typeof fetch>((v) => typeof v === 'function', { error: 'must be a fetch function' }).optional(),
});
export type PlatformClientOptions = z.infer<typeof PlatformClientOptions>;

/** One attempt's failure, before the client decides whether to try again. */
interface AttemptFailure {
  status?: number;
  code?: string;
  detail: string;
  retryable: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

interface RequestOptions {
  accept: string;
  /**
   * DELETE only: a 404 after an attempt whose outcome is unknown (no response, timeout, 5xx)
   * means that attempt deleted it, so the call succeeded.
   */
  notFoundAfterUnknownOutcomeIsDone?: boolean;
}

export class PlatformClient {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch | undefined;

  constructor(options: PlatformClientOptions) {
    const parsed = PlatformClientOptions.safeParse(options);
    if (!parsed.success) throw new PlatformArgumentError('PlatformClient options', describeIssues(parsed.error));
    this.#baseUrl = parsed.data.baseUrl.replace(/\/+$/, '');
    this.#apiKey = parsed.data.apiKey;
    this.#timeoutMs = parsed.data.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = retryPolicy(parsed.data.retry);
    this.#fetch = parsed.data.fetch;
  }

  /** One page. */
  async listConversations(params: ListParams = {}): Promise<ConversationList> {
    return this.#fetchPage(parseListParams(params));
  }

  /**
   * Every page from `params.cursor` (or the first) on, each with the cursor that fetched it, so a
   * backfill can checkpoint and resume. Parameters are checked when called, before any request.
   */
  pages(
    params: Omit<ListParams, 'cursor'> & { cursor?: string } = {},
  ): AsyncGenerator<ConversationList & { cursor: string | undefined }> {
    return this.#walkPages(parseListParams(params));
  }

  /** Every conversation of every page. */
  iterateConversations(params: Omit<ListParams, 'cursor'> = {}): AsyncGenerator<Conversation> {
    return conversationsOf(this.pages(params));
  }

  /** A 404 is a PlatformApiError with `status === 404`. */
  async getConversation(id: string): Promise<Conversation> {
    const path = conversationPath(id);
    const body = await this.#request('GET', path, { accept: JSON_TYPE });
    const conversation = parseJsonResponse(Conversation, body, `GET ${path}`);
    expectSameId(`GET ${path}`, 'id', id, conversation.id);
    return conversation;
  }

  getTranscript(id: string, format: 'txt' | 'md'): Promise<string>;
  getTranscript(id: string, format: 'json'): Promise<TranscriptExport>;
  async getTranscript(id: string, format: TranscriptFormat): Promise<string | TranscriptExport> {
    const checked = TranscriptFormat.safeParse(format);
    if (!checked.success) {
      throw new PlatformArgumentError('transcript format', [`must be one of txt, md, json (got ${JSON.stringify(format)})`]);
    }
    const path = `${conversationPath(id)}/transcript?${new URLSearchParams({ format: checked.data })}`;
    const body = await this.#request('GET', path, { accept: TRANSCRIPT_ACCEPT[checked.data] });
    if (checked.data !== 'json') return body;
    const transcript = parseJsonResponse(TranscriptExport, body, `GET ${path}`);
    expectSameId(`GET ${path}`, 'conversation_id', id, transcript.conversation_id);
    return transcript;
  }

  /** Permanent upstream; the platform keeps an anonymized usage record. */
  async deleteConversation(id: string): Promise<void> {
    await this.#request('DELETE', conversationPath(id), { accept: JSON_TYPE, notFoundAfterUnknownOutcomeIsDone: true });
  }

  async #fetchPage(params: ListParams): Promise<ConversationList> {
    const query = listQuery(params);
    const path = `/api/v1/conversations${query.size > 0 ? `?${query}` : ''}`;
    const body = await this.#request('GET', path, { accept: JSON_TYPE });
    return parseJsonResponse(ConversationList, body, `GET ${path}`);
  }

  async *#walkPages(params: ListParams): AsyncGenerator<ConversationList & { cursor: string | undefined }> {
    const visited = new Set<string>();
    let cursor = params.cursor;
    for (;;) {
      if (cursor !== undefined) visited.add(cursor);
      const page = await this.#fetchPage({ ...params, cursor });
      yield { ...page, cursor };
      if (page.next_cursor === null) return;
      if (visited.has(page.next_cursor)) {
        // A platform handing back an old cursor would otherwise make a backfill run forever.
        throw new PlatformDataError(`list page fetched with cursor ${JSON.stringify(cursor ?? null)}`, [
          'next_cursor: names a page already visited; following it would loop forever',
        ]);
      }
      cursor = page.next_cursor;
    }
  }

  /** Sends with retries; resolves with the body of a 2xx response, else throws a PlatformApiError. */
  async #request(method: 'GET' | 'DELETE', path: string, options: RequestOptions): Promise<string> {
    const headers = { Authorization: `Bearer ${this.#apiKey}`, Accept: options.accept, 'User-Agent': USER_AGENT };
    let outcomeUnknown = false;
    for (let attempt = 1; ; attempt++) {
      let failure: AttemptFailure;
      try {
        const fetchImpl = this.#fetch ?? globalThis.fetch;
        // The signal also bounds reading the body, so a stalled body is a timeout too.
        const response = await fetchImpl(`${this.#baseUrl}${path}`, {
          method,
          headers,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const body = await response.text();
        if (response.ok) return body;
        if (response.status === 404 && outcomeUnknown && options.notFoundAfterUnknownOutcomeIsDone) return '';
        failure = statusFailure(response, body);
      } catch (error) {
        failure = transportFailure(error, this.#timeoutMs);
      }
      if (failure.status === undefined || failure.status >= 500) outcomeUnknown = true;
      if (!failure.retryable || attempt > this.#retry.retries) {
        throw apiError(method, path, failure, attempt);
      }
      const delayMs = retryDelayMs(attempt - 1, failure.retryAfterMs, this.#retry);
      log.warn(
        { method, path, attempt, status: failure.status, code: failure.code, delayMs },
        `platform request failed (${failure.detail}); retrying`,
      );
      await sleep(delayMs);
    }
  }
}

async function* conversationsOf(pages: AsyncIterable<ConversationList>): AsyncGenerator<Conversation> {
  for await (const page of pages) yield* page.data;
}

function conversationPath(id: string): string {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new PlatformArgumentError('conversation id', [`must be a non-empty string (got ${JSON.stringify(id)})`]);
  }
  return `/api/v1/conversations/${encodeURIComponent(id)}`;
}

/**
 * Errors about a response say what was expected where, never what came back: the base URL is an
 * admin's input, so the answer may be an internal service's, and errors are shown and stored.
 */
function parseJsonResponse<T extends z.ZodType>(schema: T, body: string, request: string): z.infer<T> {
  const what = `response to ${request}`;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // The parser's message quotes the body: not repeated.
    throw new PlatformDataError(what, [`body is not JSON (${body.length} characters)`]);
  }
  return parsePlatformResponse(schema, json, what);
}

/** A response about another conversation than the one asked for must never be written under this id. */
function expectSameId(request: string, field: string, requested: string, returned: string): void {
  if (requested !== returned) {
    throw new PlatformDataError(`response to ${request}`, [`${field}: expected ${JSON.stringify(requested)} (the id requested), got another id`]);
  }
}

function statusFailure(response: Response, body: string): AttemptFailure {
  const { code, message } = platformErrorOf(body);
  const retryable = isRetryableStatus(response.status);
  return {
    status: response.status,
    code,
    // The standard reason phrase, not the server's own (it is free text too).
    detail: `${response.status}${code ? ` ${code}` : ''}: ${message ?? STATUS_CODES[response.status] ?? 'no message'}`,
    retryable,
    retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
  };
}

/** The longest platform error message kept: enough for the platform's own, too little to carry a document. */
const MAX_ERROR_MESSAGE = 200;
const MAX_ERROR_CODE = 64;

/**
 * `{"error":{"code","message"}}` when the platform sent it (message capped), else nothing: any
 * other body (a proxy's HTML page, an internal service's answer) is neither shown nor stored.
 */
function platformErrorOf(body: string): { code?: string; message?: string } {
  try {
    const parsed = PlatformErrorBody.safeParse(JSON.parse(body));
    if (parsed.success) return { code: parsed.data.error.code?.slice(0, MAX_ERROR_CODE), message: capped(parsed.data.error.message) };
  } catch {
    // Not JSON: nothing of it is kept.
  }
  return {};
}

function transportFailure(error: unknown, timeoutMs: number): AttemptFailure {
  const refusal = outboundRefusalIn(error);
  if (refusal) return { code: refusal.code, detail: refusal.message, retryable: false, cause: error };
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { code: 'timeout', detail: `no response within ${timeoutMs} ms`, retryable: true, cause: error };
  }
  // undici reports "fetch failed" and puts the system error (ECONNRESET, ENOTFOUND...) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    code: typeof code === 'string' ? code : undefined,
    detail: `network error: ${message}`,
    retryable: true,
    cause: error,
  };
}

function apiError(method: string, path: string, failure: AttemptFailure, attempts: number): PlatformApiError {
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new PlatformApiError(`Platform API ${method} ${path} failed: ${failure.detail}${tries}`, {
    method,
    path,
    status: failure.status,
    code: failure.code,
    retryable: failure.retryable,
    attempts,
    retryAfterMs: failure.retryAfterMs,
    cause: failure.cause,
  });
}

const capped = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ERROR_MESSAGE ? `${flat.slice(0, MAX_ERROR_MESSAGE - 3)}...` : flat;
};
