/**
 * One backfill's walk over List conversations. Per page, in ONE transaction: the checkpoint (the
 * next page's cursor, guarded by this walker's lease), the sync jobs (backfill priority, the same
 * singleton key as live events, so both coalesce) with their sync records, and the pending rows
 * that progress and backpressure follow. A walk interrupted anywhere resumes after the last
 * committed page: nothing is lost, and a page is never enqueued twice (the sync would be
 * idempotent anyway). Before each page the walk waits while the installation's pending backfill
 * syncs exceed the threshold: it only enqueues; the workers sync under the CRM's rate limit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { addPending, checkpointPage, countPending, releaseBackfill, renewLease, settlePending, type Backfill, type Lease } from '../store/backfills.ts';
import { getInstallation } from '../store/installations.ts';
import { markQueued } from '../store/sync-records.ts';
import { enqueueSync } from '../sync/sync-job.ts';
import { countDecisions, decidePage, type ConversationDecision } from './page-decisions.ts';
import { gatherPageFacts } from './page-facts.ts';
import { listParamsOf } from './params.ts';
import type { BackfillRuntime } from './runtime.ts';

/**
 * - done: every page walked and enqueued (the syncs may still be running);
 * - interrupted: the caller's signal stopped it; stored as `interruptAs`;
 * - stopped: it was paused or cancelled meanwhile, or another process took it over;
 * - failed: stored as failed with the reason; resumable.
 */
export type WalkOutcome = 'done' | 'interrupted' | 'stopped' | 'failed';

export interface WalkOptions {
  signal?: AbortSignal;
  /** How an interruption is stored: `paused` (an operator stopped it) or `running` with no lease (a shutdown: resumed on the next start). */
  interruptAs: 'paused' | 'running';
}

/** The walker no longer holds the backfill; the page's transaction must roll back. */
class LeaseLost extends Error {}

/** Walks `backfill`, which this process must have created or claimed (its lease is `runtime.owner`'s). */
export async function walkBackfill(rt: BackfillRuntime, backfill: Backfill, options: WalkOptions): Promise<WalkOutcome> {
  const lease: Lease = { owner: rt.owner, seconds: rt.tuning.leaseSeconds };
  const log = rt.logger.child({ backfillId: backfill.id, installationId: backfill.installationId });
  let pages: AsyncGenerator<unknown> | undefined;
  try {
    const installation = await getInstallation(rt.store, rt.box, backfill.installationId);
    if (!installation) throw new Error(`installation ${backfill.installationId} no longer exists`);
    const walk = rt.platformFor(installation).pages({
      ...listParamsOf(backfill.params),
      ...(backfill.nextCursor !== null ? { cursor: backfill.nextCursor } : {}),
    });
    pages = walk;
    log.info({ resumeFrom: backfill.nextCursor, pagesDone: backfill.pagesDone }, 'backfill walking');
    for (;;) {
      const room = await waitForRoom(rt, backfill, lease, options.signal);
      if (room === 'interrupted') {
        await releaseBackfill(rt.store, backfill.id, lease.owner, { status: options.interruptAs });
        log.info({ storedAs: options.interruptAs }, 'backfill interrupted');
        return 'interrupted';
      }
      if (room === 'stopped') return stopped(log);
      const next = await walk.next();
      // The client ends the walk only after a page without next_cursor, which returns below.
      if (next.done) throw new Error('the platform client ended the walk without a last page');
      const page = next.value;
      const facts = await gatherPageFacts(rt.store, installation, page.data, rt.mappingVersions);
      const decisions = decidePage(page.data, facts, backfill.params.resync);
      if (!(await commitPage(rt, backfill, lease, decisions, page.next_cursor))) return stopped(log);
      if (page.next_cursor === null) {
        log.info('backfill walked every page');
        return 'done';
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ err: error }, `backfill failed: ${message}`);
    try {
      await releaseBackfill(rt.store, backfill.id, lease.owner, { status: 'failed', error: message });
    } catch (recordError) {
      log.error({ err: recordError }, 'could not record the backfill failure');
    }
    return 'failed';
  } finally {
    await pages?.return(undefined);
  }
}

function stopped(log: BackfillRuntime['logger']): WalkOutcome {
  log.info('backfill stopped: paused or cancelled meanwhile, or taken over by another process');
  return 'stopped';
}

/** Backpressure: returns once the installation's unsettled backfill syncs are below the threshold. */
async function waitForRoom(rt: BackfillRuntime, backfill: Backfill, lease: Lease, signal: AbortSignal | undefined): Promise<'ok' | 'interrupted' | 'stopped'> {
  for (let logged = false; ; ) {
    if (signal?.aborted) return 'interrupted';
    if (!(await renewLease(rt.store, backfill.id, lease))) return 'stopped';
    await settlePending(rt.store, backfill.installationId);
    const pending = await countPending(rt.store, { installationId: backfill.installationId });
    if (pending < rt.tuning.maxPending) return 'ok';
    if (!logged) {
      rt.logger.info({ backfillId: backfill.id, pending, threshold: rt.tuning.maxPending }, 'backfill waiting for enqueued syncs to drain');
      logged = true;
    }
    await sleep(rt.tuning.pollMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}

/** False when the walker lost the backfill (paused, cancelled, taken over): nothing of the page is written. */
async function commitPage(
  rt: BackfillRuntime,
  backfill: Backfill,
  lease: Lease,
  decisions: ConversationDecision[],
  nextCursor: string | null,
): Promise<boolean> {
  const counts = countDecisions(decisions);
  const enqueue = decisions.filter((d) => d.action === 'enqueue');
  try {
    await rt.store.transaction(async (tx) => {
      const held = await checkpointPage(
        tx,
        backfill.id,
        lease,
        {
          seen: decisions.length,
          enqueued: counts.enqueue,
          skippedSynced: counts.skipped.already_synced,
          skippedUnbound: counts.skipped.not_bound,
          skippedForgotten: counts.skipped.forgotten,
        },
        nextCursor,
      );
      if (!held) throw new LeaseLost();
      for (const decision of enqueue) {
        const key = { installationId: backfill.installationId, conversationId: decision.conversationId };
        const jobId = await enqueueSync(rt.boss, { ...key, trigger: 'backfill' }, { db: tx.queueDb });
        // null: a sync of this conversation is already queued (a live event); it reads the latest state, and is followed like ours.
        if (jobId !== null) await markQueued(tx, key, { widgetId: decision.widgetId, trigger: 'backfill' });
      }
      await addPending(tx, backfill.id, backfill.installationId, enqueue.map((d) => d.conversationId));
    });
    return true;
  } catch (error) {
    if (error instanceof LeaseLost) return false;
    throw error;
  }
}
