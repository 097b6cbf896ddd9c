/**
 * One field value from a request body, checked and normalised the way Salesforce does. A value
 * JSON cannot turn into the field's type fails the whole request (JSON_PARSER_ERROR, thrown); a
 * value of the right type the field still refuses is a record error (STRING_TOO_LONG...), returned.
 */
import type { FieldDefinition } from '../schema/field-definition.ts';
import type { SchemaCatalog } from '../schema/schema-catalog.ts';
import type { FieldValue } from '../org/record-store.ts';
import { keyPrefixOf, toId18 } from '../org/ids.ts';
import { jsonParserError, recordError, type RecordError } from '../rest/salesforce-error.ts';
import { formatDatetime } from '../org/datetime-format.ts';

export type FieldCheck = { value: FieldValue; error?: undefined } | { value?: undefined; error: RecordError };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;
const ECHO_LIMIT = 200;

function jsonKind(raw: unknown): string {
  if (Array.isArray(raw)) return 'START_ARRAY';
  if (typeof raw === 'object') return 'START_OBJECT';
  if (typeof raw === 'string') return 'VALUE_STRING';
  if (typeof raw === 'boolean') return raw ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return Number.isInteger(raw) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
}

function cannotDeserialize(javaType: string, raw: unknown): never {
  const shown = typeof raw === 'object' ? (Array.isArray(raw) ? '[' : '{') : String(raw);
  throw jsonParserError(`Cannot deserialize instance of ${javaType} from ${jsonKind(raw)} value ${shown} or request may be missing a required field`);
}

/** Long values are echoed shortened so an error about a 40,000-character text stays readable. */
const echo = (value: string): string => (value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}...` : value);

function asText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return cannotDeserialize('string', raw);
}

function asNumber(field: FieldDefinition, raw: unknown): number {
  const javaType = field.type === 'int' ? 'int' : 'double';
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) cannotDeserialize(javaType, raw);
  if (field.type === 'int' && !Number.isInteger(n)) cannotDeserialize(javaType, raw);
  return n;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Checks a value for `field`; `null` and `""` both mean "clear the field", as in Salesforce. */
export function checkFieldValue(field: FieldDefinition, raw: unknown, schema: SchemaCatalog): FieldCheck {
  if (raw === null || raw === '') return { value: null };
  switch (field.type) {
    case 'string': case 'textarea': case 'email': case 'phone': case 'url': case 'picklist': case 'combobox': {
      const value = asText(raw);
      if (field.length > 0 && value.length > field.length) {
        return { error: recordError('STRING_TOO_LONG', `${field.label}: data value too large: ${echo(value)} (max length=${field.length})`, [field.name]) };
      }
      if (field.type === 'email' && !EMAIL.test(value)) {
        return { error: recordError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${echo(value)}`, [field.name]) };
      }
      if (field.type === 'picklist' && field.restrictedPicklist && !field.picklistValues.some((p) => p.active && p.value === value)) {
        return { error: recordError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${echo(value)}`, [field.name]) };
      }
      return { value };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return cannotDeserialize('boolean', raw);
    case 'int': case 'double': case 'currency': {
      const n = asNumber(field, raw);
      const integerDigits = field.type === 'int' ? field.digits : field.precision - field.scale;
      if (integerDigits > 0 && Math.abs(Math.trunc(n)).toString().length > integerDigits) {
        return { error: recordError('NUMBER_OUTSIDE_VALID_RANGE', `${field.label}: value outside of valid range on numeric field: ${n}`, [field.name]) };
      }
      return { value: field.scale > 0 ? Number(n.toFixed(field.scale)) : n };
    }
    case 'date': {
      const text = typeof raw === 'string' ? raw : cannotDeserialize('date', raw);
      const m = DATE.exec(text);
      if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) || (text.length > 10 && Number.isNaN(Date.parse(text)))) cannotDeserialize('date', raw);
      return { value: text.slice(0, 10) };
    }
    case 'datetime': {
      const text = typeof raw === 'string' ? raw : cannotDeserialize('datetime', raw);
      const ms = Date.parse(text);
      if (!DATE.test(text) || Number.isNaN(ms)) cannotDeserialize('datetime', raw);
      return { value: formatDatetime(ms) };
    }
    case 'base64': {
      const text = typeof raw === 'string' ? raw : cannotDeserialize('base64', raw);
      if (!BASE64.test(text)) cannotDeserialize('base64', raw);
      return { value: text.replace(/[\r\n]/g, '') };
    }
    case 'reference': {
      const text = asText(raw);
      const id = toId18(text);
      if (!id) return { error: recordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${echo(text)}`, [field.name]) };
      const accepted = field.referenceTo.map((name) => schema.keyPrefixFor(name));
      if (!accepted.includes(keyPrefixOf(id))) {
        return { error: recordError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${text}`, [field.name]) };
      }
      return { value: id };
    }
    case 'id':
      return { value: asText(raw) };
  }
}
