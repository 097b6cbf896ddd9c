/**
 * Creates, updates, upserts and deletes records with Salesforce's checks, in Salesforce's order:
 * a body JSON cannot map onto the object fails the request (thrown SalesforceApiError); a record
 * the org refuses (required field, picklist, length, uniqueness, rules) gets a failed save result.
 * Single-record routes, sObject Collections and composite subrequests all write through here.
 */
import type { FieldDefinition } from '../schema/field-definition.ts';
import type { SObjectSchema } from '../schema/schema-catalog.ts';
import { checkFieldValue } from '../validation/field-values.ts';
import { applyObjectBehaviour, dependentsOf } from '../validation/object-behaviour.ts';
import { ruleMatches } from '../validation/org-rules.ts';
import { duplicatesDetected, DEFAULT_DUPLICATE_MESSAGE } from '../validation/duplicate-result.ts';
import { jsonParserError, notFound, recordError, SalesforceApiError, type RecordError } from '../rest/salesforce-error.ts';
import { formatDatetime } from './datetime-format.ts';
import { keyPrefixOf, toId18 } from './ids.ts';
import type { FieldValue, SObjectRecord } from './record-store.ts';
import type { SalesforceOrg } from './salesforce-org.ts';

export type SaveResult =
  | { success: true; id: string; created: boolean }
  | { success: false; id?: string; errors: RecordError[] };

/** An upsert whose external id matched several records (HTTP 300). */
export interface MultipleMatches {
  multiple: string[];
}

export const recordUrl = (version: string, sobject: string, id: string): string => `/services/data/v${version}/sobjects/${sobject}/${id}`;

const failed = (errors: RecordError[], id?: string): SaveResult => (id ? { success: false, id, errors } : { success: false, errors });

/** Text equality as Salesforce's indexes see it: case-insensitive unless the field says otherwise. */
function sameValue(field: FieldDefinition, a: FieldValue, b: FieldValue): boolean {
  if (a === null || b === null) return false;
  if (typeof a === 'string' && typeof b === 'string' && !field.caseSensitive && field.type !== 'id' && field.type !== 'reference') {
    return a.toLowerCase() === b.toLowerCase();
  }
  return a === b;
}

export class RecordWriter {
  readonly #org: SalesforceOrg;
  readonly #version: string;

  constructor(org: SalesforceOrg, version: string) {
    this.#org = org;
    this.#version = version;
  }

  create(schema: SObjectSchema, body: unknown): SaveResult {
    const { values, errors } = this.#checkBody(schema, body, 'create');
    if (errors.length > 0) return failed(errors);
    const record = this.#defaults(schema);
    Object.assign(record, values);
    const refused = this.#validate(schema, record, undefined);
    if (refused.length > 0) return failed(refused);
    record.Id = this.#org.ids.next(schema.keyPrefix);
    this.#org.store.put(schema.name, record);
    return { success: true, id: record.Id, created: true };
  }

