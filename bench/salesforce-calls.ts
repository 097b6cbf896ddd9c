/**
 * `npm run bench:salesforce [-- --backlog 2000 --repeat 5 --seed 11 --batch 100]`
 *
 * Salesforce API calls per conversation, for the connector's adapter and for a naive per-event
 * baseline (bench/naive-salesforce.ts), in the same run, on the same WritePlans (the shipped
 * mapping applied to generated conversations), each against its own org of the Salesforce sandbox:
 *   (a) one conversation with a Lead, an Opportunity, a Task and a note, `repeat` times: median calls;
 *   (b) a backlog of `backlog` conversations, in batches of `batch` plans (the sync job's
 *       SYNC_BATCH_SIZE): calls, calls per conversation, conversations per minute;
 *   (c) the same backlog through the baseline, 8 conversations at a time.
 * The adapter's once-per-org setup (describes, the connector's fields) is counted apart.
 * Salesforce has no per-second limit, only the org's daily allocation: the figure that matters is
 * how many conversations a day's allocation carries (15,000 calls: Developer Edition; Enterprise
 * orgs get 100,000 + 1,000 per licence). Conversations per minute here measure this machine and
 * the local sandbox, not Salesforce. Writes bench/results/salesforce-calls.json.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import PQueue from 'p-queue';
import { createSalesforceAdapter, type SalesforceAdapter } from '../src/crm/salesforce/adapter.ts';
import { AccountRateLimiter } from '../src/crm/rate-limit.ts';
import type { WritePlan } from '../src/crm/write-plan.ts';
import { createLogger } from '../src/log.ts';
import { evaluateMapping } from '../src/mapping/evaluate.ts';
import { loadMappingFile } from '../src/mapping/load.ts';
import { startPlatformSandbox } from '../src/sandbox/platform/server.ts';
import { startSalesforceSandbox, type OrgCredentials, type SalesforceSandbox } from '../src/sandbox/salesforce/index.ts';
import { renderTranscriptMarkdown } from '../src/transcript/render-turns.ts';
import { naiveSalesforceWriter } from './naive-salesforce.ts';
import { median, progress, wholeNumber } from './stats.ts';

const root = path.resolve(import.meta.dirname, '..');
const MAPPING_FILE = path.join(root, 'mappings/salesforce.default.yaml');
const RESULTS_FILE = path.join(root, 'bench/results/salesforce-calls.json');
const DAILY_ALLOCATION = 15_000;
/** Webhook handlers a naive integration runs at once. */
const BASELINE_CONCURRENCY = 8;

const { values: args } = parseArgs({
  options: {
    backlog: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '5' },
    seed: { type: 'string', default: '11' },
    batch: { type: 'string', default: '100' },
  },
});
const options = {
  backlog: wholeNumber('backlog', args.backlog, 1),
  repeat: wholeNumber('repeat', args.repeat, 1),
  seed: wholeNumber('seed', args.seed, 0),
  batch: wholeNumber('batch', args.batch, 1),
};

const log = progress;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

interface Side {
  singleCalls: number[];
  singleMedian: number;
  backlog: { conversations: number; calls: number; callsPerConversation: number; seconds: number; perMinute: number; perDailyAllocation: number };
}

