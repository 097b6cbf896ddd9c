/**
 * `npm run bench:webhook-ack [-- --webhooks 20000 --concurrency 32]`
 * (with TEST_DATABASE_URL set it runs on a throwaway Postgres database too)
 *
 * Webhook acknowledgement latency and sustained accepted webhooks per second: a `serve --role web`
 * process (its own process, as deployed) takes signed `conversation.ended` webhooks, each for a
 * new conversation, from a load generator on loopback holding `concurrency` requests in flight.
 * Each 202 means the receipt, the sync job and the sync record were committed. Latency is measured
 * by the generator (request written → response read). The first 2% are a warm-up, not counted.
 * Prints a Markdown table and writes bench/results/webhook-ack.json.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { spawnServe } from '../test/support/serve-process.ts';
import { storeBackends, type StoreBackend } from '../test/support/store.ts';
import { newWebhookSecret } from '../test/support/sync-harness.ts';
import { machine, markdownTable, summarize, type Summary } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const RESULTS_FILE = path.join(root, 'bench/results/webhook-ack.json');
const { values: args } = parseArgs({ options: { webhooks: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' } } });
const positive = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number, got ${JSON.stringify(args[name])}`);
  return value;
};
const WEBHOOKS = positive('webhooks');
const CONCURRENCY = positive('concurrency');

interface Result {
  store: string;
  webhooks: number;
  concurrency: number;
  latencyMs: Summary;
  acceptedPerSecond: number;
  statuses: Record<string, number>;
}

async function run(backend: StoreBackend): Promise<Result> {
  const environment = await backend.create();
  const secret = newWebhookSecret();
  const web = await spawnServe('web', {
    ...environment.env,
    LOG_LEVEL: 'info',
    // Sustained throughput into one installation is what is measured, not its abuse limit.
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '10000000',
    // The single-tenant installation holds the secret; nothing syncs in this run (no worker).
    PLATFORM_API_URL: 'http://127.0.0.1:9/',
    PLATFORM_API_KEY: 'bench',
    PLATFORM_WEBHOOK_SECRET: secret,
    CRM: 'hubspot',
    HUBSPOT_ACCESS_TOKEN: 'pat-bench',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const signer = new Webhook(secret);
  const target = new URL('/webhooks/platform', web.url);
  const send = (i: number) =>
    new Promise<{ status: number; ms: number }>((resolve, reject) => {
      const body = JSON.stringify({ type: 'conversation.ended', timestamp: new Date().toISOString(), data: { conversation_id: `conv_bench_${i}`, widget_id: 'wgt_bench' } });
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const now = new Date();
      const started = performance.now();
      const request = http.request(target, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(id, now, body),
        },
      }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      });
      request.on('error', reject);
      request.end(body);
    });
  try {
    const warmup = Math.ceil(WEBHOOKS * 0.02);
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let accepted = 0;
    let next = 0;
    let measuredFrom = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < warmup + WEBHOOKS; i = next++) {
          if (i === warmup) measuredFrom = performance.now();
          const { status, ms } = await send(i);
          if (i < warmup) continue;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202) {
            accepted++;
            latencies.push(ms);
          }
        }
      }),
    );
    const seconds = (performance.now() - measuredFrom) / 1000;
    return { store: backend.name, webhooks: WEBHOOKS, concurrency: CONCURRENCY, latencyMs: summarize(latencies), acceptedPerSecond: Math.round(accepted / seconds), statuses };
  } finally {
    agent.destroy();
    await web.stop();
    await environment.dispose();
  }
}

const results: Result[] = [];
for (const backend of storeBackends()) {
  process.stderr.write(`[webhook-ack] ${backend.name}: ${WEBHOOKS} webhooks, ${CONCURRENCY} in flight…\n`);
  results.push(await run(backend));
}
const table = markdownTable(
  ['store', 'webhooks', 'in flight', 'ack p50', 'ack p99', 'max', 'accepted / s'],
  results.map((r) => [r.store, r.webhooks.toLocaleString('en'), r.concurrency, `${r.latencyMs.p50} ms`, `${r.latencyMs.p99} ms`, `${r.latencyMs.max} ms`, r.acceptedPerSecond.toLocaleString('en')]),
);
process.stdout.write(`${table}\n`);
await writeFile(RESULTS_FILE, `${JSON.stringify({ recordedAt: new Date().toISOString(), command: `npm run bench:webhook-ack -- --webhooks ${WEBHOOKS} --concurrency ${CONCURRENCY}`, machine: machine(), results }, null, 2)}\n`);
