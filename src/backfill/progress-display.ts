/**
 * The CLI's view of a backfill: a cli-progress bar on a terminal, plain lines every few seconds
 * otherwise (logs, CI). The total is unknown until the last page is walked, so the bar's total is
 * "enqueued so far" (marked `+` while walking), and the ETA is the pending syncs at the current rate.
 */
import cliProgress from 'cli-progress';
import type { BackfillProgress } from './progress.ts';
import { RateMeter, etaSeconds, formatDuration } from './rate-meter.ts';

export interface ProgressDisplay {
  update(progress: BackfillProgress): void;
  /** Leaves the last state on screen and a final line. */
  stop(progress: BackfillProgress | undefined): void;
}

export interface ProgressDisplayOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain mode: one line at most this often (and at every phase change). */
  lineIntervalMs?: number;
  now?: () => number;
}

/** The numbers both views show. */
export function progressFields(progress: BackfillProgress, perSecond: number | undefined) {
  const walking = progress.phase === 'walking' || progress.phase === 'interrupted';
  return {
    id: progress.id,
    phase: progress.phase,
    pages: progress.pagesDone,
    seen: progress.seen,
    enqueued: progress.enqueued,
    skipped: progress.skipped.alreadySynced + progress.skipped.notBound + progress.skipped.forgotten,
    synced: progress.synced,
    failed: progress.syncFailed,
    pending: progress.pending,
    more: walking ? '+' : '',
    rate: perSecond === undefined ? '?' : perSecond.toFixed(1),
    eta: walking ? `${formatDuration(etaSeconds(progress.pending, perSecond))}+` : formatDuration(etaSeconds(progress.pending, perSecond)),
  };
}

export function progressLine(progress: BackfillProgress, perSecond: number | undefined): string {
  const f = progressFields(progress, perSecond);
  return (
    `backfill ${f.id} ${f.phase}: ${f.pages} pages, ${f.seen} seen, ${f.enqueued} enqueued, ${f.skipped} skipped, ` +
    `${f.synced} synced, ${f.failed} failed, ${f.pending} pending, ${f.rate}/s, ETA ${f.eta}`
  );
}

export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const now = options.now ?? Date.now;
  const meter = new RateMeter();
  const sample = (progress: BackfillProgress) => {
    meter.add(progress.settled, now());
    return meter.perSecond();
  };
  return options.stream.isTTY ? barDisplay(options.stream, sample) : lineDisplay(options.stream, sample, options.lineIntervalMs ?? 5_000, now);
}

function barDisplay(stream: NodeJS.WritableStream, sample: (p: BackfillProgress) => number | undefined): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Short enough for an 80-column terminal; the id is printed once when the backfill starts.
      format: '{phase} [{bar}] {value}/{total}{more} | pages {pages} | synced {synced} | failed {failed} | {rate}/s | ETA {eta}',
      barsize: 20,
      hideCursor: true,
      emptyOnZero: true,
      // The numbers come from the store about once a second; redraw only when they change.
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const draw = (progress: BackfillProgress) => {
    const payload = progressFields(progress, sample(progress));
    if (!started) {
      bar.start(progress.enqueued, progress.settled, payload);
      started = true;
      return;
    }
    bar.setTotal(progress.enqueued);
    bar.update(progress.settled, payload);
  };
  return {
    update: draw,
    stop(progress) {
      if (progress) draw(progress);
      if (started) bar.stop();
    },
  };
}

function lineDisplay(
  stream: NodeJS.WritableStream,
  sample: (p: BackfillProgress) => number | undefined,
  intervalMs: number,
  now: () => number,
): ProgressDisplay {
  let lastAt = -Infinity;
  let last: BackfillProgress | undefined;
  const write = (progress: BackfillProgress) => {
    stream.write(`${progressLine(progress, sample(progress))}\n`);
    lastAt = now();
    last = progress;
  };
  const changed = (progress: BackfillProgress) =>
    !last || last.phase !== progress.phase || last.settled !== progress.settled || last.pagesDone !== progress.pagesDone;
  return {
    update(progress) {
      if (progress.phase !== last?.phase || now() - lastAt >= intervalMs) write(progress);
      else sample(progress);
    },
    stop(progress) {
      if (progress && changed(progress)) write(progress);
    },
  };
}
