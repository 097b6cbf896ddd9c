/**
 * The seeded conversation generator: the same seed (and the same `now`) gives the same
 * conversations, call after call. Returns conversations as they look once extraction has
 * completed; the store decides when a client may see the extraction.
 */
import type { Conversation, Outcome } from '../../platform/schemas.ts';
import { GEOS, USER_AGENTS } from './catalog/people.ts';
import { WIDGETS, findWidget, type Widget } from './catalog/widgets.ts';
import { cutShort, writeDialogue } from './generation/dialogue.ts';
import { extract } from './generation/extraction.ts';
import { anchorTimeline, formatTimestamp, scheduleLines } from './generation/timeline.ts';
import { VisitorPool } from './generation/visitors.ts';
import { SeededRandom } from './random.ts';

export const OUTCOME_SHARES: Readonly<Record<Outcome, number>> = { completed: 70, abandoned: 22, error: 8 };

/**
 * Every 50th conversation pastes a long document: any batch of 50 or more consecutive
 * conversations holds one transcript over 70,000 characters (note and Task size limits).
 */
export const LONG_TRANSCRIPT_EVERY = 50;
const LONG_TRANSCRIPT_SLOT = 7;

const DAY_MS = 86_400_000;

export interface ConversationSpec {
  /** When the conversation ends (ms since epoch). */
  readonly endedAtMs: number;
  readonly widgetId?: string;
  readonly outcome?: Outcome;
}

export class ConversationGenerator {
  private readonly rng: SeededRandom;
  private readonly visitors: VisitorPool;
  private readonly usedIds = new Set<string>();
  private generated = 0;

  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
    this.visitors = new VisitorPool(this.rng);
  }

  /** `count` conversations that ended at whole seconds during the `days` before `now`, oldest first. */
  history(count: number, options: { now: Date; days?: number }): Conversation[] {
    const spanS = Math.floor(((options.days ?? 28) * DAY_MS) / 1000);
    const nowS = Math.floor(options.now.getTime() / 1000);
    const ends = Array.from({ length: count }, () => (nowS - this.rng.int(60, spanS)) * 1000).sort((a, b) => a - b);
    return ends.map((endedAtMs) => this.conversation({ endedAtMs }));
  }

  /** `count` conversations ending during the `spreadMs` before `at`, in the order they ended. */
  endingAt(count: number, options: { at: Date; spreadMs: number; widgetId?: string; outcome?: Outcome }): Conversation[] {
    const atMs = options.at.getTime();
    const ends = Array.from({ length: count }, () => atMs - this.rng.int(0, options.spreadMs)).sort((a, b) => a - b);
    return ends.map((endedAtMs) => this.conversation({ endedAtMs, widgetId: options.widgetId, outcome: options.outcome }));
  }

  conversation(spec: ConversationSpec): Conversation {
    const long = this.generated++ % LONG_TRANSCRIPT_EVERY === LONG_TRANSCRIPT_SLOT;
    const rng = this.rng;
    const widget = spec.widgetId === undefined ? this.pickWidget() : requireWidget(spec.widgetId);
    const outcome = spec.outcome ?? (long ? 'completed' : rng.weighted(OUTCOME_SHARES));
    const visitor = this.visitors.next();
    const disclosure = this.visitors.disclose(visitor, widget.vertical.b2b);
    const endedAt = new Date(spec.endedAtMs);

    const dialogue = writeDialogue({ rng, widget, disclosure, endedAt, pastesDocument: long });
    const steps = outcome === 'completed' ? dialogue.steps : cutShort(rng, widget, dialogue.steps, outcome);
    const timeline = scheduleLines(rng, steps.flatMap((s) => s.lines), outcome);
    const startMs = spec.endedAtMs - timeline.endOffsetS * 1000;
    const geo = rng.pick(GEOS);

    return {
      id: this.newId(),
      widget_id: widget.widgetId,
      started_at: formatTimestamp(startMs),
      ended_at: formatTimestamp(spec.endedAtMs),
      duration_seconds: timeline.endOffsetS,
      credits_charged: timeline.endOffsetS,
      page_url: rng.chance(0.03) ? null : rng.pick(widget.pageUrls),
      outcome,
      visitor: { ip_country: geo.ip_country, ip_region: geo.ip_region, user_agent: rng.pick(USER_AGENTS) },
      ...anchorTimeline(timeline, startMs),
      ...extract(rng, widget, dialogue, steps, outcome),
    };
  }

  private pickWidget(): Widget {
    const weights = Object.fromEntries(WIDGETS.map((w) => [w.widgetId, w.traffic]));
    return requireWidget(this.rng.weighted(weights));
  }

  private newId(): string {
    for (;;) {
      const id = `conv_${this.rng.idBody(12)}`;
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }
}

function requireWidget(widgetId: string): Widget {
  const widget = findWidget(widgetId);
  if (!widget) throw new Error(`unknown widget "${widgetId}"; the sandbox hosts ${WIDGETS.map((w) => w.widgetId).join(', ')}`);
  return widget;
}
