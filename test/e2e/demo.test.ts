/**
 * `crm-connector demo` as a user runs it: a real process on the CLI, no accounts, no network
 * beyond loopback. It must sync everything, say what it wrote, exit 0 on its own (nothing left
 * running) and remove its temporary data directory; and with a broken mapping it must say where
 * the mapping is wrong and exit non-zero.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const node = path.join(root, 'node_modules/.bin/node');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function demo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['src/cli.ts', 'demo', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: tmpdir(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const countOf = (output: string, object: string): number => Number(new RegExp(`^  ${object}\\s+(\\d+)$`, 'm').exec(output)?.[1] ?? NaN);

describe('crm-connector demo', () => {
  it('syncs every conversation into the HubSpot sandbox, prints the summary and exits 0', async () => {
    const run = await demo(['--conversations', '12', '--seed', '3']);

    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^Conversations {2}12 ended on the platform sandbox/m);
    expect(run.stdout).toMatch(/^Syncs {10}12 synced, 0 skipped, 0 failed {2}— all final/m);
    expect(run.stdout).toMatch(/^Failures {7}none$/m);
    expect(run.stdout).toMatch(/^HubSpot API {4}\d+ calls .*, 0 × 429, busiest 10 s: \d+ of 100 allowed$/m);
    for (const object of ['contacts', 'deals', 'notes']) expect(countOf(run.stdout, object), object).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/HubSpot sandbox {2}http:\/\/127\.0\.0\.1:\d+\/_sandbox/);
    const dataDir = /\(data: (.+)\)…/.exec(run.stdout)?.[1];
    expect(dataDir).toBeDefined();
    expect(existsSync(dataDir!)).toBe(false);
  }, 70_000);

  it('syncs every conversation into the Salesforce sandbox and reports the daily allocation used', async () => {
    const run = await demo(['--crm', 'salesforce', '--conversations', '12', '--seed', '3']);

    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^Syncs {10}12 synced, 0 skipped, 0 failed {2}— all final/m);
    expect(run.stdout).toMatch(/^Written to the Salesforce sandbox$/m);
    for (const object of ['leads', 'opportunities', 'tasks', 'notes']) expect(countOf(run.stdout, object), object).toBeGreaterThan(0);
    expect(countOf(run.stdout, 'contacts')).toBe(0);
    expect(countOf(run.stdout, 'tasks')).toBe(countOf(run.stdout, 'notes'));
    const api = /^Salesforce API (\d+) calls .*, 0 × REQUEST_LIMIT_EXCEEDED, daily allocation: (\d+) of 15000 allowed$/m.exec(run.stdout);
    expect(api, run.stdout).not.toBeNull();
    expect(Number(api![2])).toBe(Number(api![1]));
  }, 70_000);

  describe('with a broken mapping', () => {
    let mappings: string;
    beforeAll(async () => {
      mappings = await mkdtemp(path.join(tmpdir(), 'demo-mappings-'));
      await cp(path.join(root, 'mappings'), mappings, { recursive: true });
      const file = path.join(mappings, 'hubspot.default.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('transforms: [email]', 'transforms: [emial]'));
    });
    afterAll(() => rm(mappings, { recursive: true, force: true }));

    it('fails each sync permanently with the file:line:column to fix, and exits 1', async () => {
      const run = await demo(['--conversations', '4', '--seed', '3'], { MAPPINGS_DIR: mappings });

      expect(run.code, run.stdout).toBe(1);
      expect(run.stdout).toMatch(/^Syncs {10}0 synced, 0 skipped, 4 failed/m);
      expect(run.stdout).toMatch(/failed: permanent failure: mapping file hubspot\.default\.yaml cannot be used; fix it, then retry: .*hubspot\.default\.yaml:\d+:\d+ objects\.contact\.properties\.email\.transforms\[0\]: /);
    }, 70_000);
  });
});
