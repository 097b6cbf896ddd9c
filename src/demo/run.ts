/**
 * The demo: a CRM sandbox, the platform sandbox and the connector (in this process, on the
 * embedded store in a fresh data directory), joined the way a real single-tenant install is:
 * the platform signs webhooks to the connector's `/webhooks/platform`, the connector reads the
 * Conversations API and writes to the CRM's API. The platform ends a batch of conversations,
 * delivering some webhooks twice and some out of order; the demo waits until every sync is
 * final, then prints what happened and where to look.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../sandbox/platform/server.ts';
import { startService, type RunningService } from '../server.ts';
import { DEFAULT_INSTALLATION } from '../store/single-tenant.ts';
import { buildDefaultDependencies } from '../sync/dependencies.ts';
import type { DemoCliOptions } from './commands.ts';
import { startDemoCrm, type DemoCrmSandbox } from './crm-sandbox.ts';
import { freePort } from './free-port.ts';
import { observePlans } from './plan-observer.ts';
import { demoSucceeded, formatSummary, summarize } from './summary.ts';
import { waitForSyncs } from './sync-settled.ts';

const HOST = '127.0.0.1';
/** The mappings shipped with the connector, whatever the working directory; MAPPINGS_DIR overrides. */
const SHIPPED_MAPPINGS = path.resolve(import.meta.dirname, '../../mappings');
/** Enough to show idempotency without drowning the connector: a fifth of events twice, half the criteria first. */
const DUPLICATE_RATE = 0.2;

/** Resolves with the exit code: 0 when every conversation synced without a failure or a rate-limit hit. */
export async function runDemo(options: DemoCliOptions, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const startedAt = Date.now();
  const logger = createLogger({ level: process.env.LOG_LEVEL?.trim() || 'error', name: 'demo' });
  const dataDir = options.dataDir ? await emptyDataDir(path.resolve(options.dataDir)) : await mkdtemp(path.join(tmpdir(), 'crm-connector-demo-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  if (!options.dataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const crm = await startDemoCrm(options.crm);
    cleanups.push(() => crm.close());
    out(`Starting the ${crm.label} sandbox, the platform sandbox and the connector (data: ${dataDir})…\n`);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const connectorPort = await freePort(HOST);
    const connectorUrl = `http://${HOST}:${connectorPort}`;
    const platform = await startPlatformSandbox(
      {
        host: HOST,
        seed: options.seed,
        conversations: 0,
        webhook: { url: `${connectorUrl}/webhooks/platform`, secret, duplicateRate: DUPLICATE_RATE, reorder: true, retryDelayMs: 250 },
      },
      logger.child({ name: 'platform-sandbox' }),
    );
    cleanups.push(() => platform.close());
    const config = loadConfig({
      PORT: String(connectorPort),
      HOST,
      DATA_DIR: dataDir,
      MAPPINGS_DIR: process.env.MAPPINGS_DIR?.trim() || SHIPPED_MAPPINGS,
      LOG_LEVEL: logger.level,
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      // The demo only talks to its own loopback sandboxes.
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      ...crm.env,
      // Write up to HubSpot's batch size at once, and retry soon in a short run.
      SYNC_BATCH_SIZE: '100',
      SYNC_RETRY_DELAY_SECONDS: '2',
      SHUTDOWN_TIMEOUT_SECONDS: '5',
    });
    const observed = observePlans(await buildDefaultDependencies(config, { logger }));
    cleanups.push(() => observed.deps.close?.());
    const service = await startService({ config, deps: observed.deps, logger });
    cleanups.push(() => service.close());

    const syncStartedAt = Date.now();
    const conversations = platform.simulate(options.conversations);
    out(`The platform ended ${conversations.length} conversations; waiting for the connector to sync them…\n`);
    const progress = progressLine(out);
    const wait = await waitForSyncs(service, {
      installationId: DEFAULT_INSTALLATION,
      conversationIds: conversations.map((c) => c.id),
      deliveriesDone: platform.deliverPending(),
      timeoutMs: options.timeoutSeconds * 1000,
      onProgress: progress.update,
    });
    progress.done();
    const syncSeconds = (Date.now() - syncStartedAt) / 1000;
    const summary = summarize({
      crmLabel: crm.label,
      seed: options.seed,
      conversations,
      webhooks: { ...platform.webhookStats(), reordered: true },
      records: wait.records,
      plans: observed.plans,
      written: crm.records(),
      usage: crm.usage(),
      unsettled: wait.unsettled,
      timedOut: wait.timedOut,
      syncSeconds,
      totalSeconds: (Date.now() - startedAt) / 1000,
    });
    out(`\n${formatSummary(summary)}\n${whereToLook({ crm, platform, service, keepRunning: options.keepRunning })}`);
    if (options.keepRunning) {
      await untilInterrupted();
      out('Stopping…\n');
    }
    return demoSucceeded(summary) ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

/**
 * The CRM sandbox starts empty on every run, so the store must too: sync records of an earlier run
 * would point at records the new sandbox never had.
 */
async function emptyDataDir(dir: string): Promise<string> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) throw new Error(`--data-dir ${dir} is not empty: the demo needs a fresh data directory (its CRM sandbox starts empty)`);
  await mkdir(dir, { recursive: true });
  return dir;
}

function whereToLook(input: { crm: DemoCrmSandbox; platform: PlatformSandbox; service: RunningService; keepRunning: boolean }): string {
  const { crm, platform, service } = input;
  const lines = [
    'Where to look',
    `  ${crm.label} sandbox  ${crm.inspectUrl}   every record written, with its associations and the note bodies`,
    `  Connector        ${service.url}/readyz   health; webhooks arrive at POST ${service.url}/webhooks/platform`,
    `  Platform API     ${platform.url}/api/v1/conversations   (Authorization: Bearer ${platform.apiKey})`,
  ];
  lines.push(
    input.keepRunning
      ? 'Everything keeps running until Ctrl-C.'
      : 'These stop now; run with --keep-running to open them (npm run demo -- --keep-running).',
  );
  return `${lines.join('\n')}\n`;
}

/** "synced 34/60" rewritten in place on a terminal; nothing when the output is a file or a pipe. */
function progressLine(out: (text: string) => void): { update: (final: number, total: number) => void; done: () => void } {
  const live = process.stdout.isTTY === true;
  let shown = false;
  return {
    update(final, total) {
      if (!live) return;
      out(`\r  ${final}/${total} conversations final`);
      shown = true;
    },
    done() {
      if (shown) out('\n');
    },
  };
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
