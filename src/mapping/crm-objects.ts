/**
 * The CRM object types a mapping may write, per CRM, and the role each plays in a WritePlan.
 * The role is derived from the object, so admins write `object: deals` and never a role.
 */
import type { CrmName, ObjectRole } from '../crm/write-plan.ts';

export const CRM_OBJECTS: Record<CrmName, Record<string, ObjectRole>> = {
  hubspot: {
    contacts: 'person',
    companies: 'company',
    deals: 'deal',
    notes: 'note',
    calls: 'activity',
    tasks: 'activity',
  },
  salesforce: {
    Lead: 'person',
    Contact: 'person',
    Account: 'company',
    Opportunity: 'deal',
    ContentNote: 'note',
    Task: 'activity',
  },
};

export const CRM_LABELS: Record<CrmName, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

export const roleOf = (crm: CrmName, object: string): ObjectRole | undefined => CRM_OBJECTS[crm][object];

/** Records are upserted on a key; notes and activities are created once per conversation. */
export const roleNeedsMatch = (role: ObjectRole): boolean => role === 'person' || role === 'company' || role === 'deal';
export const roleHasContent = (role: ObjectRole): boolean => role === 'note' || role === 'activity';

/** Order records so each comes after the ones it typically associates with (company ← contact ← deal ← notes). */
export const ROLE_ORDER: Record<ObjectRole, number> = { company: 0, person: 1, deal: 2, activity: 3, note: 4 };

/** Property (field) API names: HubSpot internal names are lower-case; Salesforce API names are case-insensitive identifiers. */
export const PROPERTY_NAME_PATTERN: Record<CrmName, RegExp> = {
  hubspot: /^[a-z][a-z0-9_]*$/,
  salesforce: /^[A-Za-z][A-Za-z0-9_]*$/,
};
