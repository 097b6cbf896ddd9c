/**
 * Typed client of the platform's Conversations API (shared/spec/conversations-api.md).
 * Arguments are checked before sending, responses are validated against schemas.ts, and
 * transient failures (429, 5xx, network, timeout) are retried with backoff and Retry-After.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { log } from '../log.ts';
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
  parsePlatform,
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
  /** Where the API lives; `/api/v1/...` is appended. A trailing slash is optional. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }),
  apiKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  /** Per attempt, body included. */
  timeoutMs: z.number().int().positive().optional(),
  retry: RetryOptions.optional(),
  /** Defaults to the global fetch, looked up at each call. */
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
          `next_cursor: ${JSON.stringify(page.next_cursor)} was already visited; following it would loop forever`,
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

function parseJsonResponse<T extends z.ZodType>(schema: T, body: string, request: string): z.infer<T> {
  const what = `response to ${request}`;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new PlatformDataError(what, [`body is not JSON (${(error as Error).message}): ${excerpt(body)}`]);
  }
  return parsePlatform(schema, json, what);
}

/** A response about another conversation than the one asked for must never be written under this id. */
function expectSameId(request: string, field: string, requested: string, returned: string): void {
  if (requested !== returned) {
    throw new PlatformDataError(`response to ${request}`, [
      `${field}: expected ${JSON.stringify(requested)} (the id requested), got ${JSON.stringify(returned)}`,
    ]);
  }
}

function statusFailure(response: Response, body: string): AttemptFailure {
  const { code, message } = platformErrorOf(body);
  const retryable = isRetryableStatus(response.status);
  return {
    status: response.status,
    code,
    detail: `${response.status}${code ? ` ${code}` : ''}: ${message || response.statusText || 'no message'}`,
    retryable,
    retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
  };
}

/** `{"error":{"code","message"}}` when the platform sent it; otherwise the start of whatever it sent. */
function platformErrorOf(body: string): { code?: string; message: string } {
  try {
    const parsed = PlatformErrorBody.safeParse(JSON.parse(body));
    if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
  } catch {
    // Not JSON (a proxy's HTML page, plain text): fall through to the raw text.
  }
  return { message: excerpt(body) };
}

function transportFailure(error: unknown, timeoutMs: number): AttemptFailure {
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

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
};
