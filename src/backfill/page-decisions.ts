/**
 * Which conversations of a listed page a backfill enqueues, and why it leaves the others: pure,
 * over facts gathered beforehand (page-facts.ts), so the walk and the dry run decide the same way.
 *
 * Skipped: a forgotten conversation (it must never come back), one whose widget is not bound to
 * the installation or whose binding is disabled (its sync would only record "skipped"), and one
 * already synced with the mapping version that would be used now (a re-sync would write the same
 * values) unless `resync` asks for it. Everything else is enqueued, failed and partial syncs included.
 */
import type { Conversation } from '../platform/schemas.ts';

export type SkipReason = 'forgotten' | 'not_bound' | 'already_synced';

export type ConversationDecision =
  | { conversationId: string; widgetId: string; action: 'enqueue' }
  | { conversationId: string; widgetId: string; action: 'skip'; reason: SkipReason };

export interface PageFacts {
  forgotten: ReadonlySet<string>;
  /** Widgets with an enabled binding (their own, or the installation's `*`). */
  boundWidgets: ReadonlySet<string>;
  /** Conversation id → mapping version of its last successful sync (only conversations whose record is `synced`). */
  syncedVersions: ReadonlyMap<string, string | null>;
  /** Widget id → the version of the mapping a sync would use now. */
  currentVersions: ReadonlyMap<string, string>;
}

export function decidePage(conversations: readonly Pick<Conversation, 'id' | 'widget_id'>[], facts: PageFacts, resync: boolean): ConversationDecision[] {
  return conversations.map(({ id, widget_id: widgetId }): ConversationDecision => {
    const skip = (reason: SkipReason): ConversationDecision => ({ conversationId: id, widgetId, action: 'skip', reason });
    if (facts.forgotten.has(id)) return skip('forgotten');
    if (!facts.boundWidgets.has(widgetId)) return skip('not_bound');
    if (!resync && facts.syncedVersions.has(id)) {
      const synced = facts.syncedVersions.get(id);
      if (synced != null && synced === facts.currentVersions.get(widgetId)) return skip('already_synced');
    }
    return { conversationId: id, widgetId, action: 'enqueue' };
  });
}

export interface DecisionCounts {
  enqueue: number;
  skipped: Record<SkipReason, number>;
}

export function countDecisions(decisions: readonly ConversationDecision[]): DecisionCounts {
  const counts: DecisionCounts = { enqueue: 0, skipped: { forgotten: 0, not_bound: 0, already_synced: 0 } };
  for (const decision of decisions) {
    if (decision.action === 'enqueue') counts.enqueue++;
    else counts.skipped[decision.reason]++;
  }
  return counts;
}
