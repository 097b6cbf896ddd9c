/**
 * `npm run bench:e2e-latency [-- --conversations 100 --gap-ms 250]`
 *
 * End-to-end latency with no backlog: from the platform's `conversation.ended` webhook being posted
 * to the conversation's transcript note existing in the HubSpot sandbox. The service runs with its
 * production settings (the embedded store, `SYNC_POLL_INTERVAL_SECONDS` at its default of 2, the
 * shipped mapping, the HubSpot adapter at 100 calls / 10 s); one conversation at a time, the next
 * posted `gap-ms` after the previous one's note was written. "Written" is the conversation's sync
 * record turning `synced` with its transcript note's id (recorded after HubSpot answered the note
 * write), polled every 10 ms: figures carry up to 10 ms of polling.
 * Prints a Markdown table and writes bench/results/e2e-latency.json.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox } from '../src/sandbox/platform/server.ts';
import { startService } from '../src/server.ts';
import { DEFAULT_INSTALLATION } from '../src/store/single-tenant.ts';
import { getSyncRecord } from '../src/store/sync-records.ts';
import { storeBackends } from '../test/support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook } from '../test/support/sync-harness.ts';
import { machine, markdownTable, summarize } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const RESULTS_FILE = path.join(root, 'bench/results/e2e-latency.json');
const { values: args } = parseArgs({ options: { conversations: { type: 'string', default: '100' }, 'gap-ms': { type: 'string', default: '250' } } });
const CONVERSATIONS = Number(args.conversations);
const GAP_MS = Number(args['gap-ms']);
if (!Number.isInteger(CONVERSATIONS) || CONVERSATIONS < 1) throw new Error(`--conversations must be a positive whole number, got ${args.conversations}`);
if (!Number.isInteger(GAP_MS) || GAP_MS < 0) throw new Error(`--gap-ms must be a whole number of milliseconds, got ${args['gap-ms']}`);

const [embedded] = storeBackends();
const environment = await embedded!.create();
const hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: 100 } });
const platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
const secret = newWebhookSecret();
const service = await startService({
  config: loadConfig({
    ...environment.env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    MAPPINGS_DIR: path.join(root, 'mappings'),
    PLATFORM_API_URL: platform.url,
    PLATFORM_API_KEY: platform.apiKey,
    PLATFORM_WEBHOOK_SECRET: secret,
    CRM: 'hubspot',
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
  }),
  logger: createLogger({ level: 'silent' }),
});
const latencies: number[] = [];
try {
  const conversations = platform.simulate(CONVERSATIONS * 3, { at: new Date(Date.now() - 120_000), outcome: 'completed' });
  for (const [i, conversation] of conversations.entries()) {
    const posted = performance.now();
    const response = await postWebhook(`${service.url}/webhooks/platform`, secret, conversationEvent('conversation.ended', conversation.id, conversation.widget_id));
    if (response.status !== 202) throw new Error(`webhook for ${conversation.id} answered ${response.status}`);
    const key = { installationId: DEFAULT_INSTALLATION, conversationId: conversation.id };
    const deadline = Date.now() + 60_000;
    let withNote = false;
    for (;;) {
      const record = await getSyncRecord(service.store, key);
      withNote = record?.crmObjects.transcript_note !== undefined;
      if (record?.status === 'synced' || record?.status === 'skipped') break;
      if (Date.now() > deadline) throw new Error(`${conversation.id} not synced within 60 s; its sync is ${record?.status ?? 'not recorded'}${record?.lastError ? `: ${record.lastError}` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The first one also sets up the portal (property group, properties): not counted.
    // The mapping writes no note for some conversations (nothing to attach it to): those are not counted.
    if (i > 0 && withNote) latencies.push(performance.now() - posted);
    if (latencies.length === CONVERSATIONS) break;
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
  }
} finally {
  await service.close();
  await platform.close();
  await hubspot.close();
  await environment.dispose();
}
const summary = summarize(latencies, 0);
process.stdout.write(`${markdownTable(['store', 'conversations', 'webhook → note p50', 'p90', 'p99', 'max'], [
  ['embedded', summary.count, `${summary.p50} ms`, `${summary.p90} ms`, `${summary.p99} ms`, `${summary.max} ms`],
])}\n`);
await writeFile(RESULTS_FILE, `${JSON.stringify({
  recordedAt: new Date().toISOString(),
  command: `npm run bench:e2e-latency -- --conversations ${CONVERSATIONS} --gap-ms ${GAP_MS}`,
  machine: machine(),
  settings: { store: 'embedded', pollIntervalSeconds: 2, hubspotLimitPerTenSeconds: 100 },
  latencyMs: summary,
}, null, 2)}\n`);
