/**
 * Bad input, seeded and bounded (FUZZ_SEED replays a run; FUZZ_CASES scales it):
 * - webhooks: a real `serve --role web` process gets thousands of malformed deliveries (missing,
 *   garbled, duplicated and stale signature headers, non-JSON, wrong types, unicode, deep nesting,
 *   bodies over the limit, wrong paths and methods) next to valid ones. It must never answer 5xx
 *   nor crash, must answer every 4xx with a JSON `{ error: { code, message } }`, and must answer
 *   each kind of mistake with its status (401 signature, 400 body, 413 size, 404 route).
 * - mapping files: mutations of the shipped mappings (deleted keys, wrong types, unknown
 *   transforms, deep nesting, broken YAML) through the loader: it never throws, and every
 *   rejected file has problems, each at a real file:line:column with a message.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingText } from '../../src/mapping/load.ts';
import { spawnServe, type ServeProcess } from '../support/serve-process.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret } from '../support/sync-harness.ts';
import { SeededRandom } from './seeded-random.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const CASES = Number(process.env.FUZZ_CASES ?? 2_000);
/** A mapping load takes ~7 ms (YAML with positions, schema, semantic checks): fewer cases keep the file fast. */
const MAPPING_CASES = Math.ceil(CASES / 3);
const MAX_BODY_BYTES = 64 * 1024;
const CONCURRENCY = 16;

interface WebhookCase {
  kind: string;
  method: string;
  path: string;
  /** Header name → value, or several values (sent as repeated header lines). */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The statuses this kind of input must get. */
  expected: number[];
}

interface Answer {
  status: number;
  body: string;
}

const ACCEPTED = [200, 202];

