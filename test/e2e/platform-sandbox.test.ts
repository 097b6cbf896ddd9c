/**
 * The platform sandbox, black-box through the connector's PlatformClient (raw fetch only where the
 * client refuses a request locally): every list parameter and edge, transcripts, delete, extraction
 * timing, errors and auth, and the CLI as a real process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PlatformApiError, PlatformClient } from '../../src/platform/client.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';

const API_KEY = 'sk_test_platform_sandbox';
const HISTORY = 260;

let sandbox: PlatformSandbox;
let client: PlatformClient;
/** Every conversation of the history, as one full walk returned it. */
let all: Conversation[];

const byPosition = (a: Conversation, b: Conversation): number =>
  Date.parse(a.started_at) - Date.parse(b.started_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function collect(params: Parameters<PlatformClient['iterateConversations']>[0]): Promise<Conversation[]> {
  const out: Conversation[] = [];
  for await (const c of client.iterateConversations(params)) out.push(c);
  return out;
}

async function raw(path: string, init: RequestInit = {}, key: string | null = API_KEY): Promise<{ status: number; body: any }> {
  const headers = key === null ? {} : { authorization: `Bearer ${key}` };
  const response = await fetch(`${sandbox.url}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

async function apiError(promise: Promise<unknown>): Promise<PlatformApiError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformApiError);
  return error as PlatformApiError;
}

beforeAll(async () => {
  sandbox = await startPlatformSandbox({ apiKey: API_KEY, seed: 11, conversations: HISTORY, extractionDelayMs: 1500 });
  client = new PlatformClient({ baseUrl: sandbox.url, apiKey: API_KEY, retry: { retries: 0 } });
  all = await collect({ limit: 200 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('list: pagination', () => {
  it('defaults to 50 per page and allows up to 200', async () => {
    const first = await client.listConversations();
    expect(first.data).toHaveLength(50);
    expect(first.next_cursor).not.toBeNull();
    const max = await client.listConversations({ limit: 200 });
    expect(max.data).toHaveLength(200);
    expect(max.data.slice(0, 50).map((c) => c.id)).toEqual(first.data.map((c) => c.id));
  });

  it('refuses limit 201, 0, fractions and words with a 400 that says what is allowed', async () => {
    for (const limit of ['201', '0', '1.5', 'ten', '']) {
      const { status, body } = await raw(`/api/v1/conversations?limit=${limit}`);
      expect(status, `limit=${limit}`).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.message).toContain('limit must be an integer from 1 to 200');
    }
  });

  it('walks every conversation exactly once, in (started_at, id) order, whatever the page size', async () => {
    expect(all).toHaveLength(HISTORY);
    expect(new Set(all.map((c) => c.id)).size).toBe(HISTORY);
    expect(all).toEqual([...all].sort(byPosition));
    const small = await collect({ limit: 37 });
    expect(small.map((c) => c.id)).toEqual(all.map((c) => c.id));
    const last = await client.listConversations({ limit: 200, cursor: (await client.listConversations({ limit: 200 })).next_cursor! });
    expect(last.data).toHaveLength(HISTORY - 200);
    expect(last.next_cursor).toBeNull();
  });

  it('stays exact when conversations are inserted and deleted between pages', async () => {
    const before = await collect({ limit: 200 });
    const seen: Conversation[] = [];
    let inserted: { late: Conversation[]; early: Conversation[] } | undefined;
    let deletedId: string | undefined;
    for await (const page of client.pages({ limit: 40 })) {
      seen.push(...page.data);
      if (!inserted) {
        // After the first page: new rows after the cursor, backdated rows before it, and one unseen row deleted.
        inserted = {
          late: sandbox.simulate(3),
          early: sandbox.simulate(2, { at: new Date(Date.parse(before[0]!.started_at) - 86_400_000) }),
        };
        deletedId = before[100]!.id;
        await client.deleteConversation(deletedId);
      }
    }
    const ids = seen.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const expected = [...before.filter((c) => c.id !== deletedId), ...inserted!.late].map((c) => c.id).sort();
    expect([...ids].sort()).toEqual(expected);
    for (const c of inserted!.early) expect(ids).not.toContain(c.id);
    // Put the fixture back the way the other tests expect it.
    for (const c of [...inserted!.late, ...inserted!.early]) await client.deleteConversation(c.id);
    all = all.filter((c) => c.id !== deletedId);
  });

  it('refuses a cursor used with other filters, and one it did not issue', async () => {
    const page = await client.listConversations({ outcome: 'completed', limit: 10 });
    const reused = await apiError(client.listConversations({ outcome: 'abandoned', cursor: page.next_cursor! }));
    expect(reused.status).toBe(400);
    expect(reused.code).toBe('invalid_cursor');
    expect(reused.message).toContain('different filters');
    // A different limit is fine: only the filters are bound to the cursor.
    const next = await client.listConversations({ outcome: 'completed', limit: 5, cursor: page.next_cursor! });
    expect(next.data).toHaveLength(5);
    const forged = await apiError(client.listConversations({ cursor: 'bm90LWEtY3Vyc29y' }));
    expect([forged.status, forged.code]).toEqual([400, 'invalid_cursor']);
  });
});

describe('list: filters', () => {
  it('since is inclusive and until exclusive, on the exact started_at of a conversation', async () => {
    const pivot = all[120]!;
    const t = pivot.started_at;
    const fromPivot = await collect({ since: t, limit: 200 });
    expect(fromPivot.map((c) => c.id)).toContain(pivot.id);
    expect(fromPivot.map((c) => c.id)).toEqual(all.filter((c) => Date.parse(c.started_at) >= Date.parse(t)).map((c) => c.id));
    const beforePivot = await collect({ until: t, limit: 200 });
    expect(beforePivot.map((c) => c.id)).not.toContain(pivot.id);
    expect(beforePivot.map((c) => c.id)).toEqual(all.filter((c) => Date.parse(c.started_at) < Date.parse(t)).map((c) => c.id));
    expect(fromPivot.length + beforePivot.length).toBe(all.length);

    const later = all[180]!.started_at;
    const window = await collect({ since: t, until: later });
    expect(window.map((c) => c.id)).toEqual(
      all.filter((c) => Date.parse(c.started_at) >= Date.parse(t) && Date.parse(c.started_at) < Date.parse(later)).map((c) => c.id),
    );
    expect(window.map((c) => c.id)).not.toContain(all[180]!.id);
  });

  it('takes dates (midnight UTC) and date-times with offsets, and refuses anything else', async () => {
    const day = all[130]!.started_at.slice(0, 10);
    const byDate = await collect({ since: day, limit: 200 });
    expect(byDate.map((c) => c.id)).toEqual((await collect({ since: `${day}T00:00:00Z`, limit: 200 })).map((c) => c.id));
    expect(byDate.map((c) => c.id)).toEqual((await collect({ since: `${day}T02:00:00+02:00`, limit: 200 })).map((c) => c.id));
    expect(byDate.every((c) => c.started_at >= day)).toBe(true);
    expect(byDate.length).toBeGreaterThan(0);
    for (const bad of ['yesterday', '2026-02-30', '2026-04-01T12:00:00', '2026-04-01T12:00:00 02:00']) {
      const { status, body } = await raw(`/api/v1/conversations?since=${encodeURIComponent(bad)}`);
      expect(status, bad).toBe(400);
      expect(body.error.message).toContain('since must be an ISO 8601 date');
    }
    const reversed = await raw('/api/v1/conversations?since=2026-04-02&until=2026-04-01');
    expect(reversed.status).toBe(400);
  });

  it('filters by widget and by outcome, alone and together', async () => {
    const widget = 'wgt_abc123';
    const ofWidget = await collect({ widget_id: widget, limit: 200 });
    expect(ofWidget.length).toBeGreaterThan(0);
    expect(ofWidget.map((c) => c.id)).toEqual(all.filter((c) => c.widget_id === widget).map((c) => c.id));
    for (const outcome of ['completed', 'abandoned', 'error'] as const) {
      const ofOutcome = await collect({ outcome, limit: 50 });
      expect(ofOutcome.length, outcome).toBeGreaterThan(0);
      expect(ofOutcome.map((c) => c.id)).toEqual(all.filter((c) => c.outcome === outcome).map((c) => c.id));
    }
    const both = await collect({ widget_id: widget, outcome: 'completed', since: all[50]!.started_at });
    expect(both.map((c) => c.id)).toEqual(
      all.filter((c) => c.widget_id === widget && c.outcome === 'completed' && byPosition(c, all[50]!) >= 0).map((c) => c.id),
    );
    expect((await client.listConversations({ widget_id: 'wgt_unknown' })).data).toEqual([]);
  });

  it('refuses an unknown outcome and repeated parameters with a 400 naming them', async () => {
    const outcome = await raw('/api/v1/conversations?outcome=won');
    expect(outcome.status).toBe(400);
    expect(outcome.body.error.message).toBe('outcome must be one of completed, abandoned, error; got "won"');
    const repeated = await raw('/api/v1/conversations?limit=5&limit=6');
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.message).toContain('limit was given more than once');
  });
});

describe('one conversation', () => {
  it('is served by id, and a missing one is a 404 with the error body', async () => {
    const c = all[7]!;
    expect(await client.getConversation(c.id)).toEqual(c);
    const missing = await apiError(client.getConversation('conv_does_not_exist'));
    expect([missing.status, missing.code]).toEqual([404, 'not_found']);
    const { status, body } = await raw('/api/v1/conversations/conv_does_not_exist/transcript');
    expect(status).toBe(404);
    expect(body).toEqual({ error: { code: 'not_found', message: 'conversation conv_does_not_exist does not exist' } });
    expect((await raw('/api/v1/nothing-here')).body.error.code).toBe('not_found');
  });

  it('exports the transcript as txt, md and json with speaker labels', async () => {
    const c = all.find((x) => x.transcript.some((t) => t.role === 'user'))!;
    const txt = await client.getTranscript(c.id, 'txt');
    const txtTurns = txt.split('\n').filter((line) => line.startsWith('['));
    expect(txtTurns).toHaveLength(c.transcript.length);
    expect(txtTurns[0]).toBe(`[${c.transcript[0]!.ts}] Agent: ${c.transcript[0]!.text.split('\n')[0]}`);
    expect(txtTurns.some((line) => /^\[[^\]]+\] Visitor: /.test(line))).toBe(true);

    const md = await client.getTranscript(c.id, 'md');
    expect(md.startsWith(`# Conversation ${c.id}\n`)).toBe(true);
    expect(md).toContain(`**Agent** (${c.transcript[0]!.ts.slice(11, 19)} UTC): `);
    expect(md).toContain('**Visitor** (');

    const json = await client.getTranscript(c.id, 'json');
    expect(json.conversation_id).toBe(c.id);
    expect(json.turns).toEqual(c.transcript.map((t) => ({ speaker: t.role === 'agent' ? 'Agent' : 'Visitor', role: t.role, text: t.text, ts: t.ts })));
    expect((await raw(`/api/v1/conversations/${c.id}/transcript?format=json`)).body).toEqual(json);

    const bad = await raw(`/api/v1/conversations/${c.id}/transcript?format=pdf`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('format must be one of txt, md, json');
  });

  it('exports a transcript over 70,000 characters whole', async () => {
    const long = all.find((c) => c.transcript.reduce((n, t) => n + t.text.length, 0) > 70_000)!;
    expect(long).toBeDefined();
    const md = await client.getTranscript(long.id, 'md');
    expect(md.length).toBeGreaterThan(70_000);
    expect(md).toContain(long.transcript.at(-1)!.text.split('\n')[0]!);
  });

  it('delete removes the conversation everywhere but keeps its usage record, anonymised', async () => {
    const victim = all[42]!;
    const usageBefore = (await raw('/api/v1/usage')).body.data as { id: string; conversation_id: string | null }[];
    const record = usageBefore.find((u) => u.conversation_id === victim.id)!;
    expect(record).toMatchObject({ widget_id: victim.widget_id, credits_charged: victim.credits_charged, ended_at: victim.ended_at });

    expect((await raw(`/api/v1/conversations/${victim.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await apiError(client.getConversation(victim.id))).status).toBe(404);
    expect((await apiError(client.getTranscript(victim.id, 'json'))).status).toBe(404);
    expect((await collect({ limit: 200 })).map((c) => c.id)).not.toContain(victim.id);
    expect((await raw(`/api/v1/conversations/${victim.id}`, { method: 'DELETE' })).status).toBe(404);

    const usageAfter = (await raw('/api/v1/usage')).body.data as { id: string; conversation_id: string | null }[];
    expect(usageAfter).toHaveLength(usageBefore.length);
    expect(usageAfter.find((u) => u.id === record.id)).toEqual({ ...record, conversation_id: null });
    expect(JSON.stringify(usageAfter)).not.toContain(victim.id);
    all = all.filter((c) => c.id !== victim.id);
  });
});

describe('extraction timing', () => {
  it('serves a just-ended conversation with empty extraction, then populated', async () => {
    const [fresh] = sandbox.simulate(1, { outcome: 'completed', spreadMs: 0 });
    const early = await client.getConversation(fresh!.id);
    expect(early.extracted_data).toEqual({});
    expect(early.criteria_results).toEqual({});
    expect(early.transcript).toEqual(fresh!.transcript);
    const listed = await client.listConversations({ since: fresh!.started_at });
    expect(listed.data.find((c) => c.id === fresh!.id)?.extracted_data).toEqual({});

    await vi.waitFor(
      async () => {
        const later = await client.getConversation(fresh!.id);
        expect(later.extracted_data).toEqual(fresh!.extracted_data);
        expect(later.criteria_results).toEqual(fresh!.criteria_results);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(Object.keys(fresh!.extracted_data).length).toBeGreaterThan(0);
    await client.deleteConversation(fresh!.id);
  });
});

describe('auth', () => {
  it('answers 401 with the error body for a missing or wrong key', async () => {
    const missing = await raw('/api/v1/conversations', {}, null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toEqual({ code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') });
    const wrong = await apiError(new PlatformClient({ baseUrl: sandbox.url, apiKey: 'sk_wrong', retry: { retries: 0 } }).listConversations());
    expect([wrong.status, wrong.code]).toEqual([401, 'unauthorized']);
    expect((await raw(`/api/v1/conversations/${all[0]!.id}`, { method: 'DELETE' }, 'sk_wrong')).status).toBe(401);
    expect(await client.getConversation(all[0]!.id)).toBeDefined();
  });
});

describe('CLI', () => {
  it('serves on the given port, prints URL and API key, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/cli.ts', 'sandbox', 'platform', '--port', '0', '--conversations', '7', '--seed', '5', '--api-key', 'sk_cli_test_key'], {
      cwd: new URL('../..', import.meta.url),
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await vi.waitFor(() => {
        out += child.stdout.read() ?? '';
        expect(out).toContain('Ctrl-C stops it.');
      }, { timeout: 15_000, interval: 50 });
      const url = /Platform sandbox: (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/conversations/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(out).toContain('API key:          sk_cli_test_key');
      const cliClient = new PlatformClient({ baseUrl: url!, apiKey: 'sk_cli_test_key', retry: { retries: 0 } });
      expect((await cliClient.listConversations()).data).toHaveLength(7);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
