/**
 * The sandbox platform's in-memory data: conversations kept sorted by (started_at, id) for keyset
 * pagination, the time each one's extraction completes, and the billing usage records that
 * outlive a deleted conversation (anonymised, as the seed page describes).
 */
import type { Conversation, Outcome } from '../../platform/schemas.ts';

export interface UsageRecord {
  readonly id: string;
  /** Null once the conversation has been deleted. */
  conversation_id: string | null;
  readonly widget_id: string;
  readonly ended_at: string;
  readonly duration_seconds: number;
  readonly credits_charged: number;
}

export interface ListFilters {
  readonly widgetId?: string;
  readonly outcome?: Outcome;
  /** Inclusive lower bound on started_at (ms since epoch). */
  readonly sinceMs?: number;
  /** Exclusive upper bound on started_at (ms since epoch). */
  readonly untilMs?: number;
}

/** A place in the (started_at, id) order: the last row a page returned. */
export interface ListPosition {
  readonly startedAtMs: number;
  readonly id: string;
}

interface Entry extends ListPosition {
  readonly conversation: Conversation;
  readonly startedAtMs: number;
  readonly usage: UsageRecord;
  readonly extractionReadyAtMs: number;
  extractionDone: boolean;
}

const comparePosition = (a: ListPosition, b: ListPosition): number =>
  a.startedAtMs - b.startedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class ConversationStore {
  private readonly sorted: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  private readonly usageRecords: UsageRecord[] = [];
  private readonly extractionDelayMs: number;
  private readonly now: () => number;

  constructor(options: { extractionDelayMs: number; now?: () => number }) {
    this.extractionDelayMs = options.extractionDelayMs;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Adds a conversation (as it will look once extracted) and its usage record. Returns when extraction completes. */
  insert(conversation: Conversation): { extractionReadyAtMs: number } {
    if (this.byId.has(conversation.id)) throw new Error(`conversation ${conversation.id} already exists`);
    const startedAtMs = Date.parse(conversation.started_at);
    const extractionReadyAtMs = Date.parse(conversation.ended_at) + this.extractionDelayMs;
    const usage: UsageRecord = {
      id: `usage_${String(this.usageRecords.length + 1).padStart(6, '0')}`,
      conversation_id: conversation.id,
      widget_id: conversation.widget_id,
      ended_at: conversation.ended_at,
      duration_seconds: conversation.duration_seconds,
      credits_charged: conversation.credits_charged,
    };
    const entry: Entry = { id: conversation.id, startedAtMs, conversation: structuredClone(conversation), usage, extractionReadyAtMs, extractionDone: false };
    this.sorted.splice(this.lowerBound({ startedAtMs, id: conversation.id }), 0, entry);
    this.byId.set(conversation.id, entry);
    this.usageRecords.push(usage);
    return { extractionReadyAtMs };
  }

  /** The conversation as a client sees it now: extraction fields stay empty until extraction completes. */
  get(id: string): Conversation | undefined {
    const entry = this.byId.get(id);
    return entry && this.served(entry);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Whether extraction has produced anything for this conversation (some never get any). */
  hasExtraction(id: string): boolean {
    const c = this.byId.get(id)?.conversation;
    return c !== undefined && (Object.keys(c.extracted_data).length > 0 || Object.keys(c.criteria_results).length > 0);
  }

  /** Called when the extraction timer fires, so the data is visible before `criteria.evaluated` goes out. */
  completeExtraction(id: string): void {
    const entry = this.byId.get(id);
    if (entry) entry.extractionDone = true;
  }

  /** Up to `limit` conversations after `after` in (started_at, id) order that match the filters. */
  list(filters: ListFilters, after: ListPosition | null, limit: number): { rows: Conversation[]; hasMore: boolean } {
    let i = Math.max(
      after ? this.upperBound(after) : 0,
      filters.sinceMs === undefined ? 0 : this.lowerBound({ startedAtMs: filters.sinceMs, id: '' }),
    );
    const rows: Conversation[] = [];
    for (; i < this.sorted.length; i++) {
      const entry = this.sorted[i]!;
      if (filters.untilMs !== undefined && entry.startedAtMs >= filters.untilMs) break;
      if (filters.widgetId !== undefined && entry.conversation.widget_id !== filters.widgetId) continue;
      if (filters.outcome !== undefined && entry.conversation.outcome !== filters.outcome) continue;
      if (rows.length === limit) return { rows, hasMore: true };
      rows.push(this.served(entry));
    }
    return { rows, hasMore: false };
  }

  /** Deletes transcript, tool calls and extracted data; the usage record stays, anonymised. */
  delete(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.byId.delete(id);
    this.sorted.splice(this.lowerBound({ startedAtMs: entry.startedAtMs, id }), 1);
    entry.usage.conversation_id = null;
    return true;
  }

  usage(): UsageRecord[] {
    return this.usageRecords.map((u) => ({ ...u }));
  }

  /** A copy, so callers cannot change stored data. */
  private served(entry: Entry): Conversation {
    const extracted = entry.extractionDone || this.now() >= entry.extractionReadyAtMs;
    const copy = structuredClone(entry.conversation);
    return extracted ? copy : { ...copy, extracted_data: {}, criteria_results: {} };
  }

  /** Index of the first entry at or after `position`. */
  private lowerBound(position: ListPosition): number {
    return this.firstIndexWhere((entry) => comparePosition(entry, position) >= 0);
  }

  /** Index of the first entry strictly after `position`. */
  private upperBound(position: ListPosition): number {
    return this.firstIndexWhere((entry) => comparePosition(entry, position) > 0);
  }

  /** Binary search over the sorted entries for a predicate that is false, then true. */
  private firstIndexWhere(isAtOrPast: (entry: Entry) => boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAtOrPast(this.sorted[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
