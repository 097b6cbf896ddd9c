/**
 * Executes a batch of WritePlans in three phases, each batched across all plans:
 * 1. records (contacts, companies, deals): if_empty reads + upserts;
 * 2. engagements: notes and calls upserted on their part key, tasks and meetings created with
 *    inline associations, updates of earlier ones;
 * 3. the remaining associations (notes and calls to their contacts and deals among them).
 * 100 conversations with contact + deal + note cost about 6 calls (+1 per if_empty read):
 * contacts, deals, notes upserts, then deal→contact, note→contact, note→deal associations.
 * A plan that failed stops at that phase; the others go on.
 */
import type { ExecutionResult, PlanExecution } from '../adapter.ts';
import { CrmError } from '../errors.ts';
import { createAssociations, recordAssociationNeeds } from './associations.ts';
import type { BatchContext } from './batch-context.ts';
import { writeEngagements } from './engagements.ts';
import { failPlan, isLive, newPlanState, resultOf, type PlanState } from './plan-state.ts';
import { upsertRecords } from './record-upserts.ts';

export async function executeBatch(ctx: BatchContext, batch: PlanExecution[]): Promise<ExecutionResult[]> {
  const states = batch.map(newPlanState);
  for (const state of states) {
    if (state.execution.plan.crm !== 'hubspot') {
      failPlan(state, new CrmError('permanent', `plan for ${state.execution.plan.crm} sent to the HubSpot adapter`, { code: 'WRONG_CRM' }));
    }
  }
  try {
    await upsertRecords(ctx, states.filter(isLive));
    stopAfterAuthFailure(states);
    const engagementLinks = await writeEngagements(ctx, states.filter(isLive));
    stopAfterAuthFailure(states);
    await createAssociations(ctx, [
      ...recordAssociationNeeds(states),
      ...engagementLinks.filter((need) => need.states.every(isLive)),
    ]);
  } catch (error) {
    // A bug, not a CRM answer: fail what is left as retryable so no conversation is lost.
    ctx.log.error({ err: error }, 'HubSpot batch execution failed unexpectedly');
    const failure = new CrmError('retryable', `internal error while writing to HubSpot: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'INTERNAL', cause: error,
    });
    for (const state of states) failPlan(state, failure);
  }
  return states.map(resultOf);
}

/** Once the token is refused, every further call would be too: fail the rest without calling. */
function stopAfterAuthFailure(states: PlanState[]): void {
  const auth = states.find((s) => s.error?.kind === 'auth')?.error;
  if (!auth) return;
  for (const state of states) failPlan(state, auth);
}
