/**
 * HubSpot's CRM object semantics over a portal's store: batch create / update / upsert / read
 * and the basic single-record API. Validation is all-or-nothing per request (400 or 409 and
 * nothing written); unknown ids are partial failures reported as a 207 multi-status.
 */
import { associationType } from './association-types.ts';
import {
  conflictError, notFoundError, propertyValuesError, validationError, type ErrorBody, type HubSpotError,
} from './hubspot-errors.ts';
import { OBJECT_TYPES, type ObjectTypeName } from './object-types.ts';
import { readView, writeView, type ObjectSelection, type ObjectView } from './object-view.ts';
import { type PortalStore, type StoredObject, uniqueKey } from './portal-store.ts';
import { checkProperties } from './property-values.ts';

export const MAX_BATCH_INPUTS = 100;

export interface InlineAssociation {
  to: { id: string };
  types: { associationCategory: string; associationTypeId: number }[];
}

export interface CreateInput {
  properties: Record<string, string>;
  associations?: InlineAssociation[] | undefined;
  objectWriteTraceId?: string | undefined;
}

export interface UpdateInput {
  id: string;
  idProperty?: string | undefined;
  properties: Record<string, string>;
  objectWriteTraceId?: string | undefined;
}

export interface BatchOutcome<T> {
  results: T[];
  /** HubSpot's grouped errors for a 207 response; empty when everything succeeded. */
  errors: ErrorBody[];
}

