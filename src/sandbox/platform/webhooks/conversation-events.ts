/**
 * What happens when conversations end on the sandbox platform: they are stored, `conversation.ended`
 * goes out, and `extractionDelayMs` after `ended_at` the extraction becomes visible and
 * `criteria.evaluated` goes out (only for conversations that get an extraction). With `reorder`,
 * about half of those hold `conversation.ended` back until `criteria.evaluated` was delivered, so
 * the receiver sees them out of order.
 */
import type { Conversation } from '../../../platform/schemas.ts';
import type { KnownEventType } from '../../../platform/webhook-event.ts';
import { PendingWork } from '../pending-work.ts';
import type { SeededRandom } from '../random.ts';
import type { ConversationStore } from '../store.ts';
import type { WebhookSender } from './webhook-sender.ts';

const REORDER_SHARE = 0.5;

export class ConversationEvents {
  private readonly store: ConversationStore;
  private readonly sender: WebhookSender | null;
  private readonly rng: SeededRandom;
  private readonly reorder: boolean;
  private readonly pending = new PendingWork();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: { store: ConversationStore; sender: WebhookSender | null; rng: SeededRandom; reorder: boolean }) {
    this.store = options.store;
    this.sender = options.sender;
    this.rng = options.rng;
    this.reorder = options.reorder;
  }

  /** Stores conversations that just ended and announces them. */
  ended(conversations: readonly Conversation[]): void {
    for (const conversation of conversations) {
      const { extractionReadyAtMs } = this.store.insert(conversation);
      if (this.sender === null) continue; // without webhooks the store alone times the extraction
      const extracts = this.store.hasExtraction(conversation.id);
      const holdEnded = this.reorder && extracts && this.rng.chance(REORDER_SHARE);
      if (!holdEnded) void this.announce('conversation.ended', conversation);
      if (extracts) this.scheduleExtraction(conversation, extractionReadyAtMs, holdEnded);
    }
  }

  /** Resolves when every scheduled extraction has completed and every event was delivered or given up. */
  idle(): Promise<void> {
    return this.pending.idle();
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
  }

  private scheduleExtraction(conversation: Conversation, readyAtMs: number, thenEnded: boolean): void {
    this.pending.begin();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Visible first, announced second: a receiver fetching on `criteria.evaluated` must see the data.
      this.store.completeExtraction(conversation.id);
      const evaluated = this.store.has(conversation.id) ? this.announce('criteria.evaluated', conversation) : Promise.resolve();
      if (thenEnded) {
        this.pending.begin(); // covers the gap between the two deliveries
        void evaluated.then(() => {
          void this.announce('conversation.ended', conversation);
          this.pending.end();
        });
      }
      this.pending.end();
    }, Math.max(0, readyAtMs - Date.now()));
    this.timers.add(timer);
  }

  private announce(type: KnownEventType, conversation: Conversation): Promise<unknown> {
    if (this.sender === null) return Promise.resolve();
    this.pending.begin();
    const event = { type, timestamp: new Date().toISOString(), data: { conversation_id: conversation.id, widget_id: conversation.widget_id } };
    return this.sender.send(event).finally(() => this.pending.end());
  }
}
