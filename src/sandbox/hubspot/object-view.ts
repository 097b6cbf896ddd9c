/**
 * How a stored record looks on the wire (HubSpot's SimplePublicObject): which properties a
 * response carries depends on whether the caller named some, or wrote some.
 */
import { OBJECT_TYPES } from './object-types.ts';
import type { StoredObject, ValueWithTimestamp } from './portal-store.ts';

export interface ObjectSelection {
  /** Properties the caller asked for; HubSpot adds the id and the create/modify dates. */
  properties?: string[] | undefined;
  propertiesWithHistory?: string[] | undefined;
}

export interface ObjectView {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, ValueWithTimestamp[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  objectWriteTraceId?: string;
}

function pick(record: StoredObject, names: Iterable<string>): Record<string, string | null> {
  const picked: Record<string, string | null> = {};
  for (const name of names) picked[name] = record.properties[name] ?? null;
  return picked;
}

/** A record as returned by reads and searches. */
export function readView(record: StoredObject, selection: ObjectSelection = {}): ObjectView {
  const info = OBJECT_TYPES[record.type];
  const names = selection.properties?.length
    ? new Set(['hs_object_id', info.createdProperty, info.modifiedProperty, ...selection.properties])
    : info.defaultProperties;
  const view: ObjectView = { id: record.id, properties: pick(record, names), createdAt: record.createdAt, updatedAt: record.updatedAt, archived: false };
  if (record.archivedAt !== undefined) Object.assign(view, { archived: true, archivedAt: record.archivedAt });
  if (selection.propertiesWithHistory?.length) {
    view.propertiesWithHistory = Object.fromEntries(selection.propertiesWithHistory.map((name) => [name, record.history[name] ?? []]));
  }
  return view;
}

/** A record as returned by writes: the system properties plus the ones the request wrote. */
export function writeView(record: StoredObject, written: Iterable<string>, objectWriteTraceId?: string): ObjectView {
  const info = OBJECT_TYPES[record.type];
  const names = new Set(['hs_object_id', info.createdProperty, info.modifiedProperty, ...written]);
  const view: ObjectView = { id: record.id, properties: pick(record, names), createdAt: record.createdAt, updatedAt: record.updatedAt, archived: false };
  if (objectWriteTraceId !== undefined) view.objectWriteTraceId = objectWriteTraceId;
  return view;
}
