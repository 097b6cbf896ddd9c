/**
 * Association storage for one portal. Each association is kept in both directions with the
 * inverse type id, so reading from either side returns it, as HubSpot does.
 */
import { associationType } from './association-types.ts';
import type { ObjectTypeName } from './object-types.ts';

export interface AssociationEdge {
  fromType: ObjectTypeName;
  fromId: string;
  toType: ObjectTypeName;
  toId: string;
  typeIds: number[];
}

const nodeKey = (type: ObjectTypeName, id: string) => `${type}:${id}`;

export class AssociationStore {
  /** from node → to node → type ids. */
  readonly #edges = new Map<string, Map<string, { toType: ObjectTypeName; toId: string; typeIds: Set<number> }>>();

  #addOneWay(fromType: ObjectTypeName, fromId: string, toType: ObjectTypeName, toId: string, typeId: number): void {
    const fromKey = nodeKey(fromType, fromId);
    let targets = this.#edges.get(fromKey);
    if (!targets) this.#edges.set(fromKey, (targets = new Map()));
    const toKey = nodeKey(toType, toId);
    let edge = targets.get(toKey);
    if (!edge) targets.set(toKey, (edge = { toType, toId, typeIds: new Set() }));
    edge.typeIds.add(typeId);
  }

  /** Adds a typed association and its inverse (plus the unlabeled type a Primary label implies). */
  add(fromType: ObjectTypeName, fromId: string, toType: ObjectTypeName, toId: string, typeId: number): void {
    const type = associationType(typeId);
    if (!type || type.from !== fromType || type.to !== toType) {
      throw new Error(`association type ${typeId} does not link ${fromType} to ${toType}`);
    }
    this.#addOneWay(fromType, fromId, toType, toId, typeId);
    this.#addOneWay(toType, toId, fromType, fromId, type.inverseTypeId);
    if (type.impliesTypeId !== undefined) this.add(fromType, fromId, toType, toId, type.impliesTypeId);
  }

  /** Associations of one record to records of one type, in the order they were made. */
  list(fromType: ObjectTypeName, fromId: string, toType: ObjectTypeName): { toId: string; typeIds: number[] }[] {
    const targets = this.#edges.get(nodeKey(fromType, fromId));
    if (!targets) return [];
    return [...targets.values()]
      .filter((edge) => edge.toType === toType)
      .map((edge) => ({ toId: edge.toId, typeIds: [...edge.typeIds] }));
  }

  /** Drops every association of a record, in both directions. */
  removeAll(type: ObjectTypeName, id: string): void {
    const key = nodeKey(type, id);
    for (const edge of this.#edges.get(key)?.values() ?? []) this.#edges.get(nodeKey(edge.toType, edge.toId))?.delete(key);
    this.#edges.delete(key);
  }

  /** Every association of one record, grouped by the other side's type. */
  allFrom(fromType: ObjectTypeName, fromId: string): Partial<Record<ObjectTypeName, { id: string; typeIds: number[] }[]>> {
    const grouped: Partial<Record<ObjectTypeName, { id: string; typeIds: number[] }[]>> = {};
    for (const edge of this.#edges.get(nodeKey(fromType, fromId))?.values() ?? []) {
      (grouped[edge.toType] ??= []).push({ id: edge.toId, typeIds: [...edge.typeIds] });
    }
    return grouped;
  }
}
