/**
 * `mappings check` for Salesforce: compares what a mapping writes with the org's `describe`, and
 * reports — with the mapping line of each property — unknown objects and fields, fields
 * Salesforce will not let the connector set (on create, or on the updates of re-syncs and matched
 * records), values of the wrong type or too long, and picklist values that are inactive or not in
 * the list. Values are checked when known (a plan from `mappings preview`); without them, only the
 * fields are.
 */
import type { ObjectRole, ScalarValue, ValueOrigin, WritePlan } from '../write-plan.ts';
import { didYouMean } from '../../mapping/did-you-mean.ts';
import { findField } from './describe-cache.ts';
import type { DescribeField, SObjectDescribe } from './responses.ts';

export interface CheckedProperty {
  name: string;
  origin: ValueOrigin;
  /** The value a sample conversation produced, when known. */
  value?: ScalarValue;
}

export interface CheckedObject {
  /** The mapping's key of the object (`lead`, `opportunity`). */
  key: string;
  object: string;
  role: ObjectRole;
  properties: CheckedProperty[];
  match?: { property: string; origin: ValueOrigin };
}

export type SchemaIssueCode =
  | 'UNKNOWN_OBJECT'
  | 'UNKNOWN_FIELD'
  | 'NOT_ON_CONTACT'
  | 'NOT_CREATEABLE'
  | 'NOT_UPDATEABLE'
  | 'TYPE_MISMATCH'
  | 'TOO_LONG'
  | 'INACTIVE_PICKLIST_VALUE'
  | 'UNKNOWN_PICKLIST_VALUE'
  | 'MATCH_NOT_FILTERABLE'
  | 'MATCH_NOT_EXTERNAL_ID';

export interface SchemaIssue {
  severity: 'error' | 'warning';
  code: SchemaIssueCode;
  key: string;
  object: string;
  field?: string;
  origin?: ValueOrigin;
  message: string;
}

/** The objects of a plan, with their values, for checking. */
export function checkedObjectsFromPlan(plan: WritePlan): CheckedObject[] {
  return plan.records.map((record) => ({
    key: record.key,
    object: record.object,
    role: record.role,
    properties: Object.entries(record.properties).map(([name, p]) => ({ name, origin: p.origin, value: p.value })),
    ...(record.match && { match: { property: record.match.property, origin: record.match.origin } }),
  }));
}

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox', 'encryptedstring', 'id', 'reference']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const RECORD_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

type Problem = { severity: SchemaIssue['severity']; code: SchemaIssueCode; message: string };

function valueProblem(field: DescribeField, value: ScalarValue): Problem | undefined {
  const shown = JSON.stringify(value);
  const mismatch = (expected: string): Problem => ({
    severity: 'error',
    code: 'TYPE_MISMATCH',
    message: `${field.name} is ${/^[aeiou]/.test(field.type) ? 'an' : 'a'} ${field.type} field and needs ${expected}, but the mapping gives ${shown}`,
  });
  switch (field.type) {
    case 'int':
      return typeof value === 'number' ? (Number.isInteger(value) ? undefined : mismatch('a whole number')) : /^-?\d+$/.test(String(value)) ? undefined : mismatch('a whole number');
    case 'double':
    case 'currency':
    case 'percent':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? undefined : mismatch('a number');
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : mismatch('true or false');
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? undefined : mismatch('a date like 2026-06-15');
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value) ? undefined : mismatch('a date-time like 2026-06-15T09:30:00Z');
    case 'reference':
      return typeof value === 'string' && RECORD_ID.test(value) ? undefined : mismatch('a Salesforce record id');
    case 'email':
      if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(value)) return mismatch('an email address');
      break;
    case 'picklist':
    case 'multipicklist':
      return picklistProblem(field, String(value));
  }
  if (TEXT_TYPES.has(field.type) && field.length > 0 && String(value).length > field.length) {
    return {
      severity: 'error',
      code: 'TOO_LONG',
      message: `${field.name} holds at most ${field.length} characters, the mapping gives ${String(value).length} (add a truncate transform)`,
    };
  }
  return undefined;
}