  update(schema: SObjectSchema, id: string, body: unknown): SaveResult {
    const existing = this.get(schema, id);
    if (!existing) return failed([this.missing(id)], id);
    const { values, errors } = this.#checkBody(schema, body, 'update');
    if (errors.length > 0) return failed(errors, String(existing.Id));
    const stamp = formatDatetime(this.#org.now());
    const record: SObjectRecord = { ...existing, ...values };
    if ('LastModifiedDate' in record) {
      record.LastModifiedDate = stamp;
      record.LastModifiedById = this.#org.user.userId;
    }
    record.SystemModstamp = stamp;
    const refused = this.#validate(schema, record, existing);
    if (refused.length > 0) return failed(refused, String(existing.Id));
    this.#org.store.put(schema.name, record);
    return { success: true, id: String(existing.Id), created: false };
  }

  /**
   * Upsert on an external id (or idLookup) field: creates when nothing matches, updates one match,
   * reports several. The body may repeat the external id only with the same value.
   */
  upsert(schema: SObjectSchema, field: FieldDefinition, value: string, body: unknown): SaveResult | MultipleMatches {
    if (field.type === 'id') {
      const existing = this.get(schema, value);
      if (!existing) throw notFound();
      return this.update(schema, String(existing.Id), body);
    }
    const bodyValue = isPlainObject(body) ? Object.entries(body).find(([k]) => k.toLowerCase() === field.name.toLowerCase())?.[1] : undefined;
    if (bodyValue !== undefined && String(bodyValue) !== value) {
      throw SalesforceApiError.of(400, 'INVALID_FIELD', `${field.name}: the external id in the body (${String(bodyValue)}) differs from the one in the URL (${value})`);
    }
    const matches = this.findBy(schema, field, value);
    if (matches.length > 1) return { multiple: matches.map((r) => String(r.Id)) };
    const rest = isPlainObject(body) ? Object.fromEntries(Object.entries(body).filter(([k]) => k.toLowerCase() !== field.name.toLowerCase())) : body;
    const [match] = matches;
    if (match) return this.update(schema, String(match.Id), rest);
    return this.create(schema, isPlainObject(rest) ? { ...rest, [field.name]: value } : rest);
  }

  /** Deletes a record and what Salesforce deletes with it (its tasks, its note links). */
  delete(schema: SObjectSchema, id: string): SaveResult {
    const existing = this.get(schema, id);
    if (!existing) return failed([this.missing(id)], id);
    const recordId = String(existing.Id);
    for (const dependent of dependentsOf(recordId, this.#org.store)) this.#org.store.remove(dependent.sobject, dependent.id);
    this.#org.store.remove(schema.name, recordId);
    return { success: true, id: recordId, created: false };
  }

  /** The record with this id (15 or 18 characters), when it is of this object. */
  get(schema: SObjectSchema, id: string): SObjectRecord | undefined {
    const id18 = toId18(id);
    if (!id18 || keyPrefixOf(id18) !== schema.keyPrefix) return undefined;
    return this.#org.store.get(schema.name, id18);
  }

  /** Why a record id names nothing: deleted earlier, or never a record of this org. */
  missing(id: string): RecordError {
    const id18 = toId18(id);
    if (!id18) return recordError('MALFORMED_ID', `malformed id ${id}`, ['Id']);
    return this.#org.store.wasDeleted(id18)
      ? recordError('ENTITY_IS_DELETED', 'entity is deleted')
      : recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
  }

  findBy(schema: SObjectSchema, field: FieldDefinition, value: FieldValue): SObjectRecord[] {
    return this.#org.store.all(schema.name).filter((r) => sameValue(field, r[field.name] ?? null, value));
  }

  // ---------------------------------------------------------------------------------------------

  /** Maps a request body onto fields: unknown names and un-deserialisable values fail the request. */
  #checkBody(schema: SObjectSchema, body: unknown, mode: 'create' | 'update'): { values: SObjectRecord; errors: RecordError[] } {
    if (!isPlainObject(body)) {
      throw jsonParserError(`Cannot deserialize instance of ${schema.name} from ${Array.isArray(body) ? 'START_ARRAY' : 'VALUE_STRING'} value or request may be missing a required field`);
    }
    const values: SObjectRecord = {};
    const errors: RecordError[] = [];
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      const field = schema.field(key);
      if (!field) throw SalesforceApiError.of(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${schema.name}`);
      if (field.name === 'Id') {
        if (mode === 'create') errors.push(recordError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']));
        continue;
      }
      const writable = mode === 'create' ? field.createable : field.updateable;
      if (!writable) {
        readOnly.push(field.name);
        continue;
      }
      const checked = checkFieldValue(field, raw, this.#org.schema);
      if (checked.error) errors.push(checked.error);
      else values[field.name] = checked.value;
    }
    if (readOnly.length > 0) {
      errors.unshift(recordError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      ));
    }
    return { values, errors };
  }

  #defaults(schema: SObjectSchema): SObjectRecord {
    const stamp = formatDatetime(this.#org.now());
    const userId = this.#org.user.userId;
    const system: SObjectRecord = {
      IsDeleted: false, OwnerId: userId, CreatedDate: stamp, CreatedById: userId,
      LastModifiedDate: stamp, LastModifiedById: userId, SystemModstamp: stamp,
    };
    const record: SObjectRecord = {};
    for (const f of schema.fields) {
      record[f.name] = f.name in system ? system[f.name]! : f.defaultedOnCreate ? f.defaultValue : null;
    }
    return record;
  }

  /** The record-level checks, first failing stage wins: required, references, object rules, uniqueness, org rules. */
  #validate(schema: SObjectSchema, record: SObjectRecord, previous: SObjectRecord | undefined): RecordError[] {
    const stages: (() => RecordError[])[] = [
      () => this.#requiredFields(schema, record),
      () => this.#references(schema, record, previous),
      () => applyObjectBehaviour(schema.name, record, previous, this.#org.store),
      () => this.#uniqueness(schema, record),
      () => this.#validationRules(schema, record),
      () => this.#duplicateRules(schema, record),
    ];
    for (const stage of stages) {
      const errors = stage();
      if (errors.length > 0) return errors;
    }
    return [];
  }

  #requiredFields(schema: SObjectSchema, record: SObjectRecord): RecordError[] {
    const missing = schema.fields
      .filter((f) => !f.nillable && !f.calculated && (f.createable || f.updateable) && f.type !== 'boolean' && record[f.name] === null)
      .map((f) => f.name);
    return missing.length > 0 ? [recordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)] : [];
  }

  #references(schema: SObjectSchema, record: SObjectRecord, previous: SObjectRecord | undefined): RecordError[] {
    const errors: RecordError[] = [];
    for (const f of schema.fields) {
      const value = record[f.name];
      if (f.type !== 'reference' || typeof value !== 'string' || previous?.[f.name] === value) continue;
      if (!this.#exists(value)) errors.push(recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [f.name]));
    }
    return errors;
  }

  #exists(id: string): boolean {
    if (id === this.#org.user.userId) return true;
    const target = this.#org.schema.byKeyPrefix(keyPrefixOf(id));
    return target !== undefined && this.#org.store.get(target.name, id) !== undefined;
  }

  #uniqueness(schema: SObjectSchema, record: SObjectRecord): RecordError[] {
    const errors: RecordError[] = [];
    for (const f of schema.fields) {
      if (!f.unique || record[f.name] === null) continue;
      const clash = this.findBy(schema, f, record[f.name] ?? null).find((r) => r.Id !== record.Id);
      if (clash) errors.push(recordError('DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${String(clash.Id)}`));
    }
    return errors;
  }

