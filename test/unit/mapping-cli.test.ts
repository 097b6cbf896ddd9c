/**
 * `crm-connector mappings validate | preview | schema`: through the command functions, and once
 * through the real CLI process for exit codes. Preview by id talks to a local HTTP server through
 * the real PlatformClient.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WritePlan } from '../../src/crm/write-plan.ts';
import type { CommandIo } from '../../src/mapping/commands.ts';
import { mappingJsonSchemaText } from '../../src/mapping/json-schema.ts';
import { runPreview } from '../../src/mapping/preview-command.ts';
import { runSchema } from '../../src/mapping/schema-command.ts';
import { runValidate } from '../../src/mapping/validate-command.ts';
import { renderTranscriptMarkdown } from '../../src/transcript/render-turns.ts';

const root = path.resolve(import.meta.dirname, '../..');
const node = path.join(root, 'node_modules/.bin/node');
const seedFile = path.join(root, 'test/fixtures/conversations/catering-complete.json');
const hubspotFile = path.join(root, 'mappings/hubspot.default.yaml');

function captureIo(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mapping-cli-'));
  writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\ncrm: hubspot\nobjects:\n  contact:\n    object: contacts\n    match: email\n    properties:\n      email: { source: extraction.email }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mappings validate', () => {
  it('checks every *.yaml of the mappings folder by default', async () => {
    const io = captureIo();
    expect(await runValidate([], path.join(root, 'mappings'), io)).toBe(0);
    expect(io.stdout.map((l) => l.replace(/\(version \w+\)/, '(version …)'))).toEqual([
      `ok ${path.join(root, 'mappings/hubspot.default.yaml')} (version …)`,
      `ok ${path.join(root, 'mappings/salesforce.default.yaml')} (version …)`,
    ]);
  });

  it('prints file:line:column path: message per problem and exits 1 (real process)', async () => {
    const bad = path.join(dir, 'bad.yaml');
    const run = promisify(execFile)(node, ['src/cli.ts', 'mappings', 'validate', hubspotFile, bad], { cwd: root });
    const failure = await run.then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/^ok .*hubspot\.default\.yaml \(version [0-9a-f]{16}\)$/m);
    expect(failure?.stderr.split('\n')).toEqual([
      `${bad}:8:24 objects.contact.properties.email.source: unknown source \`extraction\` — did you mean \`extracted_data\`? (a path starts with one of: id, widget_id, started_at, ended_at, duration_seconds, credits_charged, page_url, outcome, visitor, extracted_data, criteria_results, transcript, tool_calls, transcript_markdown, transcript_text, transcript_url, criteria_summary, extracted_data_summary, conversation_summary)`,
      '1 of 2 mapping file(s) have problems',
      '',
    ]);
  });

  it('says so when the folder has no mapping files', async () => {
    const io = captureIo();
    const empty = mkdtempSync(path.join(tmpdir(), 'mapping-empty-'));
    try {
      expect(await runValidate([], empty, io)).toBe(1);
      expect(io.stderr).toEqual([`no *.yaml mapping files in ${empty}`]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('mappings preview', () => {
  it('prints the plan readably for a conversation file', async () => {
    const io = captureIo();
    expect(await runPreview({ mapping: hubspotFile, conversation: seedFile }, {}, io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toContain('contact → contacts  matched on email = "jane.doe@contoso.example"');
    expect(text).toMatch(/firstname\s+"Jane" ← extracted_data\.name \| split_name {2}\(if_empty, line \d+\)/);
    expect(text).toContain('transcript_note → notes  created once per conversation');
  });

  it('prints the WritePlan itself with --json', async () => {
    const io = captureIo();
    expect(await runPreview({ mapping: hubspotFile, conversation: seedFile, json: true }, {}, io)).toBe(0);
    const plan = WritePlan.parse(JSON.parse(io.stdout.join('')));
    expect(plan.records.map((r) => r.key)).toEqual(['company', 'contact', 'deal', 'transcript_note']);
  });

  it('reports mapping problems and bad conversation files, exiting 1', async () => {
    let io = captureIo();
    expect(await runPreview({ mapping: path.join(dir, 'bad.yaml'), conversation: seedFile }, {}, io)).toBe(1);
    expect(io.stderr[0]).toMatch(/bad\.yaml:8:24 objects\.contact\.properties\.email\.source: unknown source/);

    io = captureIo();
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ id: 'c1', outcome: 'completed' }));
    expect(await runPreview({ mapping: hubspotFile, conversation: broken }, {}, io)).toBe(1);
    expect(io.stderr[0]).toMatch(/^error: conversation file .*broken\.json is not valid: widget_id: /);

    io = captureIo();
    expect(await runPreview({ mapping: hubspotFile, conversation: 'conv_123' }, {}, io)).toBe(1);
    expect(io.stderr).toEqual(['error: to fetch conversation conv_123, set PLATFORM_API_URL and PLATFORM_API_KEY (or pass a conversation JSON file)']);
  });

  describe('by conversation id, through the Conversations API', () => {
    const conversation = JSON.parse(readFileSync(seedFile, 'utf8')) as { id: string; transcript: never[] };
    const requests: string[] = [];
    let server: Server;
    let baseUrl: string;

    beforeAll(async () => {
      server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
        if (req.url === `/api/v1/conversations/${conversation.id}`) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(conversation));
        } else if (req.url === `/api/v1/conversations/${conversation.id}/transcript?format=md`) {
          res.writeHead(200, { 'content-type': 'text/markdown' }).end(`${renderTranscriptMarkdown(conversation.transcript)}\n\n**Visitor:** (from the API)`);
        } else {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no such conversation' } }));
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fetches the conversation and its Markdown transcript', async () => {
      const io = captureIo();
      const env = { PLATFORM_API_URL: baseUrl, PLATFORM_API_KEY: 'test-key' };
      expect(await runPreview({ mapping: hubspotFile, conversation: conversation.id, json: true }, env, io)).toBe(0);
      const plan = WritePlan.parse(JSON.parse(io.stdout.join('')));
      expect(plan.conversationId).toBe(conversation.id);
      expect(plan.records.find((r) => r.key === 'transcript_note')?.body?.text).toContain('Visitor: (from the API)');
      expect(requests).toEqual([
        `GET /api/v1/conversations/${conversation.id} Bearer test-key`,
        `GET /api/v1/conversations/${conversation.id}/transcript?format=md Bearer test-key`,
      ]);
    });

    it('says which conversation could not be fetched', async () => {
      const io = captureIo();
      const env = { PLATFORM_API_URL: baseUrl, PLATFORM_API_KEY: 'test-key' };
      expect(await runPreview({ mapping: hubspotFile, conversation: 'conv_missing' }, env, io)).toBe(1);
      expect(io.stderr[0]).toMatch(new RegExp(`^error: cannot fetch conversation conv_missing from ${baseUrl}: .*no such conversation`));
    });
  });
});

describe('mappings schema', () => {
  it('prints the JSON Schema, or writes it beside the mapping files', async () => {
    let io = captureIo();
    expect(await runSchema({}, dir, io)).toBe(0);
    expect(io.stdout.join('')).toBe(mappingJsonSchemaText());
    io = captureIo();
    expect(await runSchema({ write: true }, dir, io)).toBe(0);
    expect(readFileSync(path.join(dir, 'mapping.schema.json'), 'utf8')).toBe(mappingJsonSchemaText());
    expect(io.stdout).toEqual([`wrote ${path.join(dir, 'mapping.schema.json')}`]);
  });
});
