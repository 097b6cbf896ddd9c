/**
 * Property and property-group definitions in the shape of HubSpot's properties API, the
 * request schemas that create them, and which `type`/`fieldType` pairs HubSpot accepts.
 */
import { z } from 'zod';

export const PropertyType = z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']);
export type PropertyType = z.infer<typeof PropertyType>;

export const FieldType = z.enum([
  'textarea', 'text', 'date', 'file', 'number', 'select', 'radio', 'checkbox', 'booleancheckbox',
  'calculation_equation', 'html', 'phonenumber',
]);
export type FieldType = z.infer<typeof FieldType>;

/** HubSpot rejects a property whose field type cannot display its type. */
export const FIELD_TYPES_BY_TYPE: Record<PropertyType, readonly FieldType[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
};

export const PropertyOption = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
});
export type PropertyOption = z.infer<typeof PropertyOption>;

export const PropertyCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and contain only lowercase letters, digits and underscores'),
  label: z.string().min(1),
  type: PropertyType,
  fieldType: FieldType,
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(PropertyOption).optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  displayOrder: z.number().int().optional(),
});
export type PropertyCreate = z.infer<typeof PropertyCreate>;

export const PropertyGroupCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and contain only lowercase letters, digits and underscores'),
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
});
export type PropertyGroupCreate = z.infer<typeof PropertyGroupCreate>;

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  groupName: string;
  description: string;
  options: PropertyOption[];
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined: boolean;
  /** System properties (hs_object_id, create/modify dates) are maintained by the sandbox only. */
  readOnlyValue: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** The JSON HubSpot returns for a property. */
export function propertyView(definition: PropertyDefinition): Record<string, unknown> {
  const { readOnlyValue, ...rest } = definition;
  return {
    ...rest,
    archived: false,
    modificationMetadata: { archivable: !definition.hubspotDefined, readOnlyDefinition: definition.hubspotDefined, readOnlyValue },
  };
}
