/**
 * Phase 3: associations between records (deal→contact, contact→company, …) and the engagement
 * links that could not be made inline, with the v4 default-association endpoint: one call per
 * object pair and ≤100 pairs. Pairs an earlier sync already linked are not sent again.
 */
import { CrmError } from '../errors.ts';
import type { BatchContext } from './batch-context.ts';
import { sendInBatches } from './batch-writer.ts';
import type { AssociationNeed } from './engagements.ts';
import { UPSERT_ROLES } from './merged-records.ts';
import { failPlan, isLive, type PlanState } from './plan-state.ts';

/** Associations the plans ask for between their upserted records. */
export function recordAssociationNeeds(states: PlanState[]): AssociationNeed[] {
  const needs: AssociationNeed[] = [];
  for (const state of states) {
    if (!isLive(state)) continue;
    const { plan, previous } = state.execution;
    for (const record of plan.records) {
      if (!UPSERT_ROLES.has(record.role)) continue;
      const from = state.objects[record.key];
      if (!from) continue;
      for (const key of record.associations) {
        const to = state.objects[key];
        if (!to || !UPSERT_ROLES.has(plan.records.find((r) => r.key === key)?.role ?? '')) continue;
        if (previous[record.key]?.id === from.id && previous[key]?.id === to.id) continue;
        needs.push({ states: [state], fromObject: from.object, fromId: from.id, toObject: to.object, toId: to.id });
      }
    }
  }
  return needs;
}

export async function createAssociations(ctx: BatchContext, needs: AssociationNeed[]): Promise<void> {
  // One input per distinct pair, remembering every plan that asked for it.
  const byPair = new Map<string, AssociationNeed>();
  for (const need of needs) {
    const key = [need.fromObject, need.toObject, need.fromId, need.toId].join('\u0000');
    const held = byPair.get(key);
    if (held) held.states.push(...need.states);
    else byPair.set(key, { ...need, states: [...need.states] });
  }
  const byObjects = new Map<string, AssociationNeed[]>();
  for (const need of byPair.values()) {
    const key = `${need.fromObject}\u0000${need.toObject}`;
    const list = byObjects.get(key);
    if (list) list.push(need);
    else byObjects.set(key, [need]);
  }
  await Promise.all([...byObjects.values()].map(async (pairs) => {
    const { fromObject, toObject } = pairs[0]!;
    const outcomes = await sendInBatches(
      pairs.map((p) => ({ keys: [`${p.fromId}->${p.toId}`], input: { from: p.fromId, to: p.toId } })),
      {
        path: `${fromObject}→${toObject} associations`,
        send: (items) => ctx.requests.associateDefault(fromObject, toObject, items.map((i) => i.input)),
        resultKeys: (result) => [`${result.from.id}->${result.to.id}`],
        idempotent: true,
      },
    );
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) return;
      const pair = pairs[i]!;
      const error = new CrmError(outcome.error.kind, `could not associate ${fromObject} ${pair.fromId} with ${toObject} ${pair.toId}: ${outcome.error.message}`, {
        status: outcome.error.status, code: outcome.error.code, retryAfterMs: outcome.error.retryAfterMs, cause: outcome.error,
      });
      for (const state of pair.states) failPlan(state, error);
    });
  }));
}
