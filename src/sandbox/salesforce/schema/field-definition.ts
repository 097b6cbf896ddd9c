/**
 * What the sandbox knows about one field: the describe metadata Salesforce publishes for it, from
 * which both `GET /sobjects/{Type}/describe` and write validation are derived (one source of truth).
 */

export type FieldType =
  | 'id' | 'string' | 'email' | 'phone' | 'url' | 'textarea' | 'picklist' | 'combobox'
  | 'date' | 'datetime' | 'double' | 'currency' | 'int' | 'boolean' | 'reference' | 'base64';

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  /** Maximum characters for text types; 0 for the others, as describe reports it. */
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  /** The value a create gets when it omits the field (picklist defaults, system values). */
  defaultValue: string | number | boolean | null;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  idLookup: boolean;
  custom: boolean;
  nameField: boolean;
  /** Computed by the platform (Lead.Name, ContentNote.TextPreview...): readable, never writable. */
  calculated: boolean;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  precision: number;
  scale: number;
  digits: number;
}

export interface SObjectDefinition {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  fields: FieldDefinition[];
}

const BASE: FieldDefinition = {
  name: '', label: '', type: 'string', length: 0,
  createable: true, updateable: true, nillable: true, defaultedOnCreate: false, defaultValue: null,
  externalId: false, unique: false, caseSensitive: false, idLookup: false, custom: false,
  nameField: false, calculated: false, picklistValues: [], restrictedPicklist: false,
  referenceTo: [], relationshipName: null, precision: 0, scale: 0, digits: 0,
};

type FieldOptions = Partial<Omit<FieldDefinition, 'name' | 'label' | 'type'>>;

export function field(name: string, label: string, type: FieldType, options: FieldOptions = {}): FieldDefinition {
  return { ...BASE, custom: name.endsWith('__c'), ...options, name, label, type };
}

export const text = (name: string, label: string, length: number, options: FieldOptions = {}): FieldDefinition =>
  field(name, label, 'string', { length, ...options });

export const required = { nillable: false } as const;

/** A picklist; the first value marked with `*` is the default. Restricted unless said otherwise. */
export function picklist(name: string, label: string, values: string[], options: FieldOptions = {}): FieldDefinition {
  const picklistValues = values.map((v) => {
    const isDefault = v.startsWith('*');
    const value = isDefault ? v.slice(1) : v;
    return { value, label: value, active: true, defaultValue: isDefault };
  });
  const defaultValue = picklistValues.find((p) => p.defaultValue)?.value ?? null;
  return field(name, label, 'picklist', {
    length: 255, picklistValues, restrictedPicklist: true,
    defaultValue, defaultedOnCreate: defaultValue !== null, ...options,
  });
}

export function reference(name: string, label: string, referenceTo: string[], relationshipName: string, options: FieldOptions = {}): FieldDefinition {
  return field(name, label, 'reference', { length: 18, referenceTo, relationshipName, ...options });
}

const readOnly = { createable: false, updateable: false } as const;

/** The audit and identity fields every object carries. */
export function systemFields(options: { owner: boolean; audit: boolean }): FieldDefinition[] {
  const fields = [
    field('Id', 'Record ID', 'id', { ...readOnly, length: 18, nillable: false, defaultedOnCreate: true, idLookup: true }),
    field('IsDeleted', 'Deleted', 'boolean', { ...readOnly, nillable: false, defaultedOnCreate: true, defaultValue: false }),
  ];
  if (options.owner) {
    fields.push(reference('OwnerId', 'Owner ID', ['User'], 'Owner', { nillable: false, defaultedOnCreate: true }));
  }
  if (options.audit) {
    fields.push(
      field('CreatedDate', 'Created Date', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }),
      reference('CreatedById', 'Created By ID', ['User'], 'CreatedBy', { ...readOnly, nillable: false, defaultedOnCreate: true }),
      field('LastModifiedDate', 'Last Modified Date', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }),
      reference('LastModifiedById', 'Last Modified By ID', ['User'], 'LastModifiedBy', { ...readOnly, nillable: false, defaultedOnCreate: true }),
    );
  }
  fields.push(field('SystemModstamp', 'System Modstamp', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }));
  return fields;
}

export const calculated = (name: string, label: string, type: FieldType, length: number, options: FieldOptions = {}): FieldDefinition =>
  field(name, label, type, { ...readOnly, length, calculated: true, ...options });
