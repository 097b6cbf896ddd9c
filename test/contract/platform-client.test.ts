/**
 * The exact HTTP the Conversations API client sends and how it handles every kind of answer.
 * nock intercepts native fetch; the timeout tests use a real loopback server because nock's
 * delayed replies crash undici when the request is aborted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { PlatformApiError, PlatformArgumentError, PlatformClient, type PlatformClientOptions } from '../../src/platform/client.ts';
import { PlatformDataError } from '../../src/platform/schemas.ts';

const BASE = 'https://platform.example.test';
const API_KEY = 'sk_live_secret_123';
const LIST = '/api/v1/conversations';

const conversation = (id: string) => ({
  id,
  widget_id: 'wgt_abc123',
  started_at: '2026-04-10T12:34:00Z',
  ended_at: '2026-04-10T12:36:07Z',
  duration_seconds: 127,
  credits_charged: 127,
  page_url: 'https://northwindcatering.example/catering',
  outcome: 'completed',
  visitor: { ip_country: 'US', ip_region: 'CA', user_agent: 'Mozilla/5.0' },
  transcript: [{ role: 'user', text: 'Do you cater vegan?', ts: '2026-04-10T12:34:08Z' }],
  tool_calls: [],
  extracted_data: { email: 'ada@example.com' },
  criteria_results: { collected_contact_info: { passed: true, reasoning: 'email given' } },
});

const page = (ids: string[], next: string | null) => ({ data: ids.map(conversation), next_cursor: next });

/** Small delays keep retry tests fast; the schedule itself is unit-tested in platform-retry. */
const client = (options: Partial<PlatformClientOptions> = {}) =>
  new PlatformClient({ baseUrl: BASE, apiKey: API_KEY, retry: { minDelayMs: 1, maxDelayMs: 5 }, ...options });

/** Matches only this exact path and query string, byte for byte (nock's own query matching ignores order). */
const exactly = (expected: string) => (uri: string) => uri === expected;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('list conversations: query strings', () => {
  it.each([
    [{}, LIST],
    [{ widget_id: 'wgt_abc123' }, `${LIST}?widget_id=wgt_abc123`],
    [{ since: '2026-04-01' }, `${LIST}?since=2026-04-01`],
    [{ until: '2026-04-10T12:00:00Z' }, `${LIST}?until=2026-04-10T12%3A00%3A00Z`],
    [{ outcome: 'abandoned' as const }, `${LIST}?outcome=abandoned`],
    [{ limit: 200 }, `${LIST}?limit=200`],
    [{ cursor: 'c_2/x+y' }, `${LIST}?cursor=c_2%2Fx%2By`],
    [
      {
        cursor: 'c_2',
        limit: 1,
        outcome: 'error' as const,
        until: '2026-04-10T12:00:00+02:00',
        since: '2026-04-01',
        widget_id: 'wgt_abc123',
      },
      `${LIST}?widget_id=wgt_abc123&since=2026-04-01&until=2026-04-10T12%3A00%3A00%2B02%3A00&outcome=error&limit=1&cursor=c_2`,
    ],
  ])('%j → %s', async (params, expected) => {
    const scope = nock(BASE).get(exactly(expected)).reply(200, page(['conv_1'], null));
    const result = await client().listConversations(params);
    expect(result.data.map((c) => c.id)).toEqual(['conv_1']);
    expect(result.next_cursor).toBeNull();
    scope.done();
  });
});

