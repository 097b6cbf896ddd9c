/**
 * The closed set of transforms. Each takes one value and gives a value or a reason why there is
 * none; a list of transforms runs in order. A value without a usable form (a "date" that is not a
 * date) becomes "no value" with that reason, never a wrong value in the CRM.
 */
import type { CrmName } from '../crm/write-plan.ts';
import { addDays, formatCrmDate, formatCrmDateTime, formatIso, parseDate } from './dates.ts';
import { normalisePhone } from './phone.ts';
import type { Literal, Transform } from './schema.ts';
import { splitName } from './split-name.ts';

export type Scalar = string | number | boolean;
export type Value = Scalar | Scalar[];
export type Step = { ok: true; value: Value } | { ok: false; reason: string };

export interface TransformContext {
  crm: CrmName;
  /** The visitor's IP country: the default for phone numbers written without a country code. */
  visitorCountry: string | undefined;
}

export const transformName = (t: Transform): string => (typeof t === 'string' ? t : (Object.keys(t)[0] ?? ''));

/** Lists become text when a transform needs one value: "vegan, gluten-free". */
export const asScalar = (value: Value, separator = ', '): Scalar => (Array.isArray(value) ? value.map(String).join(separator) : value);

const text = (value: Value): string => String(asScalar(value));
const fail = (reason: string): Step => ({ ok: false, reason });
const ok = (value: Value): Step => ({ ok: true, value });

/**
 * Runs the transforms over a value. `default` fills in only when `useDefaults` is set: the caller
 * first tries every source without defaults, so a fallback source wins over a default.
 */
export function runTransforms(start: Step, transforms: readonly Transform[], ctx: TransformContext, useDefaults: boolean): Step {
  let step = start;
  for (const transform of transforms) {
    if (typeof transform === 'object' && 'default' in transform) {
      if (!step.ok && useDefaults) step = ok(transform.default);
      continue;
    }
    if (step.ok) step = applyTransform(transform, step.value, ctx);
  }
  return step;
}

function applyTransform(transform: Transform, value: Value, ctx: TransformContext): Step {
  if (typeof transform === 'string') return applyBare(transform, value, ctx);
  if ('truncate' in transform) return ok([...text(value)].slice(0, transform.truncate).join(''));
  if ('split_name' in transform) {
    const parts = splitName(text(value));
    const part = parts[transform.split_name];
    return part ? ok(part) : fail(`\`${text(value)}\` has no ${transform.split_name} name`);
  }
  if ('map' in transform) return mapValue(asScalar(value), transform.map);
  if ('add_days' in transform) {
    const parsed = parseDate(asScalar(value));
    return 'error' in parsed ? fail(parsed.error) : ok(formatIso(addDays(parsed, transform.add_days)));
  }
  if ('join' in transform) return ok(asScalar(value, transform.join));
  if ('phone' in transform) return phone(value, transform.phone.country);
  return ok(value);
}

function applyBare(name: Extract<Transform, string>, value: Value, ctx: TransformContext): Step {
  switch (name) {
    case 'trim':
      return ok(typeof value === 'string' ? value.trim() : value);
    case 'lower':
      return ok(text(value).toLowerCase());
    case 'upper':
      return ok(text(value).toUpperCase());
    case 'email':
      return email(text(value));
    case 'email_domain':
      return emailDomain(text(value));
    case 'phone':
      return phone(value, ctx.visitorCountry);
    case 'number':
      return toNumber(asScalar(value));
    case 'boolean':
      return toBoolean(asScalar(value));
    case 'date':
    case 'datetime': {
      const parsed = parseDate(asScalar(value));
      if ('error' in parsed) return fail(parsed.error);
      return ok(name === 'date' ? formatCrmDate(parsed, ctx.crm) : formatCrmDateTime(parsed, ctx.crm));
    }
  }
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;

/** Trimmed, lower-cased, `mailto:` and "Name <addr>" unwrapped: the form CRMs match contacts on. */
function email(input: string): Step {
  const unwrapped = (/<([^<>]+)>/.exec(input)?.[1] ?? input).trim().replace(/^mailto:/i, '').toLowerCase();
  return EMAIL.test(unwrapped) ? ok(unwrapped) : fail(`\`${input}\` is not an email address`);
}

/** Mailbox providers whose domain says nothing about the visitor's company. */
export const PERSONAL_EMAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'ymail.com', 'hotmail.com', 'hotmail.co.uk', 'outlook.com',
  'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de',
  'gmx.net', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru', 'qq.com', '163.com', '126.com', 'zoho.com', 'fastmail.com',
]);

function emailDomain(input: string): Step {
  const address = email(input);
  if (!address.ok) return address;
  const domain = text(address.value).split('@')[1] ?? '';
  return PERSONAL_EMAIL_DOMAINS.has(domain) ? fail(`${domain} is a personal email provider, not a company domain`) : ok(domain);
}

function phone(value: Value, country: string | undefined): Step {
  const result = normalisePhone(text(value), country);
  return 'error' in result ? fail(result.error) : ok(result.value);
}

/** "1,200", "50 guests", "$ 3 500.50" → numbers; "50-60" or "fifty" → no value (which one would be right?). */
function toNumber(value: Scalar): Step {
  if (typeof value === 'number') return ok(value);
  if (typeof value === 'boolean') return fail(`${value} is not a number`);
  const numbers = value.replace(/(\d)[,\s](?=\d{3}\b)/g, '$1').match(/-?\d+(?:\.\d+)?/g) ?? [];
  if (numbers.length !== 1) return fail(`\`${value}\` is not a number`);
  return ok(Number(numbers[0]));
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'passed']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'failed']);

function toBoolean(value: Scalar): Step {
  if (typeof value === 'boolean') return ok(value);
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail(`\`${value}\` is not yes or no`);
}

function mapValue(value: Scalar, args: { values: Record<string, Literal>; strict: boolean; default?: Literal | undefined }): Step {
  const key = String(value);
  if (Object.hasOwn(args.values, key)) return ok(args.values[key] as Literal);
  const folded = key.trim().toLowerCase();
  const match = Object.keys(args.values).find((k) => k.trim().toLowerCase() === folded);
  if (match !== undefined) return ok(args.values[match] as Literal);
  if (args.strict) return args.default === undefined ? fail(`\`${key}\` is not in the map`) : ok(args.default);
  return ok(value);
}
