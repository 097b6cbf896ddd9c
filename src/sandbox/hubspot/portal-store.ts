/**
 * One portal's CRM data: records by type, their property definitions and groups, unique-value
 * indexes and associations. Pure storage: validation and HubSpot semantics live in the services.
 */
import { AssociationStore } from './association-store.ts';
import { OBJECT_TYPES, ObjectTypeName } from './object-types.ts';
import type { PropertyDefinition, PropertyGroup } from './property-definitions.ts';
import { standardGroup, standardProperties } from './standard-properties.ts';

export interface ValueWithTimestamp {
  value: string;
  timestamp: string;
  sourceType: 'API';
}

export interface StoredObject {
  id: string;
  type: ObjectTypeName;
  properties: Record<string, string>;
  history: Record<string, ValueWithTimestamp[]>;
  createdAt: string;
  updatedAt: string;
  /** Set when the record was archived (deleted). */
  archivedAt?: string;
}

/** Contact emails are matched case-insensitively: HubSpot stores them lower-cased. */
export function uniqueKey(type: ObjectTypeName, property: string, value: string): string {
  return type === 'contacts' && property === 'email' ? value.trim().toLowerCase() : value;
}

export class PortalStore {
  readonly portalId: number;
  readonly associations = new AssociationStore();
  readonly #objects = new Map<ObjectTypeName, Map<string, StoredObject>>();
  readonly #archived = new Map<ObjectTypeName, Map<string, StoredObject>>();
  readonly #properties = new Map<ObjectTypeName, Map<string, PropertyDefinition>>();
  readonly #groups = new Map<ObjectTypeName, Map<string, PropertyGroup>>();
  /** `type:property` → unique value → record id, built on first use. */
  readonly #uniqueIndexes = new Map<string, Map<string, string>>();
  readonly #now: () => number;
  #nextId: number;

  constructor(portalId: number, now: () => number) {
    this.portalId = portalId;
    this.#now = now;
    // HubSpot record ids are numeric strings; ids here are unique across types within a portal.
    this.#nextId = 10_001;
    const at = new Date(now()).toISOString();
    for (const type of ObjectTypeName.options) {
      this.#objects.set(type, new Map());
      this.#archived.set(type, new Map());
      this.#properties.set(type, new Map(standardProperties(type, at).map((p) => [p.name, p])));
      const group = standardGroup(type);
      this.#groups.set(type, new Map([[group.name, group]]));
    }
  }

  // Properties and groups -------------------------------------------------------------------

  property(type: ObjectTypeName, name: string): PropertyDefinition | undefined {
    return this.#properties.get(type)?.get(name);
  }

  properties(type: ObjectTypeName): PropertyDefinition[] {
    return [...(this.#properties.get(type)?.values() ?? [])];
  }

  addProperty(type: ObjectTypeName, definition: PropertyDefinition): void {
    this.#properties.get(type)?.set(definition.name, definition);
  }

  group(type: ObjectTypeName, name: string): PropertyGroup | undefined {
    return this.#groups.get(type)?.get(name);
  }

  groups(type: ObjectTypeName): PropertyGroup[] {
    return [...(this.#groups.get(type)?.values() ?? [])];
  }

  addGroup(type: ObjectTypeName, group: PropertyGroup): void {
    this.#groups.get(type)?.set(group.name, group);
  }

  // Records ---------------------------------------------------------------------------------

  get(type: ObjectTypeName, id: string): StoredObject | undefined {
    return this.#objects.get(type)?.get(id);
  }

  list(type: ObjectTypeName): StoredObject[] {
    return [...(this.#objects.get(type)?.values() ?? [])];
  }

  getArchived(type: ObjectTypeName, id: string): StoredObject | undefined {
    return this.#archived.get(type)?.get(id);
  }

  /** Moves a record to the archive (HubSpot's delete): its unique values and associations are released. */
  archive(type: ObjectTypeName, id: string): boolean {
    const record = this.get(type, id);
    if (!record) return false;
    this.#objects.get(type)?.delete(id);
    record.archivedAt = new Date(this.#now()).toISOString();
    this.#archived.get(type)?.set(id, record);
    for (const [name, value] of Object.entries(record.properties)) {
      this.#uniqueIndexes.get(`${type}:${name}`)?.delete(uniqueKey(type, name, value));
    }
    this.associations.removeAll(type, id);
    return true;
  }

  #index(type: ObjectTypeName, property: string): Map<string, string> {
    const indexKey = `${type}:${property}`;
    let index = this.#uniqueIndexes.get(indexKey);
    if (!index) {
      index = new Map();
      for (const record of this.list(type)) {
        const value = record.properties[property];
        if (value !== undefined) index.set(uniqueKey(type, property, value), record.id);
      }
      this.#uniqueIndexes.set(indexKey, index);
    }
    return index;
  }

  /** The record holding `value` in a unique property (email matched case-insensitively). */
  findByUnique(type: ObjectTypeName, property: string, value: string): StoredObject | undefined {
    const id = this.#index(type, property).get(uniqueKey(type, property, value));
    return id === undefined ? undefined : this.get(type, id);
  }

  /** Creates a record with already-validated values; system properties are set here. */
  insert(type: ObjectTypeName, values: Record<string, string>): StoredObject {
    const id = String(this.#nextId++);
    const at = new Date(this.#now()).toISOString();
    const info = OBJECT_TYPES[type];
    const record: StoredObject = { id, type, properties: {}, history: {}, createdAt: at, updatedAt: at };
    this.#objects.get(type)?.set(id, record);
    this.#write(record, { ...values, hs_object_id: id, [info.createdProperty]: at, [info.modifiedProperty]: at }, at);
    return record;
  }

  /** Applies already-validated values; an empty string clears a property. */
  update(record: StoredObject, values: Record<string, string>): StoredObject {
    const at = new Date(this.#now()).toISOString();
    record.updatedAt = at;
    this.#write(record, { ...values, [OBJECT_TYPES[record.type].modifiedProperty]: at }, at);
    return record;
  }

  #write(record: StoredObject, values: Record<string, string>, at: string): void {
    for (const [name, value] of Object.entries(values)) {
      const previous = record.properties[name];
      if (previous === value) continue;
      const index = this.#uniqueIndexes.get(`${record.type}:${name}`);
      if (index && previous !== undefined) index.delete(uniqueKey(record.type, name, previous));
      if (value === '') delete record.properties[name];
      else {
        record.properties[name] = value;
        index?.set(uniqueKey(record.type, name, value), record.id);
      }
      (record.history[name] ??= []).unshift({ value, timestamp: at, sourceType: 'API' });
    }
  }
}