describe('headers and URLs', () => {
  it('sends the Bearer key, Accept and User-Agent', async () => {
    const scope = nock(BASE, {
      reqheaders: { authorization: `Bearer ${API_KEY}`, accept: 'application/json', 'user-agent': `crm-connector/${pkg.version}` },
    })
      .get(`${LIST}/conv_1`)
      .reply(200, conversation('conv_1'));
    const got = await client().getConversation('conv_1');
    expect(got.extracted_data.email).toBe('ada@example.com');
    scope.done();
  });

  it('joins a base URL with a path prefix and a trailing slash, and URL-encodes ids', async () => {
    const scope = nock(BASE).get('/platform/api/v1/conversations/conv%2F1%20x').reply(200, conversation('conv/1 x'));
    const got = await client({ baseUrl: `${BASE}/platform/` }).getConversation('conv/1 x');
    expect(got.id).toBe('conv/1 x');
    scope.done();
  });

  it('uses options.fetch when given', async () => {
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(`${init?.method} ${String(input)}`);
      return fetch(input, init);
    };
    const scope = nock(BASE).get(`${LIST}/conv_1`).reply(200, conversation('conv_1'));
    await client({ fetch: recordingFetch }).getConversation('conv_1');
    expect(seen).toEqual([`GET ${BASE}${LIST}/conv_1`]);
    scope.done();
  });

  it('refuses bad options without echoing the key', () => {
    expect(() => new PlatformClient({ baseUrl: 'platform.example.test', apiKey: API_KEY })).toThrow(
      /baseUrl: must be an absolute http\(s\) URL/,
    );
    expect(() => new PlatformClient({ baseUrl: 'ftp://platform.example.test', apiKey: API_KEY })).toThrow(/baseUrl/);
    expect(() => new PlatformClient({ baseUrl: BASE, apiKey: '' })).toThrow(/apiKey: must not be empty/);
    // A fragment or query would swallow the appended API path; user info would travel to the host.
    expect(() => new PlatformClient({ baseUrl: `${BASE}#`, apiKey: API_KEY })).toThrow(/baseUrl: must not contain a fragment/);
    expect(() => new PlatformClient({ baseUrl: `${BASE}?x=1`, apiKey: API_KEY })).toThrow(/baseUrl: must not contain a query/);
    expect(() => new PlatformClient({ baseUrl: 'https://u:p@platform.example.test', apiKey: API_KEY })).toThrow(/baseUrl: must not contain a user name/);
    try {
      new PlatformClient({ baseUrl: BASE, apiKey: API_KEY, timeoutMs: -1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PlatformArgumentError);
      expect((error as Error).message).toMatch(/timeoutMs/);
      expect((error as Error).message).not.toContain(API_KEY);
    }
  });
});

describe('pagination', () => {
  const threePages = (query: string) =>
    nock(BASE)
      .get(exactly(`${LIST}?${query}`))
      .reply(200, page(['conv_1', 'conv_2'], 'c_2'))
      .get(exactly(`${LIST}?${query}&cursor=c_2`))
      .reply(200, page(['conv_3', 'conv_4'], 'c_3'))
      .get(exactly(`${LIST}?${query}&cursor=c_3`))
      .reply(200, page(['conv_5'], null));

  it('iterateConversations walks every page, keeping the filters on each request', async () => {
    const scope = threePages('widget_id=wgt_abc123&limit=2');
    const ids: string[] = [];
    for await (const c of client().iterateConversations({ widget_id: 'wgt_abc123', limit: 2 })) ids.push(c.id);
    expect(ids).toEqual(['conv_1', 'conv_2', 'conv_3', 'conv_4', 'conv_5']);
    scope.done();
  });

  it('pages yields each page with the cursor that fetched it', async () => {
    const scope = threePages('since=2026-04-01');
    const seen: Array<[string | undefined, string[], string | null]> = [];
    for await (const p of client().pages({ since: '2026-04-01' })) seen.push([p.cursor, p.data.map((c) => c.id), p.next_cursor]);
    expect(seen).toEqual([
      [undefined, ['conv_1', 'conv_2'], 'c_2'],
      ['c_2', ['conv_3', 'conv_4'], 'c_3'],
      ['c_3', ['conv_5'], null],
    ]);
    scope.done();
  });

  it('pages resumes from a checkpointed cursor', async () => {
    const scope = nock(BASE)
      .get(exactly(`${LIST}?cursor=c_3`))
      .reply(200, page(['conv_5'], null));
    const cursors: Array<string | undefined> = [];
    for await (const p of client().pages({ cursor: 'c_3' })) cursors.push(p.cursor);
    expect(cursors).toEqual(['c_3']);
    scope.done();
  });

  it('stops with an error when the platform hands back a cursor already visited', async () => {
    nock(BASE)
      .get(exactly(LIST))
      .reply(200, page(['conv_1'], 'c_2'))
      .get(exactly(`${LIST}?cursor=c_2`))
      .reply(200, page(['conv_2'], 'c_2'));
    const ids: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const c of client().iterateConversations()) ids.push(c.id);
      })(),
    );
    expect(ids).toEqual(['conv_1', 'conv_2']);
    expect(error).toBeInstanceOf(PlatformDataError);
    expect((error as Error).message).toMatch(/next_cursor: names a page already visited/);
  });
});

