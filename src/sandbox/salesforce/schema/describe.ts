/** `GET /sobjects/{Type}/describe` and `GET /sobjects` bodies, built from the field metadata. */
import type { FieldDefinition, FieldType } from './field-definition.ts';
import type { SchemaCatalog, SObjectSchema } from './schema-catalog.ts';

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', email: 'xsd:string', phone: 'xsd:string', url: 'xsd:string',
  textarea: 'xsd:string', picklist: 'xsd:string', combobox: 'xsd:string', date: 'xsd:date', datetime: 'xsd:dateTime',
  double: 'xsd:double', currency: 'xsd:double', int: 'xsd:int', boolean: 'xsd:boolean', base64: 'xsd:base64Binary',
};

const LONG_TEXT_THRESHOLD = 255;

function describeField(f: FieldDefinition): Record<string, unknown> {
  const longText = f.type === 'textarea' && f.length > LONG_TEXT_THRESHOLD;
  const filterable = !longText && f.type !== 'base64';
  return {
    aggregatable: filterable && f.type !== 'boolean',
    autoNumber: false,
    byteLength: f.length * 3,
    calculated: f.calculated,
    caseSensitive: f.caseSensitive,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultedOnCreate && f.type === 'boolean' ? f.defaultValue : null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    digits: f.digits,
    externalId: f.externalId,
    filterable,
    groupable: filterable && !['double', 'currency', 'datetime'].includes(f.type),
    htmlFormatted: false,
    idLookup: f.idLookup,
    label: f.label,
    length: f.length,
    name: f.name,
    nameField: f.nameField,
    nillable: f.nillable,
    permissionable: f.nillable && !f.calculated && f.createable,
    picklistValues: f.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    precision: f.precision,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    soapType: SOAP_TYPES[f.type],
    sortable: filterable,
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
  };
}

function urls(version: string, s: SObjectSchema): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${s.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function summary(version: string, s: SObjectSchema): Record<string, unknown> {
  const d = s.definition;
  return {
    activateable: false, createable: true, custom: d.custom, customSetting: false, deletable: true,
    deprecatedAndHidden: false, feedEnabled: false, keyPrefix: d.keyPrefix, label: d.label, labelPlural: d.labelPlural,
    layoutable: true, mergeable: d.name === 'Lead' || d.name === 'Contact' || d.name === 'Account', mruEnabled: true,
    name: d.name, queryable: true, replicateable: true, retrieveable: true, searchable: true, triggerable: true,
    undeletable: true, updateable: true, urls: urls(version, s),
  };
}

export function describeSObject(version: string, s: SObjectSchema): Record<string, unknown> {
  return { ...summary(version, s), childRelationships: [], fields: s.fields.map(describeField), recordTypeInfos: [] };
}

export function describeGlobal(version: string, catalog: SchemaCatalog): Record<string, unknown> {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: catalog.all().map((s) => summary(version, s)) };
}
