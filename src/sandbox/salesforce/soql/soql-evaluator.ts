/**
 * Runs a parsed query against an org's records, with Salesforce's checks: unknown objects and
 * fields, filters on fields that cannot be filtered (long text), literals of the wrong type
 * (`Amount = '5'`), and text comparisons that ignore case (so `Email = 'A@x.com'` finds a@x.com).
 */
import type { FieldDefinition, FieldType } from '../schema/field-definition.ts';
import type { SObjectSchema } from '../schema/schema-catalog.ts';
import type { FieldValue, SObjectRecord } from '../org/record-store.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import { toId18 } from '../org/ids.ts';
import { recordUrl } from '../org/record-writer.ts';
import { SoqlError } from './soql-error.ts';
import type { Condition, FieldRef, Literal, SoqlQuery } from './soql-parser.ts';

export interface QueryRecord {
  attributes: { type: string; url: string };
  [field: string]: unknown;
}

export interface QueryOutcome {
  totalSize: number;
  records: QueryRecord[];
}

const TEXT_TYPES: ReadonlySet<FieldType> = new Set(['string', 'email', 'phone', 'url', 'textarea', 'picklist', 'combobox']);
const NUMBER_TYPES: ReadonlySet<FieldType> = new Set(['double', 'currency', 'int']);
const ID_TYPES: ReadonlySet<FieldType> = new Set(['id', 'reference']);

type Predicate = (record: SObjectRecord) => boolean;