/** Bodies and what a correctly signed delivery of each must get. */
function fuzzBody(rng: SeededRandom): { kind: string; body: Buffer; expected: number[] } {
  const event = (data: unknown, type: unknown = rng.pick(['conversation.ended', 'criteria.evaluated']), timestamp: unknown = new Date().toISOString()) =>
    Buffer.from(JSON.stringify({ type, timestamp, data }));
  const ids = () => ({ conversation_id: `conv_${rng.int(0, 1e9)}`, widget_id: `wgt_${rng.int(0, 99)}` });
  const unicode = ['😀🎉', 'שלום', 'ｆｕｌｌ', 'a\u200bb', '\u0000nul', '\ud800lone', 'Ω≈ç√', '\u202eevil', 'e\u0301'];
  const wrongValues = [42, null, true, [], {}, '', -1.5, ['x']];
  switch (rng.int(0, 11)) {
    case 0:
      return { kind: 'valid event', body: event(ids()), expected: ACCEPTED };
    case 1:
      return { kind: 'unknown event type', body: event({ anything: rng.int(0, 9) }, `widget.${rng.pick(['created', 'deleted', 'x'])}`), expected: ACCEPTED };
    case 2:
      return { kind: 'random bytes', body: rng.bytes(rng.int(1, 300)), expected: [400] };
    case 3: {
      const text = event(ids()).toString();
      return { kind: 'truncated JSON', body: Buffer.from(text.slice(0, rng.int(0, text.length - 1))), expected: [400] };
    }
    case 4: {
      const field = rng.pick(['type', 'timestamp', 'data']);
      const wrong = rng.pick(wrongValues.filter((v) => field !== 'data' || typeof v !== 'object' || v === null || Array.isArray(v)));
      const base: Record<string, unknown> = { type: 'conversation.ended', timestamp: new Date().toISOString(), data: ids() };
      base[field] = field === 'timestamp' && typeof wrong === 'string' ? 'yesterday' : wrong;
      return { kind: `wrong type: ${field}`, body: Buffer.from(JSON.stringify(base)), expected: [400] };
    }
    case 5: {
      const data: Record<string, unknown> = ids();
      const field = rng.pick(['conversation_id', 'widget_id']);
      if (rng.chance(0.5)) delete data[field];
      else data[field] = rng.pick(wrongValues);
      return { kind: `bad data.${field}`, body: event(data), expected: [400] };
    }
    case 6: {
      const [a, b] = [rng.pick(unicode), rng.pick(unicode)];
      // NUL and unpaired surrogates cannot be stored (Postgres text, jsonb): such an id is a bad event, explained, not a 500.
      const expected = `${a}${b}`.includes('\u0000') || !`${a}${b}`.isWellFormed() ? [400] : ACCEPTED;
      return { kind: 'unicode ids', body: event({ conversation_id: `conv_${a}${rng.int(0, 1e9)}`, widget_id: b }), expected };
    }
    case 7: {
      // A hint carrying a broken conversation object: the connector fetches the real one, so it is accepted.
      return { kind: 'garbage embedded conversation', body: event({ ...ids(), conversation: { id: 42, transcript: 'nope' } }), expected: ACCEPTED };
    }
    case 8: {
      const depth = rng.int(100, 20_000);
      const text = `{"type":"conversation.ended","timestamp":"${new Date().toISOString()}","data":{"conversation_id":"conv_deep_${rng.int(0, 1e9)}","widget_id":"w","x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      return { kind: 'deep nesting', body: Buffer.from(text), expected: ACCEPTED };
    }
    case 9:
      return { kind: 'over the size limit', body: Buffer.alloc(MAX_BODY_BYTES + rng.int(1, 100_000), 0x61), expected: [413] };
    case 10:
      return { kind: 'not an object', body: Buffer.from(JSON.stringify(rng.pick([[], [1, 2], 42, 'text', null, true]))), expected: [400] };
    default:
      return { kind: 'empty body', body: Buffer.alloc(0), expected: [400] };
  }
}

/** A delivery: a body, signed, then (maybe) its headers, path or method mangled. */
function fuzzCase(rng: SeededRandom, secret: string): WebhookCase {
  const body = fuzzBody(rng);
  // Some ids are latin-1 (header bytes above ASCII), some repeat (redeliveries: 200 duplicate).
  const id = rng.chance(0.1) ? `msg_é${rng.int(0, 1e9)}` : rng.chance(0.1) ? `msg_again_${rng.int(0, 9)}` : `msg_${randomBytes(8).toString('hex')}`;
  const at = new Date();
  const sign = (signedAt = at, signedId = id) => new Webhook(secret).sign(signedId, signedAt, body.body);
  const headers: Record<string, string | string[]> = {
    'content-type': rng.pick(['application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-8']),
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': sign(),
  };
  const delivery = (kind: string, expected: number[], path = '/webhooks/platform', method = 'POST'): WebhookCase => ({
    kind: `${body.kind}; ${kind}`, method, path, headers, body: body.body, expected,
  });
  // Size is checked before the signature, the signature before the body: the first failing check answers.
  const bodyOr = (status: number) => (body.expected.includes(413) ? [413] : [status]);
  switch (rng.int(0, 14)) {
    case 0: {
      const name = rng.pick(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      delete headers[name];
      return delivery(`no ${name}`, bodyOr(401));
    }
    case 1:
      headers['webhook-signature'] = rng.pick([
        `v1,${randomBytes(32).toString('base64')}`,
        `v2,${String(headers['webhook-signature']).slice(3)}`,
        'v1,',
        'garbage',
        `v1,${String(headers['webhook-signature']).slice(3, -4)}AAA=`,
        '',
      ]);
      return delivery('garbled signature', bodyOr(401));
    case 2: {
      const skew = rng.pick([-1, 1]) * rng.int(301, 10 * 365 * 86_400);
      const signedAt = new Date(at.getTime() + skew * 1000);
      headers['webhook-timestamp'] = String(Math.floor(signedAt.getTime() / 1000));
      headers['webhook-signature'] = sign(signedAt);
      return delivery('timestamp outside 5 minutes, correctly signed', bodyOr(401));
    }
    case 3:
      headers['webhook-timestamp'] = rng.pick(['abc', '1.5e9', '-1', '99999999999999999999', ' ', 'NaN', '0x6a0b1c2d']);
      return delivery('timestamp not unix seconds', bodyOr(401));
    case 4: {
      // Repeated header lines reach the verifier joined by ", ": one valid copy among them verifies, as in a list.
      const forged = `v1,${randomBytes(32).toString('base64')}`;
      const oneValid = rng.chance(0.5);
      headers['webhook-signature'] = oneValid ? [String(headers['webhook-signature']), forged] : [forged, `v1,${randomBytes(32).toString('base64')}`];
      return delivery(`signature header sent twice (${oneValid ? 'one' : 'no'} valid copy)`, oneValid ? body.expected : bodyOr(401));
    }
    case 5:
      headers['webhook-id'] = [id, `msg_other_${rng.int(0, 1e6)}`];
      return delivery('webhook-id sent twice', bodyOr(401));
    case 6:
      // Standard Webhooks: a space-separated list, as while the sender rotates secrets.
      headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')} ${String(headers['webhook-signature'])}`;
      return delivery('valid signature among others', body.expected);
    case 7:
      headers['webhook-signature'] = new Webhook(newWebhookSecret()).sign(id, at, body.body);
      return delivery('signed with another secret', bodyOr(401));
    case 8:
      // A declared size over the limit is refused before the installation is looked up.
      return delivery('unknown installation', bodyOr(404), `/webhooks/platform/inst_${rng.pick(['nope', '%C3%A9t%C3%A9', 'x'.repeat(200)])}`);
    case 9:
      return delivery('wrong method', [404], '/webhooks/platform', rng.pick(['GET', 'PUT', 'DELETE', 'PATCH']));
    case 10:
      return delivery('malformed path encoding', [400, 404], '/webhooks/platform/%E0%A4%A');
    default:
      return delivery('signed correctly', body.expected);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(baseUrl: string, c: WebhookCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(c.path, baseUrl), { method: c.method, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    for (const [name, value] of Object.entries(c.headers)) request.setHeader(name, value);
    request.setHeader('content-length', c.body.length);
    // A server may answer 413 and close before reading the rest of a huge body.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    request.end(c.body);
  });
}

/** What is wrong with an answer, or undefined when it is what this kind of input must get. */
function judge(c: WebhookCase, answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (!c.expected.includes(answer.status)) return `answered ${answer.status}, expected ${c.expected.join(' or ')}`;
  let json: { error?: { code?: unknown; message?: unknown }; status?: unknown };
  try {
    json = JSON.parse(answer.body) as typeof json;
  } catch {
    return `answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 100)}`;
  }
  if (answer.status >= 400) {
    const { code, message } = json.error ?? {};
    if (typeof code !== 'string' || code === '' || typeof message !== 'string' || message.length < 5) {
      return `answered ${answer.status} without an error code and message: ${answer.body.slice(0, 200)}`;
    }
  } else if (typeof json.status !== 'string') {
    return `answered ${answer.status} without a status: ${answer.body.slice(0, 200)}`;
  }
  return undefined;
}

const embedded = storeBackends().filter((backend) => backend.name === 'embedded');

describe.each(embedded)(`fuzzed webhooks against \`serve --role web\` on $name (seed ${SEED})`, (backend) => {
  let environment: StoreEnvironment;
  let web: ServeProcess;
  const secret = newWebhookSecret();
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    environment = await backend.create();
    web = await spawnServe('web', {
      ...environment.env,
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      // Thousands of deliveries in seconds: the per-installation rate limit is not what this test is about (test/security).
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
      // Single-tenant: the `default` installation holds the secret. Nothing here calls the platform or the CRM.
      PLATFORM_API_URL: 'http://127.0.0.1:9/',
      PLATFORM_API_KEY: 'fuzz',
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'pat-fuzz',
    });
    const rng = new SeededRandom(SEED);
    const cases = Array.from({ length: CASES }, () => fuzzCase(rng, secret));
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < cases.length; i = next++) {
          const c = cases[i]!;
          const answer = await send(web.url, c);
          const kind = c.kind.split(';')[1]!.trim().replace(/ \(.*\)$/, '');
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problem = judge(c, answer);
          if (problem) failures.push(`case ${i} (seed ${SEED}) [${c.kind}] ${c.method} ${c.path}: ${problem}`);
        }
      }),
    );
    console.info(`[fuzz] ${CASES} webhooks, seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 180_000);

  afterAll(async () => {
    agent.destroy();
    await web?.stop();
    await environment?.dispose();
  });

  it('answers every delivery with the status its mistake calls for, never 5xx, every rejection with a code and a reason', () => {
    expect(failures.slice(0, 20)).toEqual([]);
    // The run covered every kind of mangling, and both acceptance and each rejection status.
    expect(kinds.size).toBe(14); // 3 missing headers + 10 other manglings + signed correctly
    for (const status of [200, 202, 400, 401, 404, 413]) expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
  });

  it('is still up, healthy, and accepts a valid delivery; it logged no request failure', async () => {
    expect(web.process.exitCode).toBeNull();
    expect(web.process.signalCode).toBeNull();
    expect((await fetch(`${web.url}/readyz`)).status).toBe(200);
    const body = JSON.stringify({ type: 'conversation.ended', timestamp: new Date().toISOString(), data: { conversation_id: 'conv_after_fuzz', widget_id: 'w' } });
    const id = 'msg_after_fuzz';
    const answer = await send(web.url, {
      kind: 'final', method: 'POST', path: '/webhooks/platform', body: Buffer.from(body), expected: [202],
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, new Date(), body) },
    });
    expect(answer.status).toBe(202);
    expect(web.log.filter((entry) => Number(entry.level) >= 50)).toEqual([]);
  });
});

describe('fuzzed mapping files through the loader', () => {
  const shipped = ['hubspot.default.yaml', 'salesforce.default.yaml'].map((name) => ({
    name,
    text: readFileSync(path.join(ROOT, 'mappings', name), 'utf8'),
  }));

  /** Every path to a value in a parsed YAML tree. */
  function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [prefix];
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    return [prefix, ...entries.flatMap(([key, child]) => pathsOf(child, [...prefix, key]))];
  }
  function parentOf(root: unknown, at: (string | number)[]): Record<string | number, unknown> | undefined {
    let node = root as Record<string | number, unknown> | undefined;
    for (const key of at.slice(0, -1)) node = node?.[key] as Record<string | number, unknown> | undefined;
    return node;
  }
  const nested = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : depth % 2 ? [nested(depth - 1, leaf)] : { deeper: nested(depth - 1, leaf) });

  /** A structural mutation (the result is re-serialised, so it is valid YAML) or a textual one. */
  function mutate(rng: SeededRandom, text: string): { kind: string; text: string } {
    if (rng.chance(0.35)) {
      const lines = text.split('\n');
      const at = rng.int(0, lines.length - 1);
      const line = lines[at]!;
      const col = rng.int(0, line.length);
      const edits: [string, () => void][] = [
        ['tab indent', () => void (lines[at] = `\t${line}`)],
        ['unclosed quote', () => void (lines[at] = `${line.slice(0, col)}"${line.slice(col)}`)],
        ['deleted character', () => void (lines[at] = line.slice(0, Math.max(0, col - 1)) + line.slice(col))],
        ['duplicated line', () => void lines.splice(at, 0, line)],
        ['random bytes', () => void (lines[at] = `${line.slice(0, col)}${rng.bytes(rng.int(1, 12)).toString('latin1')}${line.slice(col)}`)],
        ['extra document', () => void lines.splice(at, 0, '---')],
        ['bad indentation', () => void (lines[at] = `${' '.repeat(rng.int(1, 7))}${line}`)],
        ['flow collection left open', () => void (lines[at] = `${line} [ {`)],
        ['anchor and alias', () => void (lines[at] = `${line} *nowhere`)],
      ];
      const [kind, apply] = rng.pick(edits);
      apply();
      return { kind, text: lines.join('\n') };
    }
    const tree = parseYaml(text) as unknown;
    const paths = pathsOf(tree).filter((p) => p.length > 0);
    const kinds = ['deleted key', 'wrong type', 'unknown transform', 'deep nesting', 'unknown key', 'huge string', 'emptied'] as const;
    const kind = rng.pick(kinds);
    const count = rng.int(1, 4);
    for (let n = 0; n < count; n++) {
      const target = rng.pick(paths);
      const parent = parentOf(tree, target);
      const key = target.at(-1)!;
      if (!parent || typeof parent !== 'object') continue;
      switch (kind) {
        case 'deleted key':
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
          break;
        case 'wrong type':
          parent[key] = rng.pick([42, true, null, [], {}, 'text', -0.5, [1, 'two'], { nested: { x: 1 } }]);
          break;
        case 'unknown transform':
          parent[key] = { source: 'extracted_data.email', transforms: [rng.pick(['shout', 'rot13', { truncate: 'ten' }, { split_name: 'middle' }, { map: 42 }, ''])] };
          break;
        case 'deep nesting':
          parent[key] = nested(rng.int(20, 400), 'leaf');
          break;
        case 'unknown key':
          if (!Array.isArray(parent)) parent[`unknwon_${rng.int(0, 99)}`] = 'value';
          break;
        case 'huge string':
          parent[key] = 'x'.repeat(rng.int(1_000, 100_000));
          break;
        case 'emptied':
          parent[key] = Array.isArray(parent[key]) ? [] : {};
          break;
      }
    }
    return { kind, text: stringifyYaml(tree) };
  }

  it('never throws, and explains every rejected file with problems at a real file:line:column', () => {
    const rng = new SeededRandom(SEED + 1);
    const failures: string[] = [];
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < MAPPING_CASES; i++) {
      const file = rng.pick(shipped);
      const { kind, text } = mutate(rng, file.text);
      const where = `case ${i} (seed ${SEED + 1}) [${file.name}: ${kind}]`;
      let result: ReturnType<typeof loadMappingText>;
      try {
        result = loadMappingText(text, `mappings/${file.name}`);
      } catch (error) {
        failures.push(`${where}: threw ${(error as Error).stack ?? String(error)}`);
        continue;
      }
      if (result.ok) {
        outcomes.ok++;
        continue;
      }
      outcomes.rejected++;
      if (result.problems.length === 0) failures.push(`${where}: rejected without a problem`);
      const lineCount = text.split('\n').length;
      for (const problem of result.problems) {
        const positioned = Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lineCount + 1 && Number.isInteger(problem.column) && problem.column >= 1;
        if (problem.file !== `mappings/${file.name}` || !positioned || typeof problem.message !== 'string' || problem.message.trim().length < 5) {
          failures.push(`${where}: problem without a usable position or message: ${JSON.stringify(problem).slice(0, 300)}`);
        }
      }
    }
    console.info(`[fuzz] ${MAPPING_CASES} mapping files, seed ${SEED + 1}: ${JSON.stringify(outcomes)}`);
    expect(failures.slice(0, 10)).toEqual([]);
    // Most mutations break the file; the run is no use if none do.
    expect(outcomes.rejected).toBeGreaterThan(MAPPING_CASES / 2);
  }, 120_000);
});