describe('argument checks happen before any request', () => {
  it('refuses limit 201 and sends nothing', async () => {
    const scope = nock(BASE).get(/.*/).reply(200, page([], null));
    const error = await rejection(client().listConversations({ limit: 201 }));
    expect(error).toBeInstanceOf(PlatformArgumentError);
    expect((error as Error).message).toContain('limit must be between 1 and 200 (got 201)');
    expect(() => client().pages({ limit: 201 })).toThrow(/limit must be between 1 and 200 \(got 201\)/);
    expect(() => client().iterateConversations({ since: '2026-04-02', until: '2026-04-01' })).toThrow(/since must be before until/);
    expect(scope.isDone()).toBe(false);
  });

  it('refuses an empty id and an unknown transcript format', async () => {
    const scope = nock(BASE).get(/.*/).reply(200, {});
    await expect(client().getConversation('')).rejects.toThrow(/conversation id: must be a non-empty string/);
    await expect(client().getTranscript('conv_1', 'pdf' as 'txt')).rejects.toThrow(/transcript format: must be one of txt, md, json \(got "pdf"\)/);
    expect(scope.isDone()).toBe(false);
  });
});

describe('retries', () => {
  it('waits out a 429 with Retry-After, then succeeds', async () => {
    const scope = nock(BASE)
      .get(`${LIST}/conv_1`)
      .reply(429, { error: { code: 'rate_limited', message: 'Slow down' } }, { 'Retry-After': '1' })
      .get(`${LIST}/conv_1`)
      .reply(200, conversation('conv_1'));
    expect((await client().getConversation('conv_1')).id).toBe('conv_1');
    scope.done();
  });

  it('reports what Retry-After asked for when it gives up on a 429', async () => {
    nock(BASE)
      .get(`${LIST}/conv_1`)
      .reply(429, { error: { code: 'rate_limited', message: 'Slow down' } }, { 'Retry-After': '30' });
    const error = (await rejection(client({ retry: { retries: 0 } }).getConversation('conv_1'))) as PlatformApiError;
    expect(error).toBeInstanceOf(PlatformApiError);
    expect([error.status, error.code, error.retryable, error.retryAfterMs, error.attempts]).toEqual([429, 'rate_limited', true, 30_000, 1]);
  });

  it('retries a 503, then succeeds', async () => {
    const scope = nock(BASE).get(`${LIST}/conv_1`).reply(503, 'upstream unavailable').get(`${LIST}/conv_1`).reply(200, conversation('conv_1'));
    expect((await client().getConversation('conv_1')).id).toBe('conv_1');
    scope.done();
  });

  it('retries a network error, then succeeds', async () => {
    const scope = nock(BASE)
      .get(`${LIST}/conv_1`)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get(`${LIST}/conv_1`)
      .reply(200, conversation('conv_1'));
    expect((await client().getConversation('conv_1')).id).toBe('conv_1');
    scope.done();
  });

  it('does not retry a 400 and surfaces the platform message', async () => {
    const scope = nock(BASE)
      .get(exactly(`${LIST}?cursor=bad`))
      .reply(400, { error: { code: 'invalid_cursor', message: 'Cursor is malformed or expired' } })
      .get(exactly(`${LIST}?cursor=bad`))
      .reply(200, page([], null));
    const error = (await rejection(client().listConversations({ cursor: 'bad' }))) as PlatformApiError;
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error.message).toBe(
      'Platform API GET /api/v1/conversations?cursor=bad failed: 400 invalid_cursor: Cursor is malformed or expired',
    );
    expect([error.status, error.code, error.retryable, error.attempts]).toEqual([400, 'invalid_cursor', false, 1]);
    expect(error.message).not.toContain(API_KEY);
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('turns a 404 into a PlatformApiError with status 404', async () => {
    nock(BASE).get(`${LIST}/conv_gone`).reply(404, { error: { code: 'not_found', message: 'No such conversation' } });
    const error = (await rejection(client().getConversation('conv_gone'))) as PlatformApiError;
    expect([error.status, error.code, error.retryable]).toEqual([404, 'not_found', false]);
    expect(error.message).toContain('GET /api/v1/conversations/conv_gone');
  });

  it('gives up after the configured retries and says so', async () => {
    const scope = nock(BASE).get(`${LIST}/conv_1`).times(5).reply(503, { error: { code: 'unavailable', message: 'Maintenance' } });
    const error = (await rejection(client().getConversation('conv_1'))) as PlatformApiError;
    expect([error.status, error.code, error.retryable, error.attempts]).toEqual([503, 'unavailable', true, 5]);
    expect(error.message).toBe('Platform API GET /api/v1/conversations/conv_1 failed: 503 unavailable: Maintenance (after 5 attempts)');
    scope.done();
  });

  it('tolerates a non-JSON error body, keeping none of it (the URL may be an internal service\'s)', async () => {
    nock(BASE).get(`${LIST}/conv_1`).reply(502, '<html><body>\n  <h1>Proxy secret-token-1</h1>\n</body></html>', { 'content-type': 'text/html' });
    const error = (await rejection(client({ retry: { retries: 0 } }).getConversation('conv_1'))) as PlatformApiError;
    expect([error.status, error.code, error.retryable]).toEqual([502, undefined, true]);
    expect(error.message).toBe('Platform API GET /api/v1/conversations/conv_1 failed: 502: Bad Gateway');
  });

  it('caps the message of the documented error shape', async () => {
    nock(BASE).get(`${LIST}/conv_1`).reply(400, { error: { code: 'bad', message: 'x'.repeat(5_000) } });
    const error = (await rejection(client().getConversation('conv_1'))) as PlatformApiError;
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).toMatch(/400 bad: x+\.\.\.$/);
  });

  it('reports a network error with its code when retries run out', async () => {
    nock(BASE)
      .get(`${LIST}/conv_1`)
      .times(2)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const error = (await rejection(client({ retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5 } }).getConversation('conv_1'))) as PlatformApiError;
    expect([error.status, error.code, error.retryable, error.attempts]).toEqual([undefined, 'ECONNREFUSED', true, 2]);
    expect(error.message).toMatch(/network error: connect ECONNREFUSED \(after 2 attempts\)/);
  });
});

