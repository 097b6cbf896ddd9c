/**
 * `npm run bench:backlog-memory [-- --backlog 100000 --with-data 5000 --seconds 60]`
 * (with TEST_DATABASE_URL set it runs on a throwaway Postgres database too)
 *
 * Peak RSS of a `serve --role all` process (web + worker, its own process) while a backlog of
 * `backlog` sync jobs waits in its queue and it works through them at the HubSpot sandbox's limit
 * (100 calls / 10 s), against the same process with an empty queue. The jobs are inserted before
 * the process starts, with the options every sync job gets (test/support/tenants.ts `queueSyncs`,
 * pg-boss insert 1,000 at a time, as the backfill walker pages them in). Only the first
 * `with-data` conversations exist on the platform: at the CRM's limit the worker cannot get past
 * them within `seconds`, and the rest is queue depth. RSS is read from /proc/<pid>/status (VmRSS
 * every 250 ms, VmHWM at the end). On the embedded store the queue lives in the process (PGlite),
 * on Postgres in the server.
 * Prints a Markdown table and writes bench/results/backlog-memory.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../src/sandbox/platform/server.ts';
import { openBackend } from '../src/server.ts';
import { DEFAULT_INSTALLATION } from '../src/store/single-tenant.ts';
import { spawnServe } from '../test/support/serve-process.ts';
import { storeBackends, type StoreBackend } from '../test/support/store.ts';
import { newWebhookSecret } from '../test/support/sync-harness.ts';
import { queueSyncs } from '../test/support/tenants.ts';
import { machine, markdownTable } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const RESULTS_FILE = path.join(root, 'bench/results/backlog-memory.json');
const { values: args } = parseArgs({
  options: { backlog: { type: 'string', default: '100000' }, 'with-data': { type: 'string', default: '5000' }, seconds: { type: 'string', default: '60' } },
});
const positive = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number, got ${JSON.stringify(args[name])}`);
  return value;
};
const BACKLOG = positive('backlog');
const WITH_DATA = Math.min(positive('with-data'), BACKLOG);
const SECONDS = positive('seconds');
const MiB = (kib: number) => Math.round(kib / 1024);

async function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}

interface Result {
  store: string;
  queued: number;
  rssMiB: { atStart: number; median: number; peak: number };
  syncedDuringRun: number;
}

async function run(backend: StoreBackend, platform: PlatformSandbox, ids: readonly string[], backlog: number): Promise<Result> {
  const environment = await backend.create();
  const hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: 100 } });
  const env = {
    ...environment.env,
    MAPPINGS_DIR: path.join(root, 'mappings'),
    PLATFORM_API_URL: platform.url,
    PLATFORM_API_KEY: platform.apiKey,
    PLATFORM_WEBHOOK_SECRET: newWebhookSecret(),
    CRM: 'hubspot',
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
  };
  try {
    // Migrated (and filled) before the process starts, so both runs' peaks are the process's work, not migrations.
    const queue = await openBackend(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { maintain: false, logger: createLogger({ level: 'silent' }) });
    try {
      if (backlog > 0) await queueSyncs(queue.boss, DEFAULT_INSTALLATION, ids.slice(0, backlog));
    } finally {
      await queue.close();
    }
    const child = await spawnServe('all', env);
    const pid = child.process.pid!;
    try {
      const atStart = await statusKiB(pid, 'VmRSS');
      const samples: number[] = [];
      const until = Date.now() + SECONDS * 1000;
      while (Date.now() < until) {
        samples.push(await statusKiB(pid, 'VmRSS'));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const peak = await statusKiB(pid, 'VmHWM');
      samples.sort((a, b) => a - b);
      return {
        store: backend.name,
        queued: backlog,
        rssMiB: { atStart: MiB(atStart), median: MiB(samples[Math.floor(samples.length / 2)]!), peak: MiB(peak) },
        syncedDuringRun: child.log.filter((e) => e.msg === 'sync synced').length,
      };
    } finally {
      await child.stop();
    }
  } finally {
    await hubspot.close();
    await environment.dispose();
  }
}

const platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
const results: Result[] = [];
try {
  process.stderr.write(`[backlog-memory] generating ${WITH_DATA} conversations…\n`);
  const withData = platform.simulate(WITH_DATA, { at: new Date(Date.now() - 86_400_000), spreadMs: 3_600_000 }).map((c) => c.id);
  const ids = [...withData, ...Array.from({ length: BACKLOG - WITH_DATA }, (_, i) => `conv_backlog_${i}`)];
  for (const backend of storeBackends()) {
    for (const backlog of [0, BACKLOG]) {
      process.stderr.write(`[backlog-memory] ${backend.name}, ${backlog} queued, ${SECONDS} s…\n`);
      results.push(await run(backend, platform, ids, backlog));
    }
  }
} finally {
  await platform.close();
}
process.stdout.write(`${markdownTable(
  ['store', 'queued at start', 'RSS at start', 'median RSS', 'peak RSS (VmHWM)', `synced in ${SECONDS} s`],
  results.map((r) => [r.store, r.queued.toLocaleString('en'), `${r.rssMiB.atStart} MiB`, `${r.rssMiB.median} MiB`, `${r.rssMiB.peak} MiB`, r.syncedDuringRun.toLocaleString('en')]),
)}\n`);
await writeFile(RESULTS_FILE, `${JSON.stringify({
  recordedAt: new Date().toISOString(),
  command: `npm run bench:backlog-memory -- --backlog ${BACKLOG} --with-data ${WITH_DATA} --seconds ${SECONDS}`,
  machine: machine(),
  enqueue: 'pg-boss insert with syncJobOptions (test/support/tenants.ts queueSyncs), before the process starts',
  results,
}, null, 2)}\n`);
