/**
 * Durability with real processes: `crm-connector serve` runs as a child process; it is killed with
 * SIGKILL right after acknowledging a webhook, before any worker could run the job. A new process
 * on the same store must find the receipt and the job, and sync the conversation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { getSyncRecord } from '../../src/store/sync-records.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { RecordingAdapter, conversationEvent, newWebhookSecret, postWebhook, testConfig, testDependencies, waitFor } from '../support/sync-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const BIN = path.join(ROOT, 'bin/crm-connector.js');

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log: Array<{ msg?: string }>;
}

/** Starts `crm-connector serve` and resolves once it logs where it listens. */
async function spawnServe(env: Record<string, string>, role: string): Promise<Child> {
  const child = spawn(NODE, [BIN, 'serve', '--role', role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const log: Array<{ msg?: string; url?: string }> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      log.push(entry);
      if (entry.msg === 'crm-connector started' && entry.url) resolve(entry.url);
    });
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
  return { process: child, url, exited, log };
}

describe.each(storeBackends())('crash safety on $name', (backend) => {
  let environment: StoreEnvironment;
  let platform: PlatformSandbox;
  let child: Child | undefined;
  let service: RunningService | undefined;
  const secret = newWebhookSecret();
  const env = () => ({
    ...environment.env,
    PLATFORM_API_URL: platform.url,
    PLATFORM_API_KEY: platform.apiKey,
    PLATFORM_WEBHOOK_SECRET: secret,
    CRM: 'hubspot',
    HUBSPOT_ACCESS_TOKEN: 'pat-test',
  });

  beforeAll(async () => {
    environment = await backend.create();
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
  });
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    await service?.close();
    service = undefined;
  });
  afterAll(async () => {
    await platform?.close();
    await environment?.dispose();
  });

  it('loses nothing when the process is killed -9 after acknowledging a webhook', async () => {
    const [conversation] = platform.simulate(1, { at: new Date(Date.now() - 60_000), outcome: 'completed' }) as [Conversation];
    const event = conversationEvent('conversation.ended', conversation.id, conversation.widget_id);
    child = await spawnServe(env(), 'web');
    const response = await postWebhook(`${child.url}/webhooks/platform`, secret, event, { id: 'msg_before_crash' });
    expect(response.status).toBe(202);
    child.process.kill('SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const adapter = new RecordingAdapter();
    service = await startService({ config: testConfig(env()), deps: testDependencies(adapter), logger: createLogger({ level: 'silent' }) });
    const key = { installationId: 'default', conversationId: conversation.id };
    await waitFor('the sync after restart', async () => (await getSyncRecord(service!.store, key))?.status === 'synced');
    expect(adapter.executionsOf(conversation.id)).toHaveLength(1);

    const redelivered = await postWebhook(`${service.url}/webhooks/platform`, secret, event, { id: 'msg_before_crash' });
    expect(await redelivered.json()).toEqual({ status: 'duplicate' });
  });

  it('shuts down cleanly on SIGTERM', async () => {
    child = await spawnServe(env(), 'web');
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.log.map((l) => l.msg)).toContain('crm-connector stopped');
    // The embedded store's lock is released: another process may open the data directory at once.
    service = await startService({ config: testConfig(env()), role: 'web', logger: createLogger({ level: 'silent' }) });
  });
});