describe('timeouts (real loopback server)', () => {
  let server: Server;
  let baseUrl: string;
  let requests = 0;
  /** Requests listed here hang without an answer; the others get a conversation. */
  let stalled = new Set<number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests += 1;
      if (stalled.has(requests)) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(conversation('conv_1')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    server.closeAllConnections();
    requests = 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries after a timeout, then succeeds', async () => {
    stalled = new Set([1]);
    const got = await client({ baseUrl, timeoutMs: 100 }).getConversation('conv_1');
    expect(got.id).toBe('conv_1');
    expect(requests).toBe(2);
  });

  it('reports a timeout as retryable with code "timeout"', async () => {
    stalled = new Set([1, 2]);
    const error = (await rejection(client({ baseUrl, timeoutMs: 100, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5 } }).getConversation('conv_1'))) as PlatformApiError;
    expect(error).toBeInstanceOf(PlatformApiError);
    expect([error.status, error.code, error.retryable, error.attempts]).toEqual([undefined, 'timeout', true, 2]);
    expect(error.message).toContain('no response within 100 ms');
  });
});

describe('malformed responses', () => {
  it('names the body that is not JSON, without retrying', async () => {
    const scope = nock(BASE).get(`${LIST}/conv_1`).reply(200, '{"id": "conv_1", ').get(`${LIST}/conv_1`).reply(200, conversation('conv_1'));
    const error = await rejection(client().getConversation('conv_1'));
    expect(error).toBeInstanceOf(PlatformDataError);
    expect((error as Error).message).toMatch(/^response to GET \/api\/v1\/conversations\/conv_1 is not valid: body is not JSON/);
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('says what was expected where without repeating the response (keys it does not know read [key])', async () => {
    nock(BASE)
      .get(`${LIST}/conv_1`)
      .reply(200, { ...conversation('conv_1'), outcome: 'secret-outcome', criteria_results: { 'secret-key-1': { passed: 'secret-value' } } });
    const error = (await rejection(client().getConversation('conv_1'))) as PlatformDataError;
    expect(error.issues).toEqual([expect.stringMatching(/^outcome: /), expect.stringMatching(/^criteria_results\.\[key\]\.passed: /)]);
    expect(error.message).not.toMatch(/secret/);
  });

  it('names the missing field of a conversation', async () => {
    const { widget_id: _omitted, ...broken } = conversation('conv_1');
    nock(BASE).get(`${LIST}/conv_1`).reply(200, broken);
    const error = (await rejection(client().getConversation('conv_1'))) as PlatformDataError;
    expect(error).toBeInstanceOf(PlatformDataError);
    expect(error.issues).toEqual([expect.stringMatching(/^widget_id: /)]);
  });

  it('names the bad field inside a list page', async () => {
    nock(BASE)
      .get(LIST)
      .reply(200, { data: [conversation('conv_1'), { ...conversation('conv_2'), outcome: 'won' }], next_cursor: null });
    const error = (await rejection(client().listConversations())) as PlatformDataError;
    expect(error.issues).toEqual([expect.stringMatching(/^data\.1\.outcome: /)]);
  });

  it('refuses a conversation that is not the one asked for', async () => {
    nock(BASE).get(`${LIST}/conv_1`).reply(200, conversation('conv_2'));
    const error = await rejection(client().getConversation('conv_1'));
    expect((error as Error).message).toMatch(/id: expected "conv_1" \(the id requested\), got another id/);
    expect((error as Error).message).not.toContain('conv_2');
  });
});

describe('transcripts', () => {
  it('fetches txt and md as text with matching Accept headers', async () => {
    const scope = nock(BASE)
      .get(exactly(`${LIST}/conv_1/transcript?format=txt`))
      .matchHeader('accept', /^text\/plain/)
      .reply(200, 'Visitor: Do you cater vegan?\n', { 'content-type': 'text/plain' })
      .get(exactly(`${LIST}/conv_1/transcript?format=md`))
      .matchHeader('accept', /^text\/markdown/)
      .reply(200, '**Visitor:** Do you cater vegan?\n', { 'content-type': 'text/markdown' });
    expect(await client().getTranscript('conv_1', 'txt')).toBe('Visitor: Do you cater vegan?\n');
    expect(await client().getTranscript('conv_1', 'md')).toBe('**Visitor:** Do you cater vegan?\n');
    scope.done();
  });

  it('fetches json as validated speaker-labelled turns', async () => {
    const body = { conversation_id: 'conv_1', turns: [{ speaker: 'Visitor', role: 'user', text: 'Do you cater vegan?', ts: '2026-04-10T12:34:08Z' }] };
    const scope = nock(BASE).get(exactly(`${LIST}/conv_1/transcript?format=json`)).reply(200, body);
    const transcript = await client().getTranscript('conv_1', 'json');
    expect(transcript.turns[0]?.speaker).toBe('Visitor');
    scope.done();
  });

  it('names the bad field of a json transcript', async () => {
    nock(BASE).get(exactly(`${LIST}/conv_1/transcript?format=json`)).reply(200, { conversation_id: 'conv_1', turns: [{ role: 'user', text: 'hi' }] });
    const error = (await rejection(client().getTranscript('conv_1', 'json'))) as PlatformDataError;
    expect(error.issues).toEqual([expect.stringMatching(/^turns\.0\.speaker: /), expect.stringMatching(/^turns\.0\.ts: /)]);
  });
});

describe('delete', () => {
  it('sends DELETE and resolves on 204', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${API_KEY}` } })
      .delete(`${LIST}/conv_1`)
      .reply(204);
    await expect(client().deleteConversation('conv_1')).resolves.toBeUndefined();
    scope.done();
  });

  it('rejects with status 404 when the conversation does not exist', async () => {
    nock(BASE).delete(`${LIST}/conv_x`).reply(404, { error: { code: 'not_found', message: 'No such conversation' } });
    const error = (await rejection(client().deleteConversation('conv_x'))) as PlatformApiError;
    expect([error.status, error.retryable]).toEqual([404, false]);
  });

  it('counts a 404 after an attempt with unknown outcome as deleted', async () => {
    const scope = nock(BASE).delete(`${LIST}/conv_1`).reply(503).delete(`${LIST}/conv_1`).reply(404);
    await expect(client().deleteConversation('conv_1')).resolves.toBeUndefined();
    scope.done();
  });
});
