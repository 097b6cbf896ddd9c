/**
 * `npm run bench:hubspot [-- --backlog 5000 --sample 100 --repeat 5 --seed 11]`
 *
 * HubSpot API calls per conversation, and conversations per minute at HubSpot's limit of 100
 * calls per 10 s, for the connector and for a naive per-event baseline, both against the HubSpot
 * sandbox enforcing that limit, in the same run and on the same conversations (the baseline
 * writes the very WritePlans the connector executed):
 *   (a) one conversation with a contact, a deal and a note, `repeat` times: median calls;
 *   (b) a backlog of `backlog` conversations through the connector's sync queue;
 *   (c) the baseline on the first `sample` conversations of that backlog: at roughly 7 calls a
 *       conversation, a 5,000 backlog would take about an hour at the limit, so its backlog
 *       figures are extrapolated from the sample's measured calls per conversation and its
 *       steady-state rate (after the first 10 s, whose unused budget flatters any client).
 * Prints a Markdown table and writes bench/results/hubspot-calls.json.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import PQueue from 'p-queue';
import { createHubSpotAdapter, HUBSPOT_DEFAULT_BUDGETS } from '../src/crm/hubspot/adapter.ts';
import { AccountRateLimiter } from '../src/crm/rate-limit.ts';
import type { WritePlan } from '../src/crm/write-plan.ts';
import { createLogger } from '../src/log.ts';
import { evaluateMapping } from '../src/mapping/evaluate.ts';
import { loadMappingFile } from '../src/mapping/load.ts';
import type { Conversation } from '../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox } from '../src/sandbox/platform/server.ts';
import { renderTranscriptMarkdown } from '../src/transcript/render-turns.ts';
import { endpointDelta, startConnector, type ConnectorUnderTest, type SyncRun } from './connector-run.ts';
import { naiveWriter } from './naive-hubspot.ts';
import { formatTable, type BenchResults } from './hubspot-report.ts';
import { median, progress, wholeNumber } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const MAPPINGS_DIR = path.join(root, 'mappings');
const RESULTS_FILE = path.join(root, 'bench/results/hubspot-calls.json');
const LIMIT = { perTenSeconds: 100, searchPerSecond: 5 };
/** Webhook handlers a naive integration runs at once; the limiter, not this, bounds its rate. */
const BASELINE_CONCURRENCY = 8;
/** The first window's budget is spent at once by any client: steady state starts after it. */
const BURST_SECONDS = 10;

const { values: args } = parseArgs({
  options: {
    backlog: { type: 'string', default: '5000' },
    sample: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '5' },
    seed: { type: 'string', default: '11' },
  },
});
const options = {
  backlog: wholeNumber('backlog', args.backlog, 1),
  sample: wholeNumber('sample', args.sample, 1),
  repeat: wholeNumber('repeat', args.repeat, 1),
  seed: wholeNumber('seed', args.seed, 0),
};

const log = progress;

