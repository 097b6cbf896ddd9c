/**
 * What a backfill walks: the List conversations filters (checked by the platform client's own
 * rules, so `since`/`until` mean exactly what the API says: inclusive / exclusive) plus the
 * backfill's options. Stored as JSON on the backfill, so a resumed run walks the same range.
 */
import { z } from 'zod';
import { LIST_LIMIT_MAX, parseListParams, type ListParams } from '../platform/list-params.ts';
import { Outcome } from '../platform/schemas.ts';

export const BackfillParams = z.strictObject({
  /** Inclusive lower bound on the conversation's start. Required: a backfill never means "everything ever" by accident. */
  since: z.string({ error: 'is required: the earliest conversation start to backfill (ISO date or date-time)' }),
  /** Exclusive upper bound. */
  until: z.string().optional(),
  widgetId: z.string().min(1, { error: 'must not be empty' }).optional(),
  outcome: Outcome.optional(),
  /** Conversations per List call. */
  pageSize: z
    .number()
    .int({ error: `must be a whole number from 1 to ${LIST_LIMIT_MAX}` })
    .min(1, { error: `must be a whole number from 1 to ${LIST_LIMIT_MAX}` })
    .max(LIST_LIMIT_MAX, { error: `must be a whole number from 1 to ${LIST_LIMIT_MAX}` })
    .default(LIST_LIMIT_MAX),
  /** Sync conversations already synced with the current mapping too (otherwise they are skipped). */
  resync: z.boolean().default(false),
});
export type BackfillParams = z.infer<typeof BackfillParams>;
export type BackfillParamsInput = z.input<typeof BackfillParams>;

export class BackfillParamsError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid backfill parameters: ${issues.join('; ')}`);
    this.name = 'BackfillParamsError';
    this.issues = issues;
  }
}

/** Validated parameters, or a BackfillParamsError listing every problem ("since must be before until ..."). */
export function parseBackfillParams(input: unknown): BackfillParams {
  const parsed = BackfillParams.safeParse(input);
  if (!parsed.success) {
    throw new BackfillParamsError(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(parameters)'} ${i.message}`));
  }
  try {
    parseListParams(listParamsOf(parsed.data));
  } catch (error) {
    throw new BackfillParamsError((error as { issues?: string[] }).issues ?? [(error as Error).message]);
  }
  return parsed.data;
}

/** The List conversations query of the walk (without the cursor). */
export function listParamsOf(params: BackfillParams): Omit<ListParams, 'cursor'> {
  return {
    since: params.since,
    ...(params.until !== undefined ? { until: params.until } : {}),
    ...(params.widgetId !== undefined ? { widget_id: params.widgetId } : {}),
    ...(params.outcome !== undefined ? { outcome: params.outcome } : {}),
    limit: params.pageSize,
  };
}

/** "since 2026-04-01, until 2026-05-01, widget wgt_1, outcome completed": for logs and listings. */
export function describeParams(params: BackfillParams): string {
  return [
    `since ${params.since}`,
    params.until !== undefined ? `until ${params.until}` : undefined,
    params.widgetId !== undefined ? `widget ${params.widgetId}` : undefined,
    params.outcome !== undefined ? `outcome ${params.outcome}` : undefined,
    params.resync ? 'resync' : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}
