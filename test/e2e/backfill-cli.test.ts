/**
 * `crm-connector backfill` as a real process, for each process model: on the embedded store it
 * refuses to run while the service holds the data directory, and otherwise walks and syncs by
 * itself; on Postgres it walks while the running service's workers sync. Progress is printed as
 * plain lines (stderr is not a terminal here), and the result is checked in the store.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listSyncRecords } from '../../src/store/sync-records.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';

const silent = createLogger({ level: 'silent' });
const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE, ['src/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(storeBackends())('the backfill command on $name', (backend) => {
  let environment: StoreEnvironment;
  let platform: PlatformSandbox;
  let hubspot: HubSpotSandbox;
  let service: RunningService | undefined;
  let env: Record<string, string>;
  let history: Conversation[];

  beforeAll(async () => {
    environment = await backend.create();
    platform = await startPlatformSandbox({ conversations: 60, seed: 3, extractionDelayMs: 0 }, silent);
    hubspot = await startHubSpotSandbox({ port: 0 });
    history = platform.store.list({}, null, 1_000).rows;
    env = {
      ...environment.env,
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: newWebhookSecret(),
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
      HUBSPOT_API_URL: hubspot.url,
      SYNC_POLL_INTERVAL_SECONDS: '0.5',
      SHUTDOWN_TIMEOUT_SECONDS: '5',
      LOG_LEVEL: 'silent',
    };
    service = await startService({ config: testConfig(env), logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await platform?.close();
    await environment?.dispose();
  });

  const range = () => ['--since', history[0]!.started_at, '--until', history[40]!.started_at];

  if (backend.name === 'embedded') {
    it('refuses to share the data directory with the running service, and says what to do instead', async () => {
      const run = await cli(['backfill', ...range()], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/is in use by another crm-connector process \(pid \d+\)/);
      expect(run.stderr).toContain('crm-connector backfill on the embedded store needs the data directory to itself: stop the service first');
    });

    it('walks and syncs by itself once the service is stopped', async () => {
      await service?.close();
      service = undefined;
      const run = await cli(['backfill', ...range(), '--page-size', '15'], env);
      expect(run.stderr).toMatch(/^backfill (bf_\w+) started for installation default: since /m);
      expect(run.stderr).toMatch(/^backfill bf_\w+ (walking|syncing): \d+ pages, \d+ seen/m);
      expect(run.stderr).toMatch(/^backfill bf_\w+ complete: 3 pages, 40 conversations; 40 enqueued, 0 skipped .*; 40 synced, 0 failed/m);
      expect(run.code).toBe(0);

      const list = await cli(['backfill', '--list'], env);
      expect(list.stdout).toMatch(/^bf_\w+\s+default\s+complete\s+3\s+40\s+40\s+40\s+0\s+0\s/m);

      service = await startService({ config: testConfig(env), logger: silent });
      const synced = await listSyncRecords(service.store, { installationId: 'default', status: 'synced' });
      expect(synced.map((r) => r.conversationId).sort()).toEqual(history.slice(0, 40).map((c) => c.id).sort());
    });
  } else {
    it("walks while the running service's workers sync, and shows their progress", async () => {
      const run = await cli(['backfill', ...range(), '--page-size', '15'], env);
      expect(run.stderr).toContain("the service's workers (crm-connector serve) sync what it enqueues");
      expect(run.stderr).toMatch(/^backfill bf_\w+ complete: 3 pages, 40 conversations; 40 enqueued, 0 skipped .*; 40 synced, 0 failed/m);
      expect(run.code).toBe(0);
      const synced = await listSyncRecords(service!.store, { installationId: 'default', status: 'synced' });
      expect(synced).toHaveLength(40);
    });
  }
});
