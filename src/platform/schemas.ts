/**
 * The Conversations API's objects (shared/spec/conversations-api.md) as zod schemas: the one
 * source of truth for their types. Objects are loose: fields the platform adds later are kept,
 * never fatal; a missing required field fails with its path.
 */
import { z } from 'zod';
import { describeIssues, describeIssuesOfUntrusted } from '../zod-issues.ts';

export const Outcome = z.enum(['completed', 'abandoned', 'error']);
export type Outcome = z.infer<typeof Outcome>;

const IsoDateTime = z.iso.datetime({ offset: true });

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

export const Visitor = z.looseObject({
  ip_country: z.string().nullish(),
  ip_region: z.string().nullish(),
  user_agent: z.string().nullish(),
});
export type Visitor = z.infer<typeof Visitor>;

/** Known roles are `agent` and `user`; other roles are kept as given rather than rejected. */
export const TranscriptTurn = z.looseObject({
  role: z.string().min(1),
  text: z.string(),
  ts: IsoDateTime,
});
export type TranscriptTurn = z.infer<typeof TranscriptTurn>;

export const ToolCall = z.looseObject({
  name: z.string().min(1),
  args: z.record(z.string(), JsonValue).default({}),
  result: JsonValue.optional(),
  ts: IsoDateTime,
});
export type ToolCall = z.infer<typeof ToolCall>;

/** The widget's extraction schema filled in: an open record. Empty while extraction is still running. */
export const ExtractedData = z.record(z.string(), JsonValue);
export type ExtractedData = z.infer<typeof ExtractedData>;

export const CriterionResult = z.looseObject({
  passed: z.boolean(),
  reasoning: z.string().default(''),
});
export type CriterionResult = z.infer<typeof CriterionResult>;

export const CriteriaResults = z.record(z.string(), CriterionResult);
export type CriteriaResults = z.infer<typeof CriteriaResults>;

/** `null` and absent both mean "not populated (yet)": normalised to `{}`. */
const emptyWhenNull = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);

export const Conversation = z.looseObject({
  id: z.string().min(1),
  widget_id: z.string().min(1),
  started_at: IsoDateTime,
  ended_at: IsoDateTime,
  duration_seconds: z.number().int().nonnegative(),
  credits_charged: z.number().nonnegative(),
  page_url: z.string().nullish(),
  outcome: Outcome,
  visitor: Visitor.default({}),
  transcript: z.array(TranscriptTurn).default([]),
  tool_calls: z.array(ToolCall).default([]),
  extracted_data: emptyWhenNull(ExtractedData),
  criteria_results: emptyWhenNull(CriteriaResults),
});
export type Conversation = z.infer<typeof Conversation>;

/**
 * The seed page does not show the list response. Assumed shape (and what the sandbox serves):
 * `{ "data": [Conversation], "next_cursor": string | null }`, null on the last page.
 */
export const ConversationList = z.looseObject({
  data: z.array(Conversation),
  next_cursor: z.string().min(1).nullable(),
});
export type ConversationList = z.infer<typeof ConversationList>;

export const TranscriptFormat = z.enum(['txt', 'md', 'json']);
export type TranscriptFormat = z.infer<typeof TranscriptFormat>;

/** Speaker labels used by the `txt`, `md` and `json` exports. */
export const SPEAKER_LABELS: Record<string, string> = { agent: 'Agent', user: 'Visitor' };
export const speakerLabel = (role: string): string =>
  SPEAKER_LABELS[role] ?? role.charAt(0).toUpperCase() + role.slice(1);

/** `?format=json`: speaker-labelled turns. */
export const TranscriptExport = z.looseObject({
  conversation_id: z.string(),
  turns: z.array(z.looseObject({ speaker: z.string(), role: z.string(), text: z.string(), ts: IsoDateTime })),
});
export type TranscriptExport = z.infer<typeof TranscriptExport>;

/** Error body of the platform: `{ "error": { "code", "message" } }`. */
export const PlatformErrorBody = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string() }),
});

export class PlatformDataError extends Error {
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super(`${what} is not valid: ${issues.join('; ')}`);
    this.name = 'PlatformDataError';
    this.issues = issues;
  }
}

/** Parses platform data, throwing a PlatformDataError that names every bad path. */
export function parsePlatform<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new PlatformDataError(what, describeIssues(result.error));
  return result.data;
}

/** parsePlatform for an API response: errors name the schema's paths and expectations, never the response's content. */
export function parsePlatformResponse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new PlatformDataError(what, describeIssuesOfUntrusted(result.error, schema));
  return result.data;
}

/** True when extraction has not produced anything yet for a completed conversation. */
export const extractionPending = (c: Conversation): boolean =>
  c.outcome === 'completed' &&
  Object.keys(c.extracted_data).length === 0 &&
  Object.keys(c.criteria_results).length === 0;
