/** A portal's whole state as plain JSON, for tests and the inspection endpoint. */
import { ObjectTypeName } from './object-types.ts';
import type { Portal } from './portals.ts';
import type { PropertyDefinition, PropertyGroup } from './property-definitions.ts';
import type { RequestStatsSnapshot } from './request-stats.ts';

export interface StateObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  associations: Partial<Record<ObjectTypeName, { id: string; typeIds: number[] }[]>>;
}

export interface PortalState {
  portalId: number;
  objects: Record<ObjectTypeName, StateObject[]>;
  /** Properties created through the API (the standard ones are always there). */
  customProperties: Record<ObjectTypeName, Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType' | 'groupName' | 'hasUniqueValue' | 'options'>[]>;
  propertyGroups: Record<ObjectTypeName, PropertyGroup[]>;
  stats: RequestStatsSnapshot;
}

function byType<T>(make: (type: ObjectTypeName) => T): Record<ObjectTypeName, T> {
  return Object.fromEntries(ObjectTypeName.options.map((type) => [type, make(type)])) as Record<ObjectTypeName, T>;
}

export function portalState(portal: Portal): PortalState {
  const { store } = portal;
  return {
    portalId: portal.portalId,
    objects: byType((type) => store.list(type).map((record) => ({
      id: record.id,
      properties: { ...record.properties },
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      associations: store.associations.allFrom(type, record.id),
    }))),
    customProperties: byType((type) => store.properties(type).filter((p) => !p.hubspotDefined).map((p) => ({
      name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: p.groupName, hasUniqueValue: p.hasUniqueValue, options: p.options,
    }))),
    propertyGroups: byType((type) => store.groups(type)),
    stats: portal.stats.snapshot(),
  };
}