async function main(): Promise<void> {
  const hubspot = await startHubSpotSandbox({ port: 0, limits: LIMIT });
  const platform = await startPlatformSandbox({ conversations: 0, seed: options.seed, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
  let connector: ConnectorUnderTest | undefined;
  const limiters = new AccountRateLimiter();
  try {
    connector = await startConnector({ hubspot, platform, mappingsDir: MAPPINGS_DIR });
    // Ended an hour ago: extraction long done, as in a backfill.
    const past = () => ({ at: new Date(Date.now() - 3_600_000), spreadMs: 600_000 });

    log('connector: first sync (account lookup and the connector\'s properties, not counted)…');
    const setup = await connector.sync(platform.simulate(1, past()).map((c) => c.id), 60_000);

    const full = await conversationsWithContactDealAndNote(platform.simulate(options.repeat * 20, { ...past(), outcome: 'completed' }), options.repeat);
    log(`connector: ${options.repeat} single conversations…`);
    const connectorSingles: SyncRun[] = [];
    for (const conversation of full) connectorSingles.push(await connector.sync([conversation.id], 60_000));

    log(`connector: backlog of ${options.backlog} conversations through the sync queue…`);
    const backlog = platform.simulate(options.backlog, past());
    const backlogRun = await connector.sync(backlog.map((c) => c.id), 30 * 60_000);
    if (backlogRun.timedOut) throw new Error(`the connector did not finish the backlog in 30 minutes: ${JSON.stringify(backlogRun.statuses)}`);

    const portal = hubspot.createPortal();
    // The baseline needs the same custom properties to exist; creating them is setup, not counted.
    await createHubSpotAdapter({
      portalId: portal.portalId, basePath: hubspot.url, limiters, tokens: { getAccessToken: async () => portal.privateAppToken },
    }).ensureSchema();
    const naive = naiveWriter({
      basePath: hubspot.url,
      accessToken: portal.privateAppToken,
      // The same limiter the setup calls above went through: one budget per portal.
      limiter: limiters.forAccount('hubspot', String(portal.portalId), HUBSPOT_DEFAULT_BUDGETS),
    });
    const planOf = (c: Conversation): WritePlan => {
      const plan = connector!.planOf(c.id);
      if (!plan) throw new Error(`the connector made no plan for ${c.id}`);
      return plan;
    };
    log(`baseline: ${options.repeat} single conversations…`);
    const naiveSingles: { calls: number; endpoints: Record<string, number> }[] = [];
    for (const conversation of full) naiveSingles.push(await callsOf(hubspot, portal.portalId, () => naive.write(planOf(conversation))));

    const sample = backlog.slice(0, options.sample);
    log(`baseline: the first ${sample.length} conversations of the backlog at the limit…`);
    const before = hubspot.stats(portal.portalId).totalRequests;
    const queue = new PQueue({ concurrency: BASELINE_CONCURRENCY });
    const started = performance.now();
    const finishedAt = await Promise.all(sample.map((c) => queue.add(async () => {
      await naive.write(planOf(c));
      return (performance.now() - started) / 1000;
    })));
    const naiveSeconds = (performance.now() - started) / 1000;
    const naiveCalls = hubspot.stats(portal.portalId).totalRequests - before;
    const afterBurst = finishedAt.filter((t) => t > BURST_SECONDS).length;
    const steadyPerMinute = naiveSeconds > BURST_SECONDS * 2 ? (afterBurst / (naiveSeconds - BURST_SECONDS)) * 60 : (sample.length / naiveSeconds) * 60;

    const connectorStats = hubspot.stats();
    const naiveStats = hubspot.stats(portal.portalId);
    const results: BenchResults = {
      recordedAt: new Date().toISOString(),
      command: `npm run bench:hubspot -- --backlog ${options.backlog} --sample ${options.sample} --repeat ${options.repeat} --seed ${options.seed}`,
      machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
      limit: LIMIT,
      options,
      connector: {
        setupCalls: setup.calls,
        singleCalls: connectorSingles.map((run) => run.calls),
        singleMedian: median(connectorSingles.map((run) => run.calls)),
        singleEndpoints: connectorSingles.at(-1)?.endpoints ?? {},
        backlog: {
          conversations: options.backlog,
          calls: backlogRun.calls,
          callsPerConversation: backlogRun.calls / options.backlog,
          seconds: backlogRun.seconds,
          enqueueSeconds: backlogRun.enqueueSeconds,
          perMinute: (options.backlog / backlogRun.seconds) * 60,
          statuses: backlogRun.statuses,
          endpoints: backlogRun.endpoints,
        },
        rateLimited: connectorStats.rateLimited.total,
        busiestTenSeconds: connectorStats.maxRequestsInTenSeconds,
      },
      baseline: {
        singleCalls: naiveSingles.map((run) => run.calls),
        singleMedian: median(naiveSingles.map((run) => run.calls)),
        singleEndpoints: naiveSingles.at(-1)?.endpoints ?? {},
        sample: {
          conversations: sample.length,
          calls: naiveCalls,
          callsPerConversation: naiveCalls / sample.length,
          seconds: naiveSeconds,
          perMinuteOverall: (sample.length / naiveSeconds) * 60,
          perMinuteSteady: steadyPerMinute,
        },
        backlogExtrapolated: {
          conversations: options.backlog,
          calls: Math.round((naiveCalls / sample.length) * options.backlog),
          seconds: (options.backlog / steadyPerMinute) * 60,
        },
        rateLimited: naiveStats.rateLimited.total,
        busiestTenSeconds: naiveStats.maxRequestsInTenSeconds,
      },
    };
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${formatTable(results)}\nResults written to ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  } finally {
    limiters.close();
    await connector?.close();
    await platform.close();
    await hubspot.close();
  }
}

/** HubSpot requests one portal received while `run` ran, in all and by endpoint. */
async function callsOf(hubspot: HubSpotSandbox, portalId: number, run: () => Promise<unknown>): Promise<{ calls: number; endpoints: Record<string, number> }> {
  const before = hubspot.stats(portalId);
  await run();
  const after = hubspot.stats(portalId);
  return { calls: after.totalRequests - before.totalRequests, endpoints: endpointDelta(before.byEndpoint, after.byEndpoint) };
}

/** The "single conversation" case: one the shipped mapping turns into a contact, a deal and a note. */
async function conversationsWithContactDealAndNote(candidates: Conversation[], count: number): Promise<Conversation[]> {
  const loaded = await loadMappingFile(path.join(MAPPINGS_DIR, 'hubspot.default.yaml'));
  if (!loaded.ok) throw new Error('mappings/hubspot.default.yaml does not load: run crm-connector mappings validate');
  const full = candidates.filter((c) => {
    const keys = new Set(evaluateMapping(loaded.mapping, c, { markdown: renderTranscriptMarkdown(c.transcript) }).records.map((r) => r.role));
    return keys.has('person') && keys.has('deal') && keys.has('note');
  });
  if (full.length < count) throw new Error(`only ${full.length} of ${candidates.length} generated conversations have a contact, a deal and a note`);
  return full.slice(0, count);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench:hubspot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