function picklistProblem(field: DescribeField, value: string): Problem | undefined {
  const wanted = field.type === 'multipicklist' ? value.split(';').map((v) => v.trim()).filter((v) => v !== '') : [value];
  const active = field.picklistValues.filter((p) => p.active).map((p) => p.value);
  for (const v of wanted) {
    const entry = field.picklistValues.find((p) => p.value === v);
    if (entry?.active) continue;
    const severity = field.restrictedPicklist ? 'error' : 'warning';
    const consequence = field.restrictedPicklist ? 'Salesforce refuses it' : 'Salesforce stores it, but it is not one of the choices';
    const choices = `active values: ${active.join(', ') || 'none'}`;
    if (entry) {
      return { severity, code: 'INACTIVE_PICKLIST_VALUE', message: `"${v}" is an inactive value of the picklist ${field.name}: ${consequence} (${choices})` };
    }
    // Suggestions for one- or two-letter values would be guesses.
    const suggestion = v.length >= 3 ? didYouMean(v, active) : '';
    return { severity, code: 'UNKNOWN_PICKLIST_VALUE', message: `"${v}" is not a value of the picklist ${field.name}${suggestion}: ${consequence} (${choices})` };
  }
  return undefined;
}

/** Roles whose records are updated too (matched records, upserts, re-syncs), not only created. */
const UPDATED_ROLES: ReadonlySet<ObjectRole> = new Set(['person', 'company', 'deal', 'activity', 'note']);

export function checkMappingAgainstDescribe(
  objects: readonly CheckedObject[],
  describes: ReadonlyMap<string, SObjectDescribe>,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const object of objects) {
    const at = (field: string | undefined, origin: ValueOrigin | undefined, problem: Problem) =>
      issues.push({ ...problem, key: object.key, object: object.object, ...(field && { field }), ...(origin && { origin }) });
    const describe = describes.get(object.object);
    if (!describe) {
      at(undefined, object.properties[0]?.origin ?? object.match?.origin, {
        severity: 'error',
        code: 'UNKNOWN_OBJECT',
        message: `the org has no object ${object.object}, or the connector's user cannot see it`,
      });
      continue;
    }
    const contact = object.role === 'person' && object.object === 'Lead' ? describes.get('Contact') : undefined;
    for (const property of object.properties) {
      const field = findField(describe, property.name);
      if (!field) {
        at(property.name, property.origin, {
          severity: 'error',
          code: 'UNKNOWN_FIELD',
          message: `${object.object} has no field ${property.name}${didYouMean(property.name, describe.fields.map((f) => f.name))}`,
        });
        continue;
      }
      if (!field.createable) {
        at(field.name, property.origin, { severity: 'error', code: 'NOT_CREATEABLE', message: `Salesforce does not let ${object.object}.${field.name} be set (it is read-only or calculated)` });
        continue;
      }
      if (!field.updateable && UPDATED_ROLES.has(object.role)) {
        at(field.name, property.origin, {
          severity: 'error',
          code: 'NOT_UPDATEABLE',
          message: `${object.object}.${field.name} can only be set when the record is created: updates of existing records and re-syncs would be refused`,
        });
      }
      if (contact && !findField(contact, field.name)?.updateable) {
        at(field.name, property.origin, {
          severity: 'warning',
          code: 'NOT_ON_CONTACT',
          message: `when the visitor is an existing Contact, ${field.name} is not written: Contact has no updateable field ${field.name}`,
        });
      }
      if (property.value !== undefined) {
        const problem = valueProblem(field, property.value);
        if (problem) at(field.name, property.origin, problem);
      }
    }
    if (object.match) {
      const field = findField(describe, object.match.property);
      if (!field) {
        at(object.match.property, object.match.origin, {
          severity: 'error',
          code: 'UNKNOWN_FIELD',
          message: `${object.object} has no field ${object.match.property} to match on${didYouMean(object.match.property, describe.fields.map((f) => f.name))}`,
        });
      } else if (!field.filterable) {
        at(field.name, object.match.origin, { severity: 'error', code: 'MATCH_NOT_FILTERABLE', message: `${object.object}.${field.name} cannot be searched, so records cannot be matched on it` });
      } else if ((object.role === 'deal' || object.role === 'company') && !field.externalId) {
        at(field.name, object.match.origin, {
          severity: 'warning',
          code: 'MATCH_NOT_EXTERNAL_ID',
          message: `${object.object}.${field.name} is not an External ID: records are found by a query before writing (make it a unique External ID to upsert in one step)`,
        });
      }
    }
  }
  return issues;
}
