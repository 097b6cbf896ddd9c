/**
 * Sends a batch's write ops the cheaper way — Composite (25 ops per call, references inside a
 * call) or sObject Collections (200 records of one object per call) — and resends records that
 * Salesforce refused only because a row was locked (UNABLE_TO_LOCK_ROW), with backoff, together
 * with the ops that were waiting for them.
 */
import { backoffDelay, sleep, type BackoffPolicy } from '../retry.ts';
import type { Logger } from '../../log.ts';
import type { SalesforceApi } from './api.ts';
import { collectionsCalls, writeAsCollections } from './collections-writer.ts';
import { compositeCalls, writeAsComposite } from './composite-writer.ts';
import type { OpOutcome, WriteOp } from './write-ops.ts';

export type WriteStrategy = 'composite' | 'collections';

/** Composite wins ties: its references keep each conversation's writes in one call. */
export const chooseStrategy = (ops: readonly WriteOp[]): WriteStrategy =>
  compositeCalls(ops) <= collectionsCalls(ops) ? 'composite' : 'collections';

const lockedAlone = (outcome: OpOutcome | undefined): boolean =>
  outcome !== undefined && !outcome.ok && outcome.perRecord && outcome.blockedBy === undefined && outcome.error.code === 'UNABLE_TO_LOCK_ROW';

export async function writeOps(
  api: SalesforceApi,
  ops: readonly WriteOp[],
  backoff: BackoffPolicy,
  log: Logger,
): Promise<{ outcomes: Map<string, OpOutcome>; strategy: WriteStrategy }> {
  const strategy = chooseStrategy(ops);
  const outcomes = new Map<string, OpOutcome>();
  let pending = ops;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (strategy === 'composite') await writeAsComposite(api, pending, outcomes);
    else await writeAsCollections(api, pending, outcomes);
    if (attempt >= backoff.attempts) break;
    const locked = new Set(pending.filter((op) => lockedAlone(outcomes.get(op.id))).map((op) => op.id));
    if (locked.size === 0) break;
    const retry = pending.filter((op) => {
      const outcome = outcomes.get(op.id);
      return locked.has(op.id) || (outcome !== undefined && !outcome.ok && outcome.blockedBy !== undefined && locked.has(outcome.blockedBy));
    });
    for (const op of retry) outcomes.delete(op.id);
    const delay = backoffDelay(backoff, attempt);
    log.warn({ records: locked.size, attempt, delayMs: delay }, 'Salesforce rows were locked, resending those records');
    await sleep(delay);
    pending = retry;
  }
  return { outcomes, strategy };
}