  #validationRules(schema: SObjectSchema, record: SObjectRecord): RecordError[] {
    return this.#org.rules
      .filter((r) => r.kind === 'validation' && r.sobject === schema.name)
      .flatMap((r) => {
        if (r.kind !== 'validation') return [];
        const field = schema.field(r.field)!;
        return ruleMatches(r, record[field.name]) ? [recordError('FIELD_CUSTOM_VALIDATION_EXCEPTION', r.message, r.errorOnField ? [field.name] : [])] : [];
      });
  }

  #duplicateRules(schema: SObjectSchema, record: SObjectRecord): RecordError[] {
    for (const rule of this.#org.rules) {
      if (rule.kind !== 'duplicate' || rule.sobject !== schema.name) continue;
      const fields = rule.matchFields.map((name) => schema.field(name)!);
      if (fields.some((f) => record[f.name] === null)) continue;
      const matches = this.#org.store.all(schema.name)
        .filter((other) => other.Id !== record.Id && fields.every((f) => sameValue(f, other[f.name] ?? null, record[f.name] ?? null)));
      if (matches.length === 0) continue;
      const refs = matches.map((m) => ({ id: String(m.Id), url: recordUrl(this.#version, schema.name, String(m.Id)) }));
      return [duplicatesDetected(rule.message ?? DEFAULT_DUPLICATE_MESSAGE, schema.name, refs, rule.name)];
    }
    return [];
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
