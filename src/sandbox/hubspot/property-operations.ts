/** Creating properties and property groups with HubSpot's checks: 409 when the name is taken. */
import { alreadyExistsError, validationError } from './hubspot-errors.ts';
import type { ObjectTypeName } from './object-types.ts';
import type { PortalStore } from './portal-store.ts';
import {
  FIELD_TYPES_BY_TYPE, type PropertyCreate, type PropertyDefinition, type PropertyGroup, type PropertyGroupCreate,
} from './property-definitions.ts';

function definitionProblems(store: PortalStore, type: ObjectTypeName, input: PropertyCreate): string[] {
  const problems: string[] = [];
  if (!store.group(type, input.groupName)) problems.push(`property group ${input.groupName} does not exist on ${type}`);
  if (!FIELD_TYPES_BY_TYPE[input.type].includes(input.fieldType)) {
    problems.push(`fieldType ${input.fieldType} cannot be used with type ${input.type}; use one of ${FIELD_TYPES_BY_TYPE[input.type].join(', ')}`);
  }
  const values = (input.options ?? []).map((option) => option.value);
  if (input.type === 'enumeration' && values.length === 0) problems.push('an enumeration property needs at least one option');
  if (new Set(values).size !== values.length) problems.push('option values must be unique');
  if (input.hasUniqueValue && input.type !== 'string' && input.type !== 'number') problems.push('only string and number properties can require unique values');
  return problems;
}

export function createProperty(store: PortalStore, type: ObjectTypeName, input: PropertyCreate, at: string): PropertyDefinition {
  if (store.property(type, input.name)) throw alreadyExistsError(`A property named '${input.name}' already exists on ${type}.`);
  const problems = definitionProblems(store, type, input);
  if (problems.length > 0) throw validationError(`Property ${input.name} is invalid: ${problems.join('; ')}.`);
  const definition: PropertyDefinition = {
    name: input.name,
    label: input.label,
    type: input.type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? '',
    options: (input.options ?? []).map((option, index) => ({ displayOrder: index, hidden: false, ...option })),
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: input.hidden ?? false,
    formField: input.formField ?? false,
    displayOrder: input.displayOrder ?? -1,
    calculated: false,
    externalOptions: false,
    hubspotDefined: false,
    readOnlyValue: false,
    createdAt: at,
    updatedAt: at,
  };
  store.addProperty(type, definition);
  return definition;
}

export function createPropertyGroup(store: PortalStore, type: ObjectTypeName, input: PropertyGroupCreate): PropertyGroup {
  if (store.group(type, input.name)) throw alreadyExistsError(`A property group named '${input.name}' already exists on ${type}.`);
  const group: PropertyGroup = { name: input.name, label: input.label, displayOrder: input.displayOrder ?? -1, archived: false };
  store.addGroup(type, group);
  return group;
}
