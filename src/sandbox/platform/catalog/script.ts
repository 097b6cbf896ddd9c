/** The building blocks a business's dialogue material is written in (see catalog/verticals/). */
import type { JsonValue } from '../../../platform/schemas.ts';
import type { SeededRandom } from '../random.ts';
import type { Company } from './people.ts';

export interface ToolUse {
  readonly name: string;
  readonly args: Record<string, JsonValue>;
  readonly result: JsonValue;
}

/** One step of a dialogue: a spoken turn, or a tool the agent calls before its next turn. */
export type ScriptLine =
  | { readonly role: 'agent' | 'user'; readonly text: string }
  | { readonly tool: ToolUse };

export const agent = (text: string): ScriptLine => ({ role: 'agent', text });
export const user = (text: string): ScriptLine => ({ role: 'user', text });
export const tool = (name: string, args: Record<string, JsonValue>, result: JsonValue): ScriptLine => ({
  tool: { name, args, result },
});

/** Why the visitor came: their first message and the agent's answer. */
export interface Intent {
  readonly intent: string;
  /** Human wording for notes, e.g. "Wedding catering inquiry". */
  readonly label: string;
  readonly openers: readonly string[];
  readonly reply: string;
  readonly tool?: ToolUse;
}

/** A follow-up question the visitor may ask. `answered: false` fails `answered_visitor_question`. */
export interface Faq {
  readonly topic: string;
  readonly questions: readonly string[];
  readonly answer: string;
  readonly tool?: ToolUse;
  readonly answered?: false;
}

export interface DetailsContext {
  readonly rng: SeededRandom;
  /** When the conversation ends: dates the visitor mentions lie after it. */
  readonly endedAt: Date;
  /** The visitor's company, for B2B businesses; null for private visitors. */
  readonly company: Company | null;
}

/** The business-specific qualification part of a dialogue and what extraction finds in it. */
export interface Details {
  readonly lines: ScriptLine[];
  readonly fields: Record<string, JsonValue>;
  readonly qualified: boolean;
  readonly qualifiedReasoning: string;
}

/** All a business's widget needs to hold realistic conversations. */
export interface Vertical {
  readonly intents: readonly Intent[];
  readonly faqs: readonly Faq[];
  readonly details: (ctx: DetailsContext) => Details;
  /** The business's third acceptance criterion (besides contact info and answered question). */
  readonly qualifyingCriterion: string;
  /** Visitors write on behalf of a company (B2B) and use work email addresses. */
  readonly b2b: boolean;
  readonly closings: readonly string[];
  /** What a visitor pastes in the very long conversations, and the lines it is made of. */
  readonly pastedDocument: { readonly intro: string; readonly heading: string; readonly lines: readonly string[] };
}

const DAY_MS = 86_400_000;

export const daysAfter = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY_MS);

/** `2026-06-15` */
export const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

/** `Monday, June 15` as visitors write dates. */
export const spokenDate = (date: Date): string =>
  date.toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });

export const dollars = (amount: number): string => `$${amount.toLocaleString('en-US')}`;

/** Fills `{name}` placeholders; an unknown placeholder is a bug in the catalog, so it throws. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`catalog template "${template}" has no value for {${key}}`);
    return String(value);
  });
}