async function main(): Promise<void> {
  const sandbox = await startSalesforceSandbox({ port: 0, dailyLimit: 1_000_000, log: createLogger({ level: 'silent' }) });
  const platform = await startPlatformSandbox({ conversations: 0, seed: options.seed, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
  const limiter = new AccountRateLimiter();
  try {
    const loaded = await loadMappingFile(MAPPING_FILE, 'mappings/salesforce.default.yaml');
    if (!loaded.ok) throw new Error('mappings/salesforce.default.yaml does not load: run crm-connector mappings validate');
    const past = () => ({ at: new Date(Date.now() - 3_600_000), spreadMs: 600_000 });
    const planOf = (c: Parameters<typeof evaluateMapping>[1]): WritePlan =>
      evaluateMapping(loaded.mapping, c, { markdown: renderTranscriptMarkdown(c.transcript) }, { transcriptUrl: `https://platform.example/c/${c.id}` });
    const full = platform.simulate(options.repeat * 20, { ...past(), outcome: 'completed' }).map(planOf)
      .filter((plan) => ['person', 'deal', 'activity', 'note'].every((role) => plan.records.some((r) => r.role === role)))
      .slice(0, options.repeat);
    if (full.length < options.repeat) throw new Error(`only ${full.length} generated conversations have a Lead, an Opportunity, a Task and a note`);
    const backlog = platform.simulate(options.backlog, past()).map(planOf);

    // The connector: one adapter per org, as the service keeps it.
    const connectorOrg = sandbox.createOrg();
    const adapter = adapterFor(sandbox, connectorOrg, limiter);
    const setupCalls = await callsOf(sandbox, connectorOrg, () => adapter.ensureSchema().then(() => adapter.describe(['Contact', 'Lead', 'Opportunity', 'Task', 'ContentNote'])));
    log(`connector: ${options.repeat} single conversations…`);
    const connectorSingles: number[] = [];
    for (const plan of full) connectorSingles.push(await callsOf(sandbox, connectorOrg, () => executeAll(adapter, [plan])));
    log(`connector: backlog of ${options.backlog} conversations in batches of ${options.batch}…`);
    const connectorBacklog = await timed(sandbox, connectorOrg, async () => {
      for (let i = 0; i < backlog.length; i += options.batch) await executeAll(adapter, backlog.slice(i, i + options.batch));
    });

    // The baseline, on its own org: the same plans, one conversation at a time.
    const naiveOrg = sandbox.createOrg();
    const naive = naiveSalesforceWriter({ instanceUrl: naiveOrg.instanceUrl, accessToken: naiveOrg.accessToken });
    log(`baseline: ${options.repeat} single conversations…`);
    const naiveSingles: number[] = [];
    for (const plan of full) naiveSingles.push(await callsOf(sandbox, naiveOrg, () => naive.write(plan)));
    log(`baseline: backlog of ${options.backlog} conversations, ${BASELINE_CONCURRENCY} at a time…`);
    const queue = new PQueue({ concurrency: BASELINE_CONCURRENCY });
    const naiveBacklog = await timed(sandbox, naiveOrg, () => Promise.all(backlog.map((plan) => queue.add(() => naive.write(plan)))));

    const side = (singles: number[], run: { calls: number; seconds: number }): Side => ({
      singleCalls: singles,
      singleMedian: median(singles),
      backlog: {
        conversations: backlog.length,
        calls: run.calls,
        callsPerConversation: round(run.calls / backlog.length, 3),
        seconds: round(run.seconds, 1),
        perMinute: Math.round((backlog.length / run.seconds) * 60),
        perDailyAllocation: Math.floor(DAILY_ALLOCATION / (run.calls / backlog.length)),
      },
    });
    const results = {
      recordedAt: new Date().toISOString(),
      command: `npm run bench:salesforce -- --backlog ${options.backlog} --repeat ${options.repeat} --seed ${options.seed} --batch ${options.batch}`,
      machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
      dailyAllocation: DAILY_ALLOCATION,
      options,
      connector: { setupCalls, ...side(connectorSingles, connectorBacklog), refused: sandbox.stats(connectorOrg.orgId).refused },
      baseline: { ...side(naiveSingles, naiveBacklog), refused: sandbox.stats(naiveOrg.orgId).refused },
    };
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${formatTable(results)}\nResults written to ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  } finally {
    limiter.close();
    await platform.close();
    await sandbox.close();
  }
}

function adapterFor(sandbox: SalesforceSandbox, org: OrgCredentials, limiter: AccountRateLimiter): SalesforceAdapter {
  const client = sandbox.oauthClients[0]!;
  return createSalesforceAdapter({
    orgId: org.orgId,
    instanceUrl: org.instanceUrl,
    tokens: { accessToken: org.accessToken, refreshToken: org.refreshToken, clientId: client.clientId, clientSecret: client.clientSecret, loginUrl: sandbox.url },
    limiter,
    budget: { share: 1 },
    log: createLogger({ level: 'silent' }),
  });
}

async function executeAll(adapter: SalesforceAdapter, plans: WritePlan[]): Promise<void> {
  const results = await adapter.execute(plans.map((plan) => ({ plan, previous: {} })));
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`${failed.length} plans failed, first: ${failed[0]!.ok ? '' : failed[0]!.error.describe()}`);
}

async function callsOf(sandbox: SalesforceSandbox, org: OrgCredentials, run: () => Promise<unknown>): Promise<number> {
  const before = sandbox.stats(org.orgId).calls;
  await run();
  return sandbox.stats(org.orgId).calls - before;
}

async function timed(sandbox: SalesforceSandbox, org: OrgCredentials, run: () => Promise<unknown>): Promise<{ calls: number; seconds: number }> {
  const started = performance.now();
  const calls = await callsOf(sandbox, org, run);
  return { calls, seconds: (performance.now() - started) / 1000 };
}

function formatTable(r: { connector: Side & { setupCalls: number }; baseline: Side; options: typeof options; dailyAllocation: number }): string {
  const row = (label: string, connector: string | number, baseline: string | number) => `| ${label} | ${connector} | ${baseline} |`;
  const { connector: c, baseline: b } = r;
  return [
    '| Salesforce API calls | connector | naive per-event baseline |',
    '|---|---:|---:|',
    row('single conversation (Lead + Opportunity + Task + note), median', c.singleMedian, b.singleMedian),
    row(`backlog of ${r.options.backlog}: calls`, c.backlog.calls, b.backlog.calls),
    row(`backlog of ${r.options.backlog}: calls per conversation`, c.backlog.callsPerConversation, b.backlog.callsPerConversation),
    row(`backlog of ${r.options.backlog}: conversations per minute (local sandbox)`, c.backlog.perMinute, b.backlog.perMinute),
    row(`conversations per ${r.dailyAllocation.toLocaleString('en')}-call daily allocation (backlog rate)`, c.backlog.perDailyAllocation.toLocaleString('en'), b.backlog.perDailyAllocation.toLocaleString('en')),
    row('one-time setup calls per org (describes, connector fields)', c.setupCalls, '—'),
  ].join('\n');
}

await main();
