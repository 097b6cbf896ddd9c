/**
 * The HubSpot requests the adapter makes, one method per endpoint: request bodies are built
 * here and nowhere else, so the contract tests pin exactly these shapes.
 */
import type { HubSpotApi } from './api.ts';
import type { HubSpotEndpoints } from './endpoints.ts';
import { SEARCH_PAGE_SIZE } from './endpoints.ts';
import {
  AssociationBatchResponse, BatchRecordsResponse, IgnoredBody, PropertyGroupList, PropertyList, SearchResponse,
  type HubSpotRecord,
} from './responses.ts';

export type PropertyValues = Record<string, string>;

export interface UpsertInput { idProperty: string; id: string; properties: PropertyValues; objectWriteTraceId: string }
export interface UpdateInput { id: string; properties: PropertyValues; objectWriteTraceId: string }
export interface AssociationSpec { associationCategory: 'HUBSPOT_DEFINED'; associationTypeId: number }
export interface CreateInput {
  properties: PropertyValues;
  associations: { to: { id: string }; types: AssociationSpec[] }[];
  objectWriteTraceId: string;
}
export interface PropertyDefinition {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: 'string' | 'number' | 'enumeration' | 'datetime' | 'date' | 'bool';
  fieldType: 'text' | 'textarea' | 'number' | 'select' | 'date' | 'booleancheckbox';
  hasUniqueValue?: boolean;
  options?: { label: string; value: string; displayOrder: number }[];
}

export class HubSpotRequests {
  readonly #api: HubSpotApi;
  readonly #paths: HubSpotEndpoints;

  constructor(api: HubSpotApi, paths: HubSpotEndpoints) {
    this.#api = api;
    this.#paths = paths;
  }

  async batchRead(object: string, idProperty: string, ids: string[], properties: string[]): Promise<BatchRecordsResponse> {
    const body = { idProperty, inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] };
    return (await this.#api.call({ method: 'POST', path: this.#paths.batchRead(object), body, schema: BatchRecordsResponse })).body;
  }

  async batchUpsert(object: string, inputs: UpsertInput[]): Promise<BatchRecordsResponse> {
    return (await this.#api.call({ method: 'POST', path: this.#paths.batchUpsert(object), body: { inputs }, schema: BatchRecordsResponse })).body;
  }

  async batchCreate(object: string, inputs: CreateInput[]): Promise<BatchRecordsResponse> {
    return (await this.#api.call({ method: 'POST', path: this.#paths.batchCreate(object), body: { inputs }, schema: BatchRecordsResponse })).body;
  }

  async batchUpdate(object: string, inputs: UpdateInput[]): Promise<BatchRecordsResponse> {
    return (await this.#api.call({ method: 'POST', path: this.#paths.batchUpdate(object), body: { inputs }, schema: BatchRecordsResponse })).body;
  }

  async batchArchive(object: string, ids: string[]): Promise<void> {
    await this.#api.call({ method: 'POST', path: this.#paths.batchArchive(object), body: { inputs: ids.map((id) => ({ id })) }, schema: IgnoredBody });
  }

  /** Records whose `property` is one of `values`, every page, through the search budget. */
  async searchIn(object: string, property: string, values: string[], properties: string[]): Promise<HubSpotRecord[]> {
    const found: HubSpotRecord[] = [];
    let after: string | undefined;
    do {
      const body = {
        filterGroups: [{ filters: [{ propertyName: property, operator: 'IN', values }] }],
        properties,
        limit: SEARCH_PAGE_SIZE,
        ...(after ? { after } : {}),
      };
      const page = (await this.#api.call({ method: 'POST', path: this.#paths.search(object), body, bucket: 'search', schema: SearchResponse })).body;
      found.push(...page.results);
      after = page.paging?.next?.after;
    } while (after);
    return found;
  }

  async associateDefault(fromObject: string, toObject: string, pairs: { from: string; to: string }[]): Promise<AssociationBatchResponse> {
    const body = { inputs: pairs.map((p) => ({ from: { id: p.from }, to: { id: p.to } })) };
    return (await this.#api.call({ method: 'POST', path: this.#paths.associateDefault(fromObject, toObject), body, schema: AssociationBatchResponse })).body;
  }

  async listPropertyGroups(object: string): Promise<string[]> {
    const response = await this.#api.call({ method: 'GET', path: this.#paths.propertyGroups(object), schema: PropertyGroupList });
    return response.body.results.map((g) => g.name);
  }

  async createPropertyGroup(object: string, group: { name: string; label: string; displayOrder: number }): Promise<void> {
    await this.#api.call({ method: 'POST', path: this.#paths.propertyGroups(object), body: group, schema: IgnoredBody });
  }

  async listProperties(object: string): Promise<string[]> {
    const response = await this.#api.call({ method: 'GET', path: this.#paths.properties(object), schema: PropertyList });
    return response.body.results.map((p) => p.name);
  }

  async createProperty(object: string, definition: PropertyDefinition): Promise<void> {
    await this.#api.call({ method: 'POST', path: this.#paths.properties(object), body: definition, schema: IgnoredBody });
  }
}
