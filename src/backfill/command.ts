/**
 * The `backfill` command. Process model:
 * - embedded store: this process has DATA_DIR to itself (the service must be stopped), so it walks
 *   AND runs a sync worker, and waits until every enqueued sync has settled;
 * - DATABASE_URL: it walks (enqueues) while the running service's workers sync, and shows their
 *   progress; `--no-wait` returns once every page is enqueued.
 * Ctrl-C pauses the walk after its current page (`--resume ID` continues it); the syncs already
 * enqueued stay queued.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Backend } from '../server.ts';
import { buildDefaultDependencies } from '../sync/dependencies.ts';
import { startSyncWorker } from '../sync/worker.ts';
import { installationOf, openCommandBackend } from './command-backend.ts';
import type { BackfillCommandOptions } from './commands.ts';
import { dryRunBackfill, type DryRunCounts, type DryRunReport } from './dry-run.ts';
import { cancelBackfill, pauseBackfill, type RunningBackfill } from './manager.ts';
import { describeParams, type BackfillParamsInput } from './params.ts';
import { createProgressDisplay } from './progress-display.ts';
import { backfillProgress, listBackfillProgress, type BackfillProgress } from './progress.ts';
import { startBackfills, type BackfillService } from './service.ts';
import type { WalkOutcome } from './walker.ts';

const POLL_MS = 1_000;
/** With DATABASE_URL, no settled sync for this long while some are pending suggests no worker is running. */
const STALL_HINT_MS = 60_000;

export interface CommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

type Mode = 'list' | 'pause' | 'cancel' | 'resume' | 'dry-run' | 'start';

export async function runBackfillCommand(options: BackfillCommandOptions, io: CommandIo = { out: process.stdout, err: process.stderr }): Promise<void> {
  const mode = modeOf(options);
  const config = loadConfig();
  // Progress goes to stderr; the workers' info logs would tear the bar apart unless asked for.
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.logLevel : 'warn' });
  const backend = await openCommandBackend(config, logger, {
    command: 'crm-connector backfill',
    instead: 'start the backfill from the admin pages while the service runs',
  });
  try {
    switch (mode) {
      case 'list':
        return printList(io, await listBackfillProgress(backend.store, options.installation));
      case 'pause': {
        const paused = await pauseBackfill(backend.store, options.pause!);
        io.out.write(`backfill ${paused.id} paused after its current page; resume it with: crm-connector backfill --resume ${paused.id}\n`);
        return;
      }
      case 'cancel': {
        const cancelled = await cancelBackfill(backend.store, options.cancel!);
        io.out.write(`backfill ${cancelled.id} cancelled; the syncs it already enqueued still run\n`);
        return;
      }
      default:
        return await walkCommand(config, backend, logger, options, mode, io);
    }
  } finally {
    await backend.close({ graceful: true, timeoutMs: config.shutdownTimeoutSeconds * 1000 });
  }
}

