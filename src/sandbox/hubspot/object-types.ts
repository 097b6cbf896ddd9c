/**
 * The CRM object types the sandbox serves, with the per-type facts HubSpot's API exposes:
 * object type ids, the names used in error messages, which timestamps a type keeps and which
 * properties a read returns when the caller asks for none.
 */
import { z } from 'zod';

export const ObjectTypeName = z.enum(['contacts', 'companies', 'deals', 'notes', 'calls']);
export type ObjectTypeName = z.infer<typeof ObjectTypeName>;

export interface ObjectTypeInfo {
  name: ObjectTypeName;
  objectTypeId: string;
  singular: string;
  /** How HubSpot spells the type in error messages ("Could not get some CONTACT objects"). */
  upper: string;
  createdProperty: string;
  modifiedProperty: string;
  /** Returned by reads and searches that do not name `properties`. */
  defaultProperties: readonly string[];
  /** Creating a record without these fails ("Some required properties were not set"). */
  requiredOnCreate: readonly string[];
}

export const OBJECT_TYPES: Record<ObjectTypeName, ObjectTypeInfo> = {
  contacts: {
    name: 'contacts', objectTypeId: '0-1', singular: 'contact', upper: 'CONTACT',
    createdProperty: 'createdate', modifiedProperty: 'lastmodifieddate',
    defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    requiredOnCreate: [],
  },
  companies: {
    name: 'companies', objectTypeId: '0-2', singular: 'company', upper: 'COMPANY',
    createdProperty: 'createdate', modifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    requiredOnCreate: [],
  },
  deals: {
    name: 'deals', objectTypeId: '0-3', singular: 'deal', upper: 'DEAL',
    createdProperty: 'createdate', modifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
    requiredOnCreate: [],
  },
  notes: {
    name: 'notes', objectTypeId: '0-46', singular: 'note', upper: 'NOTE',
    createdProperty: 'hs_createdate', modifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    requiredOnCreate: ['hs_timestamp'],
  },
  calls: {
    name: 'calls', objectTypeId: '0-48', singular: 'call', upper: 'CALL',
    createdProperty: 'hs_createdate', modifiedProperty: 'hs_lastmodifieddate',
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    requiredOnCreate: ['hs_timestamp'],
  },
};

/** Properties the sandbox maintains itself on every record; clients cannot write them. */
export function systemProperties(type: ObjectTypeName): string[] {
  const info = OBJECT_TYPES[type];
  return ['hs_object_id', info.createdProperty, info.modifiedProperty];
}

/** HubSpot accepts the plural name, the singular name or the object type id in paths. */
export function resolveObjectType(raw: string): ObjectTypeName | undefined {
  const wanted = raw.toLowerCase();
  return ObjectTypeName.options.find((name) => {
    const info = OBJECT_TYPES[name];
    return wanted === name || wanted === info.singular || wanted === info.objectTypeId;
  });
}
