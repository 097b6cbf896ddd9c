/**
 * Filters of `GET /api/v1/conversations`, checked before anything is sent: a typo'd or
 * out-of-range filter must fail loudly, not silently widen a backfill to every conversation.
 */
import { z } from 'zod';
import { Outcome } from './schemas.ts';
import { PlatformArgumentError } from './client-errors.ts';

export const LIST_LIMIT_MAX = 200;

/** A value as it should appear in an error message: quoted strings, cut short. */
const show = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/** A date-time without a zone is refused: the platform would have to guess it. */
const Instant = z
  .string({ error: (iss) => `must be an ISO date or date-time string (got ${show(iss.input)})` })
  .refine((v) => isoDate.safeParse(v).success || isoDateTime.safeParse(v).success, {
    error: (iss) =>
      `must be an ISO date (2026-04-01) or a date-time with a zone (2026-04-01T12:00:00Z) (got ${show(iss.input)})`,
  });

const NonEmptyString = z
  .string({ error: (iss) => `must be a string (got ${show(iss.input)})` })
  .min(1, { error: 'must not be empty' });

const LIST_PARAM_NAMES = ['widget_id', 'since', 'until', 'outcome', 'limit', 'cursor'] as const;

export const ListParams = z
  .strictObject(
    {
      widget_id: NonEmptyString.optional(),
      /** Inclusive. */
      since: Instant.optional(),
      /** Exclusive. */
      until: Instant.optional(),
      outcome: z
        .enum(Outcome.options, {
          error: (iss) => `must be one of ${Outcome.options.join(', ')} (got ${show(iss.input)})`,
        })
        .optional(),
      /** Absent means the platform's default (50); never sent unless given. */
      limit: z
        .number({ error: (iss) => `must be a whole number (got ${show(iss.input)})` })
        .refine((n) => Number.isInteger(n) && n >= 1 && n <= LIST_LIMIT_MAX, {
          error: (iss) => `must be between 1 and ${LIST_LIMIT_MAX} (got ${show(iss.input)})`,
        })
        .optional(),
      cursor: NonEmptyString.optional(),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown parameter ${iss.keys.map(show).join(', ')} (known: ${LIST_PARAM_NAMES.join(', ')})`
          : `must be an object of list parameters (got ${show(iss.input)})`,
    },
  )
  .superRefine((p, ctx) => {
    // Date-only values compare as midnight UTC, which is how Date.parse reads them.
    if (p.since !== undefined && p.until !== undefined && Date.parse(p.since) >= Date.parse(p.until)) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: `must be before until, which is exclusive (got since ${p.since}, until ${p.until})`,
      });
    }
  });
export type ListParams = z.infer<typeof ListParams>;

/** Validated list parameters, or a PlatformArgumentError listing every bad one ("limit must be ..."). */
export function parseListParams(params: unknown): ListParams {
  const result = ListParams.safeParse(params ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path} ${issue.message}`;
  });
  throw new PlatformArgumentError('list parameters', issues);
}

/** The query string in a fixed order; absent filters are not sent at all. */
export function listQuery(params: ListParams): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of LIST_PARAM_NAMES) {
    const value = params[name];
    if (value !== undefined) query.set(name, String(value));
  }
  return query;
}
