/**
 * `npm run bench:backfill-throughput [-- --conversations 20000 --seed 5]`
 *
 * Conversations per minute for one CRM account at its rate limit: a backfill of `conversations`
 * conversations (sync jobs enqueued through the sync queue's own enqueue, as the backfill walker
 * does; bench/connector-run.ts) into the HubSpot sandbox enforcing 100 calls per rolling 10 s, by
 * the production service (embedded store, shipped mapping, batches of 100). Compared with the
 * theoretical maximum at that limit: 600 calls/min × 100 conversations per batch ÷ the HubSpot
 * calls one full batch takes (measured: calls ÷ batches of this run).
 * Prints a Markdown table and writes bench/results/backfill-throughput.json.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox } from '../src/sandbox/platform/server.ts';
import { startConnector } from './connector-run.ts';
import { machine, markdownTable } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const RESULTS_FILE = path.join(root, 'bench/results/backfill-throughput.json');
const LIMIT_PER_TEN_SECONDS = 100;
const BATCH_SIZE = 100; // SYNC_BATCH_SIZE in connector-run.ts: one worker batch, one adapter batch
const { values: args } = parseArgs({ options: { conversations: { type: 'string', default: '20000' }, seed: { type: 'string', default: '5' } } });
const CONVERSATIONS = Number(args.conversations);
const SEED = Number(args.seed);
if (!Number.isInteger(CONVERSATIONS) || CONVERSATIONS < BATCH_SIZE) throw new Error(`--conversations must be a whole number ≥ ${BATCH_SIZE}, got ${args.conversations}`);

const hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: LIMIT_PER_TEN_SECONDS } });
const platform = await startPlatformSandbox({ conversations: 0, seed: SEED, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
const connector = await startConnector({ hubspot, platform, mappingsDir: path.join(root, 'mappings') });
let result;
try {
  process.stderr.write(`[backfill-throughput] generating ${CONVERSATIONS} conversations…\n`);
  const ids = platform.simulate(CONVERSATIONS, { at: new Date(Date.now() - 30 * 86_400_000), spreadMs: 29 * 86_400_000 }).map((c) => c.id);
  // Portal setup (property group and properties) once, outside the measured run.
  await connector.sync(ids.slice(0, 1), 60_000);
  process.stderr.write('[backfill-throughput] syncing…\n');
  const run = await connector.sync(ids.slice(1), 3_600_000);
  const batches = Math.ceil((CONVERSATIONS - 1) / BATCH_SIZE);
  const callsPerBatch = run.calls / batches;
  const perMinute = ((CONVERSATIONS - 1) / run.seconds) * 60;
  const callsPerMinute = LIMIT_PER_TEN_SECONDS * 6;
  const theoretical = (callsPerMinute * BATCH_SIZE) / callsPerBatch;
  const stats = hubspot.stats();
  result = {
    conversations: CONVERSATIONS - 1,
    seconds: Math.round(run.seconds),
    enqueueSeconds: Math.round(run.enqueueSeconds),
    calls: run.calls,
    batches,
    callsPerBatch: Number(callsPerBatch.toFixed(2)),
    perMinute: Math.round(perMinute),
    theoreticalPerMinute: Math.round(theoretical),
    fractionOfTheoretical: Number((perMinute / theoretical).toFixed(3)),
    statuses: run.statuses,
    timedOut: run.timedOut,
    busiestTenSeconds: stats.maxRequestsInTenSeconds,
    rateLimited: stats.rateLimited.total,
    endpoints: run.endpoints,
  };
} finally {
  await connector.close();
  await platform.close();
  await hubspot.close();
}
process.stdout.write(`${markdownTable(
  ['HubSpot sandbox, 100 calls / 10 s', 'conversations', 'time', 'conversations / min', 'calls per batch of 100', 'theoretical max / min', 'fraction', 'busiest 10 s', '429s'],
  [['connector (embedded store)', result.conversations.toLocaleString('en'), `${result.seconds} s`, result.perMinute.toLocaleString('en'), result.callsPerBatch,
    result.theoreticalPerMinute.toLocaleString('en'), `${(result.fractionOfTheoretical * 100).toFixed(1)} %`, result.busiestTenSeconds, result.rateLimited]],
)}\n`);
await writeFile(RESULTS_FILE, `${JSON.stringify({
  recordedAt: new Date().toISOString(),
  command: `npm run bench:backfill-throughput -- --conversations ${CONVERSATIONS} --seed ${SEED}`,
  machine: machine(),
  limit: { perTenSeconds: LIMIT_PER_TEN_SECONDS, batchSize: BATCH_SIZE },
  result,
}, null, 2)}\n`);
