/**
 * The query string of `GET /api/v1/conversations`, checked parameter by parameter. Every problem is
 * reported at once, each naming the parameter, what it accepts and what was sent.
 */
import { z } from 'zod';
import { Outcome } from '../../../platform/schemas.ts';
import type { ListFilters } from '../store.ts';
import { badRequest } from './api-error.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface ListQuery {
  readonly filters: ListFilters;
  readonly limit: number;
  readonly cursor: string | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DateTimeWithZone = z.iso.datetime({ offset: true });

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const problems: string[] = [];
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems.push(`${name} was given more than once; pass it once`);
      return undefined;
    }
    return value;
  };

  const widgetId = single('widget_id');
  if (widgetId === '') problems.push('widget_id must not be empty; leave it out to list every widget');

  const outcomeRaw = single('outcome');
  let outcome: Outcome | undefined;
  if (outcomeRaw !== undefined) {
    const parsed = Outcome.safeParse(outcomeRaw);
    if (parsed.success) outcome = parsed.data;
    else problems.push(`outcome must be one of ${Outcome.options.join(', ')}; got "${outcomeRaw}"`);
  }

  const sinceMs = parseInstant('since', single('since'), problems);
  const untilMs = parseInstant('until', single('until'), problems);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    problems.push('since must not be after until (since is inclusive, until exclusive)');
  }

  const limitRaw = single('limit');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    const n = /^\d+$/.test(limitRaw) ? Number(limitRaw) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT) limit = n;
    else problems.push(`limit must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}); got "${limitRaw}"`);
  }

  const cursor = single('cursor');
  if (cursor === '') problems.push('cursor must not be empty; leave it out for the first page');

  if (problems.length > 0) throw badRequest(problems.join('; '));
  return {
    filters: {
      ...(widgetId !== undefined ? { widgetId } : {}),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(untilMs !== undefined ? { untilMs } : {}),
    },
    limit,
    cursor: cursor ?? null,
  };
}

/** A date (`2026-04-01`, midnight UTC) or a date-time with a timezone (`2026-04-01T12:00:00Z`). */
function parseInstant(name: string, raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const dateOnly = DATE_ONLY.test(raw);
  const ms = Date.parse(dateOnly ? `${raw}T00:00:00Z` : raw);
  const valid = !Number.isNaN(ms) && (dateOnly ? new Date(ms).toISOString().startsWith(raw) : DateTimeWithZone.safeParse(raw).success);
  if (valid) return ms;
  // A `+02:00` offset sent unencoded arrives as a space.
  const hint = / \d{2}:?\d{2}$/.test(raw) ? ' (encode "+" in the offset as %2B)' : '';
  problems.push(
    `${name} must be an ISO 8601 date (2026-04-01) or a date-time with a timezone (2026-04-01T12:00:00Z); got "${raw}"${hint}`,
  );
  return undefined;
}
