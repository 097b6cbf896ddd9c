/**
 * `node bench/fairness.ts [--backlog 100000 --live 200 --per-second 5 --with-data 5000]`
 * (with TEST_DATABASE_URL set it runs on a throwaway Postgres database too)
 *
 * Live latency next to a huge backfill, in one worker process with the production settings
 * (batches of 50, 4 in flight, at most 100 jobs per installation): installation A has `backlog`
 * backfill jobs queued and writes to its own HubSpot portal at that portal's limit (100 per 10 s);
 * meanwhile installation B's conversations arrive by webhook, `per-second` a second, and each one's
 * webhook → CRM latency is measured (webhook posted → sync record synced, the CRM write done).
 * Only A's first `with-data` conversations exist on the platform: at its portal's limit A cannot
 * get further than that during the run, and the queue depth is what weighs on the worker's fetches.
 * Prints a Markdown table and writes bench/results/fairness.json.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox } from '../src/sandbox/platform/server.ts';
import { startService } from '../src/server.ts';
import { listSyncRecords } from '../src/store/sync-records.ts';
import { storeBackends, type StoreBackend } from '../test/support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig, waitFor } from '../test/support/sync-harness.ts';
import { installHubSpotTenant, queueSyncs } from '../test/support/tenants.ts';

const root = path.resolve(import.meta.dirname, '..');
const RESULTS_FILE = path.join(root, 'bench/results/fairness.json');

const { values: args } = parseArgs({
  options: {
    backlog: { type: 'string', default: '100000' },
    live: { type: 'string', default: '200' },
    'per-second': { type: 'string', default: '5' },
    'with-data': { type: 'string', default: '5000' },
  },
});
const positive = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number, got ${JSON.stringify(args[name])}`);
  return value;
};
const BACKLOG = positive('backlog');
const LIVE = positive('live');
const PER_SECOND = Number(args['per-second']);
if (!(PER_SECOND > 0)) throw new Error(`--per-second must be a number above 0, got ${JSON.stringify(args['per-second'])}`);
const WITH_DATA = Math.min(positive('with-data'), BACKLOG);

interface Result {
  store: string;
  backlog: number;
  live: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  aSyncedDuringRun: number;
  seconds: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function run(backend: StoreBackend): Promise<Result> {
  const environment = await backend.create();
  const hubspot = await startHubSpotSandbox({ port: 0 });
  const platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
  const service = await startService({
    config: testConfig({ ...environment.env, MAPPINGS_DIR: path.join(root, 'mappings'), SYNC_POLL_INTERVAL_SECONDS: '2' }),
    logger: createLogger({ level: process.env.LOG_LEVEL?.trim() || 'error', name: 'bench' }),
  });
  try {
    const bSecret = newWebhookSecret();
    const tenant = (name: string, portal = hubspot.createPortal(), webhookSecret = newWebhookSecret()) =>
      installHubSpotTenant(service, { name, portal, hubspotUrl: hubspot.url, platform, webhookSecret });
    const a = await tenant('a-backfilling', hubspot.defaultPortal);
    const b = await tenant('b-live', undefined, bSecret);

    const withData = platform.simulate(WITH_DATA, { at: new Date(Date.now() - 86_400_000), spreadMs: 3_600_000 }).map((c) => c.id);
    const ids = [...withData, ...Array.from({ length: BACKLOG - WITH_DATA }, (_, i) => `conv_backfill_${i}`)];
    process.stderr.write(`[${backend.name}] queueing ${BACKLOG} backfill jobs for A…\n`);
    await queueSyncs(service.boss, a, ids);
    await waitFor('A to be syncing', async () => (await listSyncRecords(service.store, { installationId: a, status: 'synced', limit: 1 })).length > 0, 120_000);

    process.stderr.write(`[${backend.name}] B: ${LIVE} live conversations, ${PER_SECOND}/s…\n`);
    const started = Date.now();
    const aBefore = (await listSyncRecords(service.store, { installationId: a, status: 'synced', limit: 1_000_000 })).length;
    const posted = new Map<string, number>();
    for (const conversation of platform.simulate(LIVE, { at: new Date(Date.now() - 2_000), spreadMs: 1_000 })) {
      posted.set(conversation.id, Date.now());
      const response = await postWebhook(`${service.url}/webhooks/platform/${b}`, bSecret, conversationEvent('conversation.ended', conversation.id, conversation.widget_id));
      if (response.status !== 202) throw new Error(`webhook for ${conversation.id} answered ${response.status}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000 / PER_SECOND));
    }
    const synced = await waitFor(
      "B's conversations to be synced",
      async () => {
        const records = await listSyncRecords(service.store, { installationId: b, status: 'synced', limit: 1_000_000 });
        return records.length === LIVE && records;
      },
      300_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const aSynced = (await listSyncRecords(service.store, { installationId: a, status: 'synced', limit: 1_000_000 })).length - aBefore;
    const latencies = synced.map((r) => r.syncedAt!.getTime() - posted.get(r.conversationId)!).sort((x, y) => x - y);
    return {
      store: backend.name,
      backlog: BACKLOG,
      live: LIVE,
      perSecond: PER_SECOND,
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1)! },
      aSyncedDuringRun: aSynced,
      seconds: Math.round(seconds),
    };
  } finally {
    await service.close();
    await platform.close();
    await hubspot.close();
    await environment.dispose();
  }
}

const results: Result[] = [];
for (const backend of storeBackends()) results.push(await run(backend));

const lines = [
  `| store | A's backlog | B live conversations | B webhook → CRM p50 | p90 | p99 | max | A synced meanwhile |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|`,
  ...results.map((r) =>
    `| ${r.store} | ${r.backlog.toLocaleString('en')} | ${r.live} at ${r.perSecond}/s | ${r.latencyMs.p50} ms | ${r.latencyMs.p90} ms | ${r.latencyMs.p99} ms | ${r.latencyMs.max} ms | ${r.aSyncedDuringRun} in ${r.seconds} s |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
await writeFile(RESULTS_FILE, `${JSON.stringify({ machine: `${os.cpus().length} CPUs, ${os.platform()}`, node: process.version, results }, null, 2)}\n`);