export function runQuery(org: SalesforceOrg, version: string, query: SoqlQuery): QueryOutcome {
  const schema = org.schema.sobject(query.from.name);
  if (!schema) {
    throw new SoqlError('INVALID_TYPE', query.soql, query.from.offset,
      `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const resolve = (ref: FieldRef): FieldDefinition => resolveField(query.soql, schema, ref);
  if (schema.name === 'ContentDocumentLink' && !filtersByLinkId(query.where, resolve)) {
    throw new SoqlError('MALFORMED_QUERY', query.soql, query.from.offset,
      "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.");
  }
  const selected = query.fields.map(resolve);
  const seen = new Set<string>();
  for (const [i, f] of selected.entries()) {
    if (seen.has(f.name)) throw new SoqlError('MALFORMED_QUERY', query.soql, query.fields[i]!.offset, `duplicate field selected: ${f.name}`);
    seen.add(f.name);
  }
  const where = query.where ? compile(query.soql, query.where, resolve) : () => true;
  const order = query.orderBy.map((item) => {
    const field = resolve(item.field);
    if (!isFilterable(field)) throw new SoqlError('INVALID_FIELD', query.soql, item.field.offset, `field '${field.name}' can not be sorted in a query call`);
    return { ...item, field };
  });

  let rows = org.store.all(schema.name).filter(where);
  if (order.length > 0) {
    rows = rows.toSorted((a, b) => {
      for (const o of order) {
        const c = compareForOrder(a[o.field.name] ?? null, b[o.field.name] ?? null, o.descending, o.nullsLast);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  if (query.offset !== undefined) rows = rows.slice(query.offset);
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  if (query.count) return { totalSize: rows.length, records: [] };
  return { totalSize: rows.length, records: rows.map((r) => project(version, schema, selected, r)) };
}

/** Salesforce only lists note links for given documents or records: an `=`/IN on one of the two ids, ANDed. */
function filtersByLinkId(where: Condition | undefined, resolve: (ref: FieldRef) => FieldDefinition): boolean {
  if (!where) return false;
  if (where.kind === 'and') return where.conditions.some((c) => filtersByLinkId(c, resolve));
  const isLinkId = (ref: FieldRef): boolean => ['ContentDocumentId', 'LinkedEntityId'].includes(resolve(ref).name);
  if (where.kind === 'compare') return where.op === '=' && isLinkId(where.field);
  if (where.kind === 'in') return !where.negated && isLinkId(where.field);
  return false;
}

function resolveField(soql: string, schema: SObjectSchema, ref: FieldRef): FieldDefinition {
  if (ref.path.includes('.')) {
    const relationship = ref.path.split('.')[0]!;
    throw new SoqlError('INVALID_FIELD', soql, ref.offset,
      `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const field = schema.field(ref.path);
  if (!field) {
    throw new SoqlError('INVALID_FIELD', soql, ref.offset,
      `No such column '${ref.path}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  return field;
}

/** Long text areas and blobs cannot be filtered or sorted on. */
function isFilterable(field: FieldDefinition): boolean {
  return field.type !== 'base64' && !(field.type === 'textarea' && field.length > 255);
}

function project(version: string, schema: SObjectSchema, fields: FieldDefinition[], record: SObjectRecord): QueryRecord {
  const id = String(record.Id);
  const out: QueryRecord = { attributes: { type: schema.name, url: recordUrl(version, schema.name, id) } };
  for (const f of fields) out[f.name] = fieldOutput(version, schema, f, record);
  return out;
}

/** A record's field as the API returns it: blobs are a URL to fetch the bytes from, not the bytes. */
export function fieldOutput(version: string, schema: SObjectSchema, field: FieldDefinition, record: SObjectRecord): FieldValue {
  const value = record[field.name] ?? null;
  if (field.type === 'base64' && value !== null) return `${recordUrl(version, schema.name, String(record.Id))}/${field.name}`;
  return value;
}

function compareForOrder(a: FieldValue, b: FieldValue, descending: boolean, nullsLast: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsLast ? 1 : -1;
  }
  const c = compareValues(a, b);
  return descending ? -c : c;
}

function compareValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return Number(a) - Number(b);
}

// Conditions ------------------------------------------------------------------------------------

function compile(soql: string, condition: Condition, resolve: (ref: FieldRef) => FieldDefinition): Predicate {
  switch (condition.kind) {
    case 'and': {
      const parts = condition.conditions.map((c) => compile(soql, c, resolve));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = condition.conditions.map((c) => compile(soql, c, resolve));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compile(soql, condition.condition, resolve);
      return (r) => !inner(r);
    }
    case 'like': {
      const field = filterField(soql, condition.field, resolve);
      if (!TEXT_TYPES.has(field.type) && !ID_TYPES.has(field.type)) {
        throw new SoqlError('INVALID_FIELD', soql, condition.field.offset, `invalid operator on ${field.type} field: LIKE`);
      }
      const regex = likePattern(condition.pattern);
      return (r) => typeof r[field.name] === 'string' && regex.test(String(r[field.name]));
    }
    case 'in': {
      const field = filterField(soql, condition.field, resolve);
      const values = condition.values.map((v) => operand(soql, field, v, condition.offset));
      const matches = (value: FieldValue): boolean => values.some((v) => equals(value, v));
      return condition.negated ? (r) => !matches(r[field.name] ?? null) : (r) => matches(r[field.name] ?? null);
    }
    case 'compare': {
      const field = filterField(soql, condition.field, resolve);
      const value = operand(soql, field, condition.value, condition.offset);
      const op = condition.op;
      return (r) => {
        const actual = r[field.name] ?? null;
        if (op === '=') return value === null ? actual === null : equals(actual, value);
        if (op === '!=') return value === null ? actual !== null : !equals(actual, value);
        if (actual === null || value === null) return false;
        const c = compareValues(actual, value);
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
  }
}

function filterField(soql: string, ref: FieldRef, resolve: (ref: FieldRef) => FieldDefinition): FieldDefinition {
  const field = resolve(ref);
  if (!isFilterable(field)) throw new SoqlError('INVALID_FIELD', soql, ref.offset, `field '${field.name}' can not be filtered in a query call`);
  return field;
}

function equals(actual: FieldValue, expected: FieldValue): boolean {
  if (actual === null || expected === null) return actual === expected;
  if (typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

/** A literal as a stored value of `field`'s type; the wrong kind of literal is refused as Salesforce does. */
function operand(soql: string, field: FieldDefinition, literal: Literal, offset: number): FieldValue {
  if (literal.kind === 'null') return null;
  const wrongType = (typeName: string, quoted: boolean): SoqlError => new SoqlError('INVALID_FIELD', soql, offset,
    `value of filter criterion for field '${field.name}' must be of type ${typeName} and should ${quoted ? '' : 'not '}be enclosed in quotes`);
  if (ID_TYPES.has(field.type)) {
    if (literal.kind !== 'string') throw wrongType('id', true);
    const id = toId18(literal.value);
    if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', soql, offset, `invalid ID field: ${literal.value}`);
    return id;
  }
  if (TEXT_TYPES.has(field.type)) {
    if (literal.kind !== 'string') throw wrongType('string', true);
    return literal.value.replace(/\\([%_])/g, '$1');
  }
  if (NUMBER_TYPES.has(field.type)) {
    if (literal.kind !== 'number') throw wrongType(field.type === 'int' ? 'int' : 'double', false);
    return literal.value;
  }
  if (field.type === 'boolean') {
    if (literal.kind !== 'boolean') throw wrongType('boolean', false);
    return literal.value;
  }
  if (field.type === 'date') {
    if (literal.kind !== 'date') throw wrongType('date', false);
    return literal.value;
  }
  if (field.type === 'datetime') {
    if (literal.kind !== 'datetime') throw wrongType('dateTime', false);
    return new Date(literal.value).toISOString().replace('Z', '+0000');
  }
  throw new SoqlError('INVALID_FIELD', soql, offset, `field '${field.name}' can not be filtered in a query call`);
}

/** LIKE: `%` any run, `_` one character, `\%` and `\_` literal; case-insensitive. */
function likePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      source += pattern[++i];
      continue;
    }
    source += c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}