export interface OperationOptions {
  /** HubSpot does not promise batch results in input order; reversing them catches clients that assume it. */
  reverseBatchResults: boolean;
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export function assertBatchSize(count: number): void {
  if (count > MAX_BATCH_INPUTS) throw validationError(`Batch input cannot exceed ${MAX_BATCH_INPUTS} inputs; this request has ${count}.`);
}

function ordered<T>(results: T[], options: OperationOptions): T[] {
  return options.reverseBatchResults ? [...results].reverse() : results;
}

export function notFoundGroup(type: ObjectTypeName, ids: string[]): ErrorBody {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${OBJECT_TYPES[type].upper} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

/** Checks every input's values at once; one bad value rejects the whole request, as in HubSpot. */
function checkAll(store: PortalStore, type: ObjectTypeName, inputs: Record<string, string>[]): Record<string, string>[] {
  const checked = inputs.map((properties) => checkProperties(properties, (name) => store.property(type, name)));
  const issues = checked.flatMap((c) => c.issues);
  if (issues.length > 0) throw propertyValuesError(issues, store.portalId);
  return checked.map((c) => {
    if (type === 'contacts' && c.values.email) c.values.email = uniqueKey('contacts', 'email', c.values.email);
    return c.values;
  });
}

function uniqueConflict(type: ObjectTypeName, property: string, value: string, existingId: string): HubSpotError {
  const { singular } = OBJECT_TYPES[type];
  return conflictError(`${capitalized(singular)} already exists. Existing ID: ${existingId}`, [{
    message: `A ${singular} with ${property} ${value} already exists. Existing ID: ${existingId}`,
    in: property,
    context: { propertyName: [property] },
  }]);
}

/** Unique-value properties: no two records (nor two inputs of one batch) may share a value. */
function assertUniqueValues(store: PortalStore, type: ObjectTypeName, writes: { values: Record<string, string>; selfId?: string }[]): void {
  for (const definition of store.properties(type).filter((p) => p.hasUniqueValue)) {
    const seen = new Set<string>();
    for (const { values, selfId } of writes) {
      const value = values[definition.name];
      if (value === undefined || value === '') continue;
      const key = uniqueKey(type, definition.name, value);
      if (seen.has(key)) throw validationError(`Duplicate values found for unique property ${definition.name} in batch input: [${value}]`);
      seen.add(key);
      const holder = store.findByUnique(type, definition.name, value);
      if (holder && holder.id !== selfId) throw uniqueConflict(type, definition.name, value, holder.id);
    }
  }
}

function assertRequired(type: ObjectTypeName, values: Record<string, string>[]): void {
  const info = OBJECT_TYPES[type];
  const missing = [...new Set(values.flatMap((v) => info.requiredOnCreate.filter((name) => !v[name])))];
  if (missing.length > 0) {
    throw validationError(`Error creating ${info.upper}. Some required properties were not set.`, {
      context: { properties: missing },
      errors: missing.map((name) => ({ message: `${name} is required`, code: 'REQUIRED_PROPERTY', context: { propertyName: [name] } })),
    });
  }
}

function assertNoDuplicateIds(ids: string[]): void {
  const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (duplicates.length > 0) throw validationError(`Duplicate IDs found in batch input: [${[...new Set(duplicates)].join(', ')}]`);
}

interface ResolvedAssociation { toType: ObjectTypeName; toId: string; typeId: number }

function resolveInlineAssociations(store: PortalStore, type: ObjectTypeName, associations: InlineAssociation[]): ResolvedAssociation[] {
  const { singular } = OBJECT_TYPES[type];
  return associations.flatMap((association) => association.types.map((spec) => {
    const definition = associationType(spec.associationTypeId);
    if (spec.associationCategory !== 'HUBSPOT_DEFINED' || !definition || definition.from !== type) {
      throw validationError(`${spec.associationCategory} association type id ${spec.associationTypeId} does not exist from ${singular}.`);
    }
    if (!store.get(definition.to, association.to.id)) {
      throw validationError(`Could not associate ${singular} with ${OBJECT_TYPES[definition.to].singular} ${association.to.id}: no such ${OBJECT_TYPES[definition.to].singular}.`);
    }
    return { toType: definition.to, toId: association.to.id, typeId: definition.typeId };
  }));
}

/** Records are addressed by id, or by a unique property when `idProperty` names one. */
export function assertIdProperty(store: PortalStore, type: ObjectTypeName, idProperty: string | undefined): void {
  if (idProperty === undefined || idProperty === 'hs_object_id') return;
  const definition = store.property(type, idProperty);
  if (!definition?.hasUniqueValue) {
    throw validationError(`${idProperty} is not a unique property of ${type}; idProperty must name a property with unique values.`);
  }
}

function find(store: PortalStore, type: ObjectTypeName, id: string, idProperty: string | undefined, archived = false): StoredObject | undefined {
  // HubSpot looks archived records up by record id only.
  if (archived) return idProperty === undefined || idProperty === 'hs_object_id' ? store.getArchived(type, id) : undefined;
  return idProperty === undefined || idProperty === 'hs_object_id' ? store.get(type, id) : store.findByUnique(type, idProperty, id);
}

export function batchCreate(store: PortalStore, type: ObjectTypeName, inputs: CreateInput[], options: OperationOptions): ObjectView[] {
  assertBatchSize(inputs.length);
  const values = checkAll(store, type, inputs.map((input) => input.properties));
  assertRequired(type, values);
  const associations = inputs.map((input) => resolveInlineAssociations(store, type, input.associations ?? []));
  assertUniqueValues(store, type, values.map((v) => ({ values: v })));
  const results = inputs.map((input, index) => {
    const record = store.insert(type, values[index] ?? {});
    for (const link of associations[index] ?? []) store.associations.add(type, record.id, link.toType, link.toId, link.typeId);
    return writeView(record, Object.keys(input.properties), input.objectWriteTraceId);
  });
  return ordered(results, options);
}

export function batchUpdate(store: PortalStore, type: ObjectTypeName, inputs: UpdateInput[], options: OperationOptions): BatchOutcome<ObjectView> {
  assertBatchSize(inputs.length);
  for (const input of inputs) assertIdProperty(store, type, input.idProperty);
  assertNoDuplicateIds(inputs.map((input) => input.id));
  const values = checkAll(store, type, inputs.map((input) => input.properties));
  const records = inputs.map((input) => find(store, type, input.id, input.idProperty));
  const writes = records.flatMap((record, index) => (record ? [{ values: values[index] ?? {}, selfId: record.id }] : []));
  assertUniqueValues(store, type, writes);
  const missing = inputs.filter((_, index) => !records[index]).map((input) => input.id);
  const results = inputs.flatMap((input, index) => {
    const record = records[index];
    if (!record) return [];
    store.update(record, values[index] ?? {});
    return [writeView(record, Object.keys(input.properties), input.objectWriteTraceId)];
  });
  return { results: ordered(results, options), errors: missing.length > 0 ? [notFoundGroup(type, missing)] : [] };
}

export function batchUpsert(store: PortalStore, type: ObjectTypeName, inputs: UpdateInput[], options: OperationOptions): (ObjectView & { new: boolean })[] {
  assertBatchSize(inputs.length);
  for (const input of inputs) {
    if (input.idProperty === undefined || input.idProperty === 'hs_object_id') {
      throw validationError(`Upsert requires idProperty naming a unique property of ${type}; input with id ${input.id} has ${input.idProperty ?? 'none'}.`);
    }
    assertIdProperty(store, type, input.idProperty);
  }
  assertNoDuplicateIds(inputs.map((input) => uniqueKey(type, input.idProperty ?? '', input.id)));
  // The id is the value of idProperty: it is validated like any value written to that property.
  const values = checkAll(store, type, inputs.map((input) => ({ ...input.properties, [input.idProperty ?? '']: input.id })));
  const records = inputs.map((input) => find(store, type, input.id, input.idProperty));
  // Inputs that create a record need what a create needs (a note's hs_timestamp).
  assertRequired(type, values.filter((_, index) => !records[index]));
  assertUniqueValues(store, type, values.map((v, index) => {
    const selfId = records[index]?.id;
    return selfId === undefined ? { values: v } : { values: v, selfId };
  }));
  const results = inputs.map((input, index) => {
    const existing = records[index];
    const record = existing ? store.update(existing, values[index] ?? {}) : store.insert(type, values[index] ?? {});
    const written = [...Object.keys(input.properties), input.idProperty ?? ''];
    return { ...writeView(record, written, input.objectWriteTraceId), new: !existing };
  });
  return ordered(results, options);
}

export interface ReadRequest extends ObjectSelection {
  ids: string[];
  idProperty?: string | undefined;
  archived: boolean;
}

export function batchRead(store: PortalStore, type: ObjectTypeName, request: ReadRequest, options: OperationOptions): BatchOutcome<ObjectView> {
  assertBatchSize(request.ids.length);
  assertIdProperty(store, type, request.idProperty);
  const ids = [...new Set(request.ids)];
  const records = ids.map((id) => find(store, type, id, request.idProperty, request.archived));
  const missing = ids.filter((_, index) => !records[index]);
  const results = records.flatMap((record) => (record ? [readView(record, request)] : []));
  return { results: ordered(results, options), errors: missing.length > 0 ? [notFoundGroup(type, missing)] : [] };
}

function objectNotFound(id: string): HubSpotError {
  return notFoundError('Object not found.  objectId are usually numeric.', { id: [id] });
}

export interface GetRequest extends ObjectSelection {
  id: string;
  idProperty?: string | undefined;
  archived: boolean;
  associations?: ObjectTypeName[] | undefined;
}

/** The basic API's single read, with the v3 `associations` block when asked for. */
export function getObject(store: PortalStore, type: ObjectTypeName, request: GetRequest): ObjectView & { associations?: Record<string, unknown> } {
  assertIdProperty(store, type, request.idProperty);
  const record = find(store, type, request.id, request.idProperty, request.archived);
  if (!record) throw objectNotFound(request.id);
  const view: ObjectView & { associations?: Record<string, unknown> } = readView(record, request);
  if (request.associations?.length) {
    view.associations = Object.fromEntries(request.associations.map((toType) => [toType, {
      results: store.associations.list(type, record.id, toType).flatMap((link) => link.typeIds.map((typeId) => ({
        id: link.toId,
        type: associationType(typeId)?.name ?? String(typeId),
      }))),
    }]));
  }
  return view;
}

/** HubSpot's batch archive answers 204 whether or not every id existed. */
export function batchArchive(store: PortalStore, type: ObjectTypeName, ids: string[]): void {
  assertBatchSize(ids.length);
  for (const id of ids) store.archive(type, id);
}

export function patchObject(store: PortalStore, type: ObjectTypeName, id: string, idProperty: string | undefined, properties: Record<string, string>): ObjectView {
  assertIdProperty(store, type, idProperty);
  const [values] = checkAll(store, type, [properties]);
  const record = find(store, type, id, idProperty);
  if (!record) throw objectNotFound(id);
  assertUniqueValues(store, type, [{ values: values ?? {}, selfId: record.id }]);
  store.update(record, values ?? {});
  return writeView(record, Object.keys(properties));
}
