/**
 * HubSpot-defined association types between the object types the sandbox serves. Every type has
 * an inverse (note→contact 202 ⇄ contact→note 201); an association is stored in both directions.
 * "Primary" company labels imply the unlabeled type as well, as in HubSpot.
 */
import type { ObjectTypeName } from './object-types.ts';
import { OBJECT_TYPES } from './object-types.ts';

export interface AssociationType {
  typeId: number;
  from: ObjectTypeName;
  to: ObjectTypeName;
  inverseTypeId: number;
  /** v3 name, e.g. `note_to_contact`, `contact_to_company_unlabeled`. */
  name: string;
  label: string | null;
  /** The type `batch/associate/default` and inline defaults use for this pair. */
  isDefault: boolean;
  /** Another type added along with this one (Primary implies unlabeled). */
  impliesTypeId?: number;
}

const TYPES: AssociationType[] = [];

function pair(from: ObjectTypeName, to: ObjectTypeName, typeId: number, inverseTypeId: number, options: { unlabeledSuffix?: boolean } = {}): void {
  const suffix = options.unlabeledSuffix ? '_unlabeled' : '';
  const name = (a: ObjectTypeName, b: ObjectTypeName) => `${OBJECT_TYPES[a].singular}_to_${OBJECT_TYPES[b].singular}${suffix}`;
  TYPES.push({ typeId, from, to, inverseTypeId, name: name(from, to), label: null, isDefault: true });
  TYPES.push({ typeId: inverseTypeId, from: to, to: from, inverseTypeId: typeId, name: name(to, from), label: null, isDefault: true });
}

function primary(from: ObjectTypeName, to: ObjectTypeName, typeId: number, inverseTypeId: number, implies: [number, number]): void {
  const name = (a: ObjectTypeName, b: ObjectTypeName) => `${OBJECT_TYPES[a].singular}_to_${OBJECT_TYPES[b].singular}`;
  TYPES.push({ typeId, from, to, inverseTypeId, name: name(from, to), label: 'Primary', isDefault: false, impliesTypeId: implies[0] });
  TYPES.push({ typeId: inverseTypeId, from: to, to: from, inverseTypeId: typeId, name: name(to, from), label: 'Primary', isDefault: false, impliesTypeId: implies[1] });
}

pair('contacts', 'companies', 279, 280, { unlabeledSuffix: true });
primary('contacts', 'companies', 1, 2, [279, 280]);
pair('deals', 'contacts', 3, 4);
pair('deals', 'companies', 341, 342, { unlabeledSuffix: true });
primary('deals', 'companies', 5, 6, [341, 342]);
pair('notes', 'contacts', 202, 201);
pair('notes', 'companies', 190, 189);
pair('notes', 'deals', 214, 213);
pair('calls', 'contacts', 194, 193);
pair('calls', 'companies', 182, 181);
pair('calls', 'deals', 206, 205);

export function associationType(typeId: number): AssociationType | undefined {
  return TYPES.find((type) => type.typeId === typeId);
}

export function defaultAssociationType(from: ObjectTypeName, to: ObjectTypeName): AssociationType | undefined {
  return TYPES.find((type) => type.from === from && type.to === to && type.isDefault);
}

export function associationTypesBetween(from: ObjectTypeName, to: ObjectTypeName): AssociationType[] {
  return TYPES.filter((type) => type.from === from && type.to === to);
}
