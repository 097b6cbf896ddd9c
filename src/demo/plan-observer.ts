/**
 * Remembers the latest WritePlan of each conversation as the sync job makes it, so the demo can
 * say what the mapping chose not to write and why (sync records keep what was written).
 */
import type { WritePlan } from '../crm/write-plan.ts';
import type { SyncDependencies } from '../sync/dependencies.ts';

export interface ObservedPlans {
  deps: SyncDependencies;
  /** Conversation id → the plan of its latest sync. */
  plans: ReadonlyMap<string, WritePlan>;
}

export function observePlans(deps: SyncDependencies): ObservedPlans {
  const plans = new Map<string, WritePlan>();
  return {
    plans,
    deps: {
      ...deps,
      async planFor(installation, binding, conversation, transcriptMd) {
        const plan = await deps.planFor(installation, binding, conversation, transcriptMd);
        plans.set(conversation.id, plan);
        return plan;
      },
    },
  };
}
