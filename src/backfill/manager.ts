/**
 * The backfills walked by this process: started (CLI, admin pages), resumed by id, or picked up
 * because they were interrupted (a stopped or crashed process left them running with a lapsed
 * lease). The service keeps one manager and checks for interrupted backfills on start and then
 * periodically, so with several processes on one Postgres a backfill whose walker died is taken
 * over by a live one. Pause and cancel are plain store updates: the walker notices at its next
 * page, whichever process walks it.
 */
import { BackfillConflictError, claimBackfill, createBackfill, getBackfill, interruptedBackfills, requestBackfillStop, type Backfill, type BackfillOrigin } from '../store/backfills.ts';
import { getInstallation, platformApiOf } from '../store/installations.ts';
import type { Queryable } from '../store/store.ts';
import { parseBackfillParams, type BackfillParamsInput } from './params.ts';
import type { BackfillRuntime } from './runtime.ts';
import { walkBackfill, type WalkOutcome } from './walker.ts';

export interface RunningBackfill {
  backfill: Backfill;
  /** Settles when this process stops walking it. */
  finished: Promise<WalkOutcome>;
}

export interface BackfillManagerOptions {
  /** How a walk interrupted by close() is stored: `running` (the service: resumed on next start) or `paused` (the CLI: Ctrl-C). */
  interruptAs: 'paused' | 'running';
}

export interface StartBackfillRequest {
  installationId: string;
  params: BackfillParamsInput;
  startedBy: BackfillOrigin;
}

export class BackfillManager {
  readonly #rt: BackfillRuntime;
  readonly #options: BackfillManagerOptions;
  readonly #walks = new Map<string, { controller: AbortController; finished: Promise<WalkOutcome> }>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(rt: BackfillRuntime, options: BackfillManagerOptions) {
    this.#rt = rt;
    this.#options = options;
  }

  /** Validates, records and starts walking a new backfill in this process. */
  async start(request: StartBackfillRequest): Promise<RunningBackfill> {
    const params = parseBackfillParams(request.params);
    const installation = await getInstallation(this.#rt.store, this.#rt.box, request.installationId);
    if (!installation) throw new Error(`no installation ${request.installationId}`);
    if (installation.status !== 'active') {
      throw new Error(
        `installation ${installation.id} is ${installation.status} (${installation.statusReason ?? 'no reason given'}): reconnect it before backfilling`,
      );
    }
    // Refused now rather than recorded as a failed backfill: without the platform's URL and key there is nothing to walk.
    platformApiOf(installation);
    const backfill = await createBackfill(this.#rt.store, {
      installationId: installation.id,
      params,
      startedBy: request.startedBy,
      lease: this.#lease(),
    });
    return this.#walk(backfill);
  }

  /** Continues a paused, failed or interrupted backfill from its checkpoint. */
  async resume(id: string): Promise<RunningBackfill> {
    const walking = this.#walks.get(id);
    const current = await getBackfill(this.#rt.store, id);
    if (walking && current) return { backfill: current, finished: walking.finished };
    const claimed = await claimBackfill(this.#rt.store, id, this.#lease(), { anyLease: this.#rt.store.kind === 'embedded' });
    if (!claimed) throw new Error(notResumable(id, current));
    return this.#walk(claimed);
  }

  /** Resumes every running backfill whose walker is gone; returns their ids. */
  async resumeInterrupted(): Promise<string[]> {
    // On the embedded store this process holds the data directory: any `running` backfill was left by a process that is gone.
    const ids = await interruptedBackfills(this.#rt.store, { anyLease: this.#rt.store.kind === 'embedded' });
    const resumed: string[] = [];
    for (const id of ids) {
      if (this.#closed || this.#walks.has(id)) continue;
      try {
        const claimed = await claimBackfill(this.#rt.store, id, this.#lease(), { anyLease: this.#rt.store.kind === 'embedded' });
        if (!claimed) continue; // another process took it first
        this.#walk(claimed);
        resumed.push(id);
        this.#rt.logger.info({ backfillId: id, installationId: claimed.installationId }, 'resumed an interrupted backfill');
      } catch (error) {
        const level = error instanceof BackfillConflictError ? 'warn' : 'error';
        this.#rt.logger[level]({ backfillId: id, err: error }, 'could not resume an interrupted backfill');
      }
    }
    return resumed;
  }

  /** Resumes interrupted backfills now and then every lease period (a walker on another node may die). */
  watchInterrupted(): void {
    if (this.#timer) return;
    const check = () => {
      this.resumeInterrupted().catch((error: unknown) => this.#rt.logger.error({ err: error }, 'checking for interrupted backfills failed'));
    };
    check();
    this.#timer = setInterval(check, this.#rt.tuning.leaseSeconds * 1000);
    this.#timer.unref();
  }

  /** The walk of `id` in this process, if any. */
  walking(id: string): Promise<WalkOutcome> | undefined {
    return this.#walks.get(id)?.finished;
  }

  /** Interrupts every walk of this process (stored as `interruptAs`) and waits for them to stop. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const walks = [...this.#walks.values()];
    for (const walk of walks) walk.controller.abort();
    await Promise.all(walks.map((walk) => walk.finished));
  }

  #lease() {
    return { owner: this.#rt.owner, seconds: this.#rt.tuning.leaseSeconds };
  }

  #walk(backfill: Backfill): RunningBackfill {
    const controller = new AbortController();
    const finished = walkBackfill(this.#rt, backfill, { signal: controller.signal, interruptAs: this.#options.interruptAs }).finally(() =>
      this.#walks.delete(backfill.id),
    );
    this.#walks.set(backfill.id, { controller, finished });
    return { backfill, finished };
  }
}

function notResumable(id: string, backfill: Backfill | undefined): string {
  if (!backfill) return `no backfill ${id}`;
  switch (backfill.status) {
    case 'done':
      return `backfill ${id} has walked every page already; its syncs finish in the workers`;
    case 'cancelled':
      return `backfill ${id} was cancelled; start a new one`;
    default: {
      const until = backfill.leaseUntil ? ` until ${backfill.leaseUntil.toISOString()}` : '';
      return `backfill ${id} is being walked by another process (${backfill.leaseOwner ?? 'unknown'}${until})`;
    }
  }
}

/** Asks the walker of `id`, wherever it runs, to stop after its current page; a paused backfill can be resumed. */
export async function pauseBackfill(db: Queryable, id: string): Promise<Backfill> {
  const paused = await requestBackfillStop(db, id, 'paused');
  if (paused) return paused;
  const current = await getBackfill(db, id);
  throw new Error(current ? `backfill ${id} is ${current.status}, not running: nothing to pause` : `no backfill ${id}`);
}

/**
 * Stops the backfill for good. Syncs it already enqueued (at most about the backpressure
 * threshold) still run: they are ordinary syncs, and dropping them would leave records queued.
 */
export async function cancelBackfill(db: Queryable, id: string): Promise<Backfill> {
  const cancelled = await requestBackfillStop(db, id, 'cancelled');
  if (cancelled) return cancelled;
  const current = await getBackfill(db, id);
  throw new Error(current ? `backfill ${id} is ${current.status} already: nothing to cancel` : `no backfill ${id}`);
}
