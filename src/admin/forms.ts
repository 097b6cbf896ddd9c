/**
 * The admin forms' fields, validated with zod. Errors come back per field in words an admin
 * understands, so a rejected form is shown again with the message beside the field.
 */
import { z } from 'zod';
import { Outcome } from '../platform/schemas.ts';
import { ANY_WIDGET } from '../store/widget-bindings.ts';

/** Form values arrive as strings; an unchecked checkbox does not arrive at all. */
const text = z.string().trim();
/** A text field left blank means "not given". */
const optionalText = text.optional().transform((v) => (v === '' ? undefined : v));
const checkbox = z.literal('on').optional().transform((v) => v === 'on');

/** An admin to add: a HubSpot user id (digits) or the email of the user's HubSpot login. */
export const AddAdminForm = z.object({
  who: text
    .refine((v) => /^\d{1,20}$/.test(v) || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v), { error: 'must be a HubSpot user id (digits) or an email address' })
    .transform((v) => (/^\d+$/.test(v) ? { crmUserId: v } : { email: v.toLowerCase() })),
});

export const RemoveAdminForm = z.object({ adminId: text.regex(/^\d{1,18}$/, { error: 'must be an admin entry id' }) });

export const PlatformSettingsForm = z.object({
  apiUrl: text.pipe(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://api.platform.example' })),
  /** Blank keeps the stored key (the page never shows it). */
  apiKey: optionalText,
});
export type PlatformSettingsForm = z.infer<typeof PlatformSettingsForm>;

/** Widget ids name files (`<crm>.widget.<id>.yaml`), so only plain ids; `*` binds every other widget. */
const WIDGET_ID = /^[A-Za-z0-9_-]{1,100}$/;

export const BindingForm = z.object({
  widgetId: text.refine((v) => v === ANY_WIDGET || WIDGET_ID.test(v), {
    error: `must be a widget id (letters, digits, "_" and "-", like wgt_abc123) or ${ANY_WIDGET} for every other widget`,
  }),
  /** Blank: the CRM's default mapping (or the widget's own file, when there is one). */
  mappingFile: text.optional().transform((v) => (v === '' || v === undefined ? null : v)),
  enabled: checkbox,
});
export type BindingForm = z.infer<typeof BindingForm>;

/**
 * The backfill form: blanks dropped, then the backfill's own parameter rules apply (dates, ranges:
 * src/backfill/params.ts, via the manager), so the page and the CLI accept exactly the same.
 */
export const BackfillForm = z.object({
  since: text.min(1, { error: 'is required: the earliest conversation start to backfill' }),
  until: optionalText,
  widgetId: optionalText,
  outcome: optionalText.pipe(z.enum(Outcome.options, { error: `must be one of ${Outcome.options.join(', ')}` }).optional()),
  resync: checkbox,
});
export type BackfillForm = z.infer<typeof BackfillForm>;

export const ForgetForm = z.object({
  keepDeal: checkbox,
  /** The confirmation checkbox: forgetting deletes CRM records and cannot be undone. */
  confirm: z.literal('on', { error: 'must be ticked: forgetting deletes CRM records and cannot be undone' }),
});
export type ForgetForm = z.infer<typeof ForgetForm>;

/** Deleting an installation: the admin types its name, so a misplaced click deletes nothing. */
export const DeleteInstallationForm = z.object({
  confirmName: text,
});

export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Parses a urlencoded body; on failure returns the first message per field and the values as typed, to fill the form again. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.code === 'invalid_type' && fields[field] === undefined ? 'is required' : issue.message;
  }
  const values = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ok: false, errors, values };
}