function modeOf(options: BackfillCommandOptions): Mode {
  const actions = (['list', 'pause', 'cancel', 'resume'] as const).filter((name) => options[name] !== undefined && options[name] !== false);
  const filters = (['since', 'until', 'widget', 'outcome', 'pageSize', 'resync', 'dryRun'] as const).filter((name) => options[name] !== undefined);
  if (actions.length > 1) throw new Error(`give only one of --${actions.join(', --')}`);
  const [action] = actions;
  if (action && filters.length > 0) {
    throw new Error(`--${action} takes no filters (got --${filters.map(kebab).join(', --')}): a backfill keeps the filters it was started with`);
  }
  if (action) return action;
  return options.dryRun ? 'dry-run' : 'start';
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function paramsOf(options: BackfillCommandOptions): BackfillParamsInput {
  return {
    since: options.since as string,
    until: options.until,
    widgetId: options.widget,
    outcome: options.outcome,
    pageSize: options.pageSize,
    resync: options.resync ?? false,
  };
}

async function walkCommand(config: Config, backend: Backend, logger: Logger, options: BackfillCommandOptions, mode: Mode, io: CommandIo): Promise<void> {
  const embedded = backend.store.kind === 'embedded';
  if (!options.wait && embedded && mode !== 'dry-run') {
    throw new Error(
      '--no-wait needs DATABASE_URL: on the embedded store this command is the only process, so it runs the syncs itself. ' +
        'To leave a backfill to the service, start it from the admin pages while the service runs',
    );
  }
  const backfills = await startBackfills(config, backend, { logger, interruptAs: 'paused', watch: false });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (mode === 'dry-run') {
      const installationId = installationOf(config, options.installation);
      const report = await dryRunBackfill(backfills.runtime, installationId, paramsOf(options), { signal: interrupt.signal });
      printDryRun(io, report, interrupt.signal.aborted);
      return;
    }
    const deps = embedded ? await buildDefaultDependencies(config, { logger }) : undefined;
    const worker = deps ? await startSyncWorker({ ...backend, deps, tuning: config.sync, logger }) : undefined;
    try {
      const running =
        mode === 'resume'
          ? await backfills.manager.resume(options.resume!)
          : await backfills.manager.start({ installationId: installationOf(config, options.installation), params: paramsOf(options), startedBy: 'cli' });
      const { backfill } = running;
      io.err.write(
        `backfill ${backfill.id} ${mode === 'resume' ? 'resumed' : 'started'} for installation ${backfill.installationId}: ${describeParams(backfill.params)}\n` +
          (embedded ? '' : 'the service\'s workers (crm-connector serve) sync what it enqueues\n'),
      );
      await follow(backfills, running, backend, { wait: options.wait, signal: interrupt.signal, io, embedded });
    } finally {
      worker?.stop();
      deps?.close?.();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Pauses a walk still in progress (Ctrl-C) before the queue and the store close.
    await backfills.close();
  }
}

async function follow(
  backfills: BackfillService,
  running: RunningBackfill,
  backend: Backend,
  options: { wait: boolean; signal: AbortSignal; io: CommandIo; embedded: boolean },
): Promise<void> {
  const { id } = running.backfill;
  const { io } = options;
  let walk: WalkOutcome | undefined;
  void running.finished.then((outcome) => {
    walk = outcome;
  });
  const display = createProgressDisplay({ stream: io.err });
  let progress = await current(backend, id);
  let lastSettled = progress.settled;
  let lastChange = Date.now();
  let hinted = false;
  for (;;) {
    display.update(progress);
    if (walk !== undefined && (walk !== 'done' || !options.wait || progress.pending === 0)) break;
    if (options.signal.aborted) break;
    if (progress.settled !== lastSettled) {
      lastSettled = progress.settled;
      lastChange = Date.now();
    } else if (!options.embedded && !hinted && progress.pending > 0 && Date.now() - lastChange > STALL_HINT_MS) {
      hinted = true;
      io.err.write(`\nno sync has settled for ${STALL_HINT_MS / 1000}s: is crm-connector serve (role worker or all) running on this DATABASE_URL?\n`);
    }
    await sleep(POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
    progress = await current(backend, id);
  }
  if (options.signal.aborted) await backfills.manager.close();
  progress = await current(backend, id);
  display.stop(progress);
  report(io, progress, { interrupted: options.signal.aborted, embedded: options.embedded });
}

async function current(backend: Backend, id: string): Promise<BackfillProgress> {
  const progress = await backfillProgress(backend.store, id);
  if (!progress) throw new Error(`backfill ${id} disappeared from the store (was its installation deleted?)`);
  return progress;
}

function report(io: CommandIo, progress: BackfillProgress, context: { interrupted: boolean; embedded: boolean }): void {
  const { id } = progress;
  const resumeHint = `resume it with: crm-connector backfill --resume ${id}`;
  switch (progress.phase) {
    case 'failed':
      throw new Error(`backfill ${id} failed after ${progress.pagesDone} pages: ${progress.lastError ?? 'unknown error'}. Fix the cause, then ${resumeHint}`);
    case 'paused':
      io.err.write(`backfill ${id} paused after ${progress.pagesDone} pages; ${resumeHint}\n`);
      if (context.interrupted) process.exitCode = 130;
      return;
    case 'cancelled':
      io.err.write(`backfill ${id} was cancelled after ${progress.pagesDone} pages\n`);
      process.exitCode = 1;
      return;
    case 'walking':
    case 'interrupted':
      io.err.write(`backfill ${id} is being walked by another process now; follow it with: crm-connector backfill --list\n`);
      return;
    case 'syncing':
      io.err.write(`${summary(progress)}\n`);
      io.err.write(
        context.interrupted && context.embedded
          ? `stopped waiting: ${progress.pending} syncs stay queued and run when the service starts\n`
          : `every page is enqueued; ${progress.pending} syncs are pending in the service's queue (crm-connector backfill --list shows them)\n`,
      );
      if (context.interrupted) process.exitCode = 130;
      return;
    case 'complete':
      io.err.write(`${summary(progress)}\n`);
      if (progress.syncFailed > 0) {
        io.err.write(`${progress.syncFailed} syncs failed: their reasons are on the admin pages; re-run them with: crm-connector retry --failed --installation ${progress.installationId}\n`);
      }
      return;
  }
}

function summary(p: BackfillProgress): string {
  const skipped = p.skipped.alreadySynced + p.skipped.notBound + p.skipped.forgotten;
  return (
    `backfill ${p.id} ${p.phase}: ${p.pagesDone} pages, ${p.seen} conversations; ${p.enqueued} enqueued, ${skipped} skipped ` +
    `(${p.skipped.alreadySynced} already synced, ${p.skipped.notBound} widget not bound, ${p.skipped.forgotten} forgotten); ` +
    `${p.synced} synced, ${p.syncFailed} failed, ${p.syncSkipped} skipped by the sync`
  );
}

function printDryRun(io: CommandIo, report: DryRunReport, interrupted: boolean): void {
  const line = (label: string, c: DryRunCounts) =>
    `  ${label.padEnd(24)} ${String(c.seen).padStart(7)} seen ${String(c.wouldEnqueue).padStart(7)} to enqueue ` +
    `${String(c.skipped.already_synced).padStart(6)} already synced ${String(c.skipped.not_bound).padStart(6)} not bound ` +
    `${String(c.skipped.forgotten).padStart(6)} forgotten\n`;
  io.out.write(
    `dry run${interrupted ? ' (interrupted)' : ''}: ${report.pages} pages, ${report.seen} conversations; ${report.wouldEnqueue} would be enqueued; nothing was enqueued\n`,
  );
  io.out.write('by outcome:\n');
  for (const [outcome, counts] of Object.entries(report.byOutcome).sort()) io.out.write(line(outcome, counts));
  io.out.write('by widget:\n');
  for (const [widget, counts] of Object.entries(report.byWidget).sort()) io.out.write(line(widget, counts));
}

function printList(io: CommandIo, backfills: BackfillProgress[]): void {
  if (backfills.length === 0) {
    io.out.write('no backfills\n');
    return;
  }
  const rows = backfills.map((b) => [
    b.id,
    b.installationId,
    b.phase,
    String(b.pagesDone),
    String(b.seen),
    String(b.enqueued),
    String(b.synced),
    String(b.syncFailed),
    String(b.pending),
    b.startedAt.toISOString(),
    describeParams(b.params) + (b.lastError ? ` (error: ${b.lastError})` : ''),
  ]);
  const header = ['ID', 'INSTALLATION', 'PHASE', 'PAGES', 'SEEN', 'ENQUEUED', 'SYNCED', 'FAILED', 'PENDING', 'STARTED', 'PARAMETERS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    io.out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
  }
}
