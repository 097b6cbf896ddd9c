/**
 * Type enforcement on write, as HubSpot does it: every value arrives as a string and is checked
 * against its property's definition, then stored in HubSpot's canonical form (dates as
 * `YYYY-MM-DD`, datetimes as ISO 8601 in UTC).
 */
import type { PropertyIssue } from './hubspot-errors.ts';
import type { PropertyDefinition } from './property-definitions.ts';

/** HubSpot's limit for any single-line or multi-line text value (notes included). */
export const MAX_STRING_LENGTH = 65_536;

const NUMBER = /^-?\d+(\.\d+)?$/;
const EPOCH_MS = /^-?\d+$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export type NormalizedValue = { ok: true; value: string } | { ok: false; code: string; message: string };

function invalid(code: string, message: string): NormalizedValue {
  return { ok: false, code, message };
}

/** Parses the forms HubSpot accepts for dates: epoch milliseconds, `YYYY-MM-DD` or ISO 8601. */
function parseInstant(raw: string): Date | undefined {
  if (EPOCH_MS.test(raw)) return new Date(Number(raw));
  if (DATE_ONLY.test(raw)) return new Date(`${raw}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw)) return undefined;
  const parsed = new Date(raw);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function normalizeDate(raw: string): NormalizedValue {
  const instant = parseInstant(raw);
  if (!instant) return invalid('INVALID_DATE', `${raw} is not a valid date; use epoch milliseconds at midnight UTC or YYYY-MM-DD.`);
  const [h, m, s, ms] = [instant.getUTCHours(), instant.getUTCMinutes(), instant.getUTCSeconds(), instant.getUTCMilliseconds()];
  if (h + m + s + ms !== 0) return invalid('INVALID_DATE', `${raw} is at ${h}:${m}:${s}.${ms} UTC, not midnight!`);
  return { ok: true, value: instant.toISOString().slice(0, 10) };
}

function normalizeDatetime(raw: string): NormalizedValue {
  const instant = parseInstant(raw);
  if (!instant) return invalid('INVALID_DATE', `${raw} is not a valid datetime; use epoch milliseconds or ISO 8601.`);
  return { ok: true, value: instant.toISOString() };
}

function normalizeEnumeration(definition: PropertyDefinition, raw: string): NormalizedValue {
  const allowed = definition.options.map((option) => option.value);
  // Multi-select (checkbox) values are `;`-separated; every part must be an option.
  const parts = definition.fieldType === 'checkbox' ? raw.split(';') : [raw];
  const bad = parts.find((part) => !allowed.includes(part));
  if (bad !== undefined) return invalid('INVALID_OPTION', `${bad} was not one of the allowed options: [${allowed.join(', ')}]`);
  return { ok: true, value: raw };
}

/** Checks one value; an empty string clears the property and is always accepted. */
export function normalizeValue(definition: PropertyDefinition, raw: string): NormalizedValue {
  if (raw === '') return { ok: true, value: '' };
  // Since HubSpot's 2025 validation change, non-string values with surrounding spaces are rejected.
  const padded = raw.trim() !== raw;
  switch (definition.type) {
    case 'string':
      return raw.length > MAX_STRING_LENGTH
        ? invalid('MAX_LENGTH_EXCEEDED', `Property ${definition.name} is ${raw.length} characters long; the maximum is ${MAX_STRING_LENGTH}.`)
        : { ok: true, value: raw };
    case 'number':
      return !padded && NUMBER.test(raw) ? { ok: true, value: raw } : invalid('INVALID_INTEGER', `${raw} was not a valid number.`);
    case 'bool': {
      const lower = raw.toLowerCase();
      return lower === 'true' || lower === 'false' ? { ok: true, value: lower } : invalid('INVALID_BOOLEAN', `${raw} was not a valid boolean; use true or false.`);
    }
    case 'date':
      return padded ? invalid('INVALID_DATE', `${raw} is not a valid date.`) : normalizeDate(raw);
    case 'datetime':
      return padded ? invalid('INVALID_DATE', `${raw} is not a valid datetime.`) : normalizeDatetime(raw);
    case 'enumeration':
      return normalizeEnumeration(definition, raw);
  }
}

export interface CheckedProperties {
  values: Record<string, string>;
  issues: PropertyIssue[];
}

/** Checks a whole properties map against a type's definitions; all problems are reported at once. */
export function checkProperties(
  input: Record<string, string>,
  lookup: (name: string) => PropertyDefinition | undefined,
): CheckedProperties {
  const values: Record<string, string> = {};
  const issues: PropertyIssue[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const definition = lookup(name);
    if (!definition) {
      issues.push({ propertyName: name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist`, value: raw });
      continue;
    }
    if (definition.readOnlyValue) {
      issues.push({ propertyName: name, code: 'READ_ONLY_VALUE', message: `${name} is a read only property; its value cannot be set.`, value: raw });
      continue;
    }
    const normalized = normalizeValue(definition, raw);
    if (normalized.ok) values[name] = normalized.value;
    else issues.push({ propertyName: name, code: normalized.code, message: normalized.message, value: raw });
  }
  return { values, issues };
}
