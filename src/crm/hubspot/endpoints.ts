/**
 * Every HubSpot path, API version, batch size and association type id the adapter uses, in one
 * place. HubSpot retires v1–v3 in September 2027 and v4 on 2027-03-30; its date-versioned APIs
 * (`/crm/objects/2026-03/...`) keep the same request and response bodies, so moving is a matter
 * of `apiVersion` (see the README's "HubSpot API versions" section).
 */
import { z } from 'zod';

/** `legacy` = v3 objects/properties + v4 associations; or a date version such as `2026-03`. */
export const HubSpotApiVersion = z.union([
  z.literal('legacy'),
  z.string().regex(/^\d{4}-\d{2}$/, 'expected "legacy" or a date version like "2026-03"'),
]);
export type HubSpotApiVersion = z.infer<typeof HubSpotApiVersion>;

export interface HubSpotEndpoints {
  batchRead(object: string): string;
  batchCreate(object: string): string;
  batchUpdate(object: string): string;
  batchUpsert(object: string): string;
  batchArchive(object: string): string;
  search(object: string): string;
  associateDefault(fromObject: string, toObject: string): string;
  properties(object: string): string;
  propertyGroups(object: string): string;
}

const seg = encodeURIComponent;

export function hubSpotEndpoints(version: HubSpotApiVersion): HubSpotEndpoints {
  const objects = (o: string) => (version === 'legacy' ? `/crm/v3/objects/${seg(o)}` : `/crm/objects/${version}/${seg(o)}`);
  const properties = (o: string) => (version === 'legacy' ? `/crm/v3/properties/${seg(o)}` : `/crm/properties/${version}/${seg(o)}`);
  const associations = (from: string, to: string) =>
    version === 'legacy' ? `/crm/v4/associations/${seg(from)}/${seg(to)}` : `/crm/associations/${version}/${seg(from)}/${seg(to)}`;
  return {
    batchRead: (o) => `${objects(o)}/batch/read`,
    batchCreate: (o) => `${objects(o)}/batch/create`,
    batchUpdate: (o) => `${objects(o)}/batch/update`,
    batchUpsert: (o) => `${objects(o)}/batch/upsert`,
    batchArchive: (o) => `${objects(o)}/batch/archive`,
    search: (o) => `${objects(o)}/search`,
    associateDefault: (from, to) => `${associations(from, to)}/batch/associate/default`,
    properties: (o) => properties(o),
    propertyGroups: (o) => `${properties(o)}/groups`,
  };
}

/** Inputs per batch call (HubSpot's limit for objects batch endpoints is 100). */
export const BATCH_SIZE = 100;
/** Values per `IN` filter of one search call, and records per search page. */
export const SEARCH_IN_VALUES = 100;
export const SEARCH_PAGE_SIZE = 200;

/** `hs_note_body` (and the other engagement bodies) hold at most this many characters. */
export const ENGAGEMENT_BODY_LIMIT = 65_536;

/**
 * HUBSPOT_DEFINED association type ids for inline associations on engagement creation,
 * by engagement object → target object. Pairs not listed are associated afterwards with the
 * v4 "default association" endpoint, which needs no type id.
 */
export const ENGAGEMENT_ASSOCIATION_TYPES: Record<string, Record<string, number>> = {
  notes: { contacts: 202, companies: 190, deals: 214 },
  calls: { contacts: 194, companies: 182, deals: 206 },
  tasks: { contacts: 204, companies: 192, deals: 216 },
  meetings: { contacts: 200, companies: 188, deals: 212 },
};

/** Where each engagement object keeps its body, title and time. */
export const ENGAGEMENT_FIELDS: Record<string, { body: string; title?: string }> = {
  notes: { body: 'hs_note_body' },
  calls: { body: 'hs_call_body', title: 'hs_call_title' },
  tasks: { body: 'hs_task_body', title: 'hs_task_subject' },
  meetings: { body: 'hs_meeting_body', title: 'hs_meeting_title' },
};
export const ENGAGEMENT_TIMESTAMP = 'hs_timestamp';

/** Object type ids used in record page links (`/contacts/{portal}/record/{typeId}/{id}`). */
export const RECORD_PAGE_TYPE_IDS: Record<string, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  tickets: '0-5',
};
