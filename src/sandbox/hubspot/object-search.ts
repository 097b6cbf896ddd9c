/**
 * The CRM search endpoint: filter groups (OR of ANDed filters), one sort, a text query and
 * offset paging, with HubSpot's limits (5 groups, 6 filters per group, 18 filters, limit ≤ 200,
 * no paging past 10,000 results).
 */
import { z } from 'zod';
import { validationError } from './hubspot-errors.ts';
import type { ObjectTypeName } from './object-types.ts';
import { readView, type ObjectView } from './object-view.ts';
import type { PortalStore, StoredObject } from './portal-store.ts';
import type { PropertyDefinition } from './property-definitions.ts';

export const FilterOperator = z.enum([
  'EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN',
]);

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const SearchRequest = z.object({
  filterGroups: z.array(z.object({
    filters: z.array(z.object({
      propertyName: z.string().min(1),
      operator: FilterOperator,
      value: Scalar.optional(),
      highValue: Scalar.optional(),
      values: z.array(Scalar).optional(),
    })),
  })).max(5, 'at most 5 filterGroups are allowed').default([]),
  sorts: z.array(z.union([
    z.string(),
    z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') }),
  ])).max(1, 'only one sort is supported').default([]),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(1).max(200, 'limit must be at most 200').default(10),
  after: z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, 'after must be a non-negative integer offset')).optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

type Filter = SearchRequest['filterGroups'][number]['filters'][number];

export const MAX_SEARCH_RESULTS = 10_000;

/** Values compare by their property's type: numbers and dates numerically, text case-insensitively. */
function comparable(definition: PropertyDefinition, raw: string): number | string {
  if (definition.type === 'number') return Number(raw);
  if (definition.type === 'date' || definition.type === 'datetime') return /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return raw.toLowerCase();
}

function tokenPattern(value: string): RegExp {
  const escaped = value.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`(^|\\W)${escaped}($|\\W)`);
}

function matches(record: StoredObject, filter: Filter, definition: PropertyDefinition): boolean {
  const stored = record.properties[filter.propertyName];
  if (filter.operator === 'HAS_PROPERTY') return stored !== undefined;
  if (filter.operator === 'NOT_HAS_PROPERTY') return stored === undefined;
  const wanted = (raw: string | undefined) => comparable(definition, raw ?? '');
  if (filter.operator === 'NEQ') return stored === undefined || comparable(definition, stored) !== wanted(filter.value);
  if (filter.operator === 'NOT_IN') return stored === undefined || !(filter.values ?? []).some((v) => wanted(v) === comparable(definition, stored));
  if (filter.operator === 'NOT_CONTAINS_TOKEN') return stored === undefined || !tokenPattern(filter.value ?? '').test(stored.toLowerCase());
  if (stored === undefined) return false;
  const actual = comparable(definition, stored);
  switch (filter.operator) {
    case 'EQ': return actual === wanted(filter.value);
    case 'IN': return (filter.values ?? []).some((v) => wanted(v) === actual);
    case 'LT': return actual < wanted(filter.value);
    case 'LTE': return actual <= wanted(filter.value);
    case 'GT': return actual > wanted(filter.value);
    case 'GTE': return actual >= wanted(filter.value);
    case 'BETWEEN': return actual >= wanted(filter.value) && actual <= wanted(filter.highValue);
    case 'CONTAINS_TOKEN': return tokenPattern(filter.value ?? '').test(stored.toLowerCase());
  }
}

function needsValue(filter: Filter): string | undefined {
  const { operator } = filter;
  if ((operator === 'IN' || operator === 'NOT_IN') && !filter.values?.length) return 'needs a non-empty values list';
  if (operator === 'BETWEEN' && (filter.value === undefined || filter.highValue === undefined)) return 'needs value and highValue';
  const single = !['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'BETWEEN'].includes(operator);
  if (single && filter.value === undefined) return 'needs a value';
  return undefined;
}

function sortOf(request: SearchRequest): { propertyName: string; descending: boolean } | undefined {
  const [sort] = request.sorts;
  if (sort === undefined) return undefined;
  if (typeof sort === 'string') return { propertyName: sort.replace(/^-/, ''), descending: sort.startsWith('-') };
  return { propertyName: sort.propertyName, descending: sort.direction === 'DESCENDING' };
}

export interface SearchResponse {
  total: number;
  results: ObjectView[];
  paging?: { next: { after: string; link: string } };
}

export function searchObjects(store: PortalStore, type: ObjectTypeName, request: SearchRequest): SearchResponse {
  const filterCount = request.filterGroups.reduce((sum, group) => sum + group.filters.length, 0);
  if (filterCount > 18) throw validationError(`A search may have at most 18 filters in total; this one has ${filterCount}.`);
  const definitionOf = (name: string, where: string): PropertyDefinition => {
    const definition = store.property(type, name);
    if (!definition) throw validationError(`${where}: property ${name} does not exist on ${type}.`);
    return definition;
  };
  const groups = request.filterGroups.map((group, g) => {
    if (group.filters.length > 6) throw validationError(`filterGroups[${g}] has ${group.filters.length} filters; at most 6 are allowed per group.`);
    return group.filters.map((filter, f) => {
      const where = `filterGroups[${g}].filters[${f}]`;
      const problem = needsValue(filter);
      if (problem) throw validationError(`${where}: operator ${filter.operator} ${problem}.`);
      return { filter, definition: definitionOf(filter.propertyName, where) };
    });
  });

  const query = request.query?.toLowerCase();
  let found = store.list(type).filter((record) =>
    (groups.length === 0 || groups.some((group) => group.every(({ filter, definition }) => matches(record, filter, definition))))
    && (!query || Object.values(record.properties).some((value) => value.toLowerCase().includes(query))));

  const sort = sortOf(request);
  if (sort) {
    const definition = definitionOf(sort.propertyName, 'sorts[0]');
    const key = (record: StoredObject) => {
      const raw = record.properties[sort.propertyName];
      return raw === undefined ? undefined : comparable(definition, raw);
    };
    found = [...found].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      if (x === y) return 0;
      if (x === undefined) return 1; // records without the value go last either way
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * (sort.descending ? -1 : 1);
    });
  }

  const offset = Number(request.after ?? '0');
  if (offset + request.limit > MAX_SEARCH_RESULTS) {
    throw validationError(`Search results are limited to ${MAX_SEARCH_RESULTS}; after + limit is ${offset + request.limit}.`);
  }
  const page = found.slice(offset, offset + request.limit);
  const response: SearchResponse = { total: found.length, results: page.map((record) => readView(record, { properties: request.properties })) };
  const next = offset + page.length;
  if (next < found.length) response.paging = { next: { after: String(next), link: `?after=${next}` } };
  return response;
}
