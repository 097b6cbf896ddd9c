/**
 * The shapes of the Salesforce REST answers the adapter reads, as zod schemas. Loose objects:
 * Salesforce adds fields with every release and the adapter must not break on them.
 */
import { z } from 'zod';

/**
 * One complaint. REST error bodies say `errorCode`; SaveResults of sObject Collections say
 * `statusCode`; both carry `fields` naming the rejected fields.
 */
export const SalesforceErrorItem = z.looseObject({
  message: z.string().default(''),
  errorCode: z.string().optional(),
  statusCode: z.string().optional(),
  fields: z.array(z.string()).optional(),
});
export type SalesforceErrorItem = z.infer<typeof SalesforceErrorItem>;

/** Result of one record of a create / update / upsert (single or Collections). */
export const SaveResult = z.looseObject({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z.array(SalesforceErrorItem).default([]),
  /** Upserts only (API 46.0+). */
  created: z.boolean().optional(),
});
export type SaveResult = z.infer<typeof SaveResult>;

export const SaveResults = z.array(SaveResult);

export const QueriedRecord = z.looseObject({
  Id: z.string(),
  attributes: z.looseObject({ type: z.string() }).optional(),
});
export type QueriedRecord = z.infer<typeof QueriedRecord>;

export const QueryResult = z.looseObject({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(QueriedRecord),
});
export type QueryResult = z.infer<typeof QueryResult>;

export const CompositeSubresponse = z.looseObject({
  body: z.unknown(),
  httpHeaders: z.record(z.string(), z.string()).default({}),
  httpStatusCode: z.number(),
  referenceId: z.string(),
});
export type CompositeSubresponse = z.infer<typeof CompositeSubresponse>;

export const CompositeResponse = z.looseObject({ compositeResponse: z.array(CompositeSubresponse) });
export type CompositeResponse = z.infer<typeof CompositeResponse>;

/** `GET /limits`: only the daily API allocation matters here. */
export const OrgLimits = z.looseObject({
  DailyApiRequests: z.looseObject({ Max: z.number(), Remaining: z.number() }),
});
export type OrgLimits = z.infer<typeof OrgLimits>;

export const PicklistEntry = z.looseObject({
  value: z.string(),
  label: z.string().nullish(),
  active: z.boolean().default(true),
});

export const DescribeField = z.looseObject({
  name: z.string(),
  label: z.string().default(''),
  /** string, textarea, email, phone, url, picklist, multipicklist, reference, boolean, int, double, date, datetime, ... */
  type: z.string(),
  length: z.number().default(0),
  createable: z.boolean().default(false),
  updateable: z.boolean().default(false),
  nillable: z.boolean().default(true),
  filterable: z.boolean().default(true),
  externalId: z.boolean().default(false),
  unique: z.boolean().default(false),
  idLookup: z.boolean().default(false),
  restrictedPicklist: z.boolean().default(false),
  picklistValues: z.array(PicklistEntry).nullish().transform((v) => v ?? []),
  referenceTo: z.array(z.string()).nullish().transform((v) => v ?? []),
});
export type DescribeField = z.infer<typeof DescribeField>;

export const SObjectDescribe = z.looseObject({
  name: z.string(),
  label: z.string().default(''),
  fields: z.array(DescribeField),
});
export type SObjectDescribe = z.infer<typeof SObjectDescribe>;

/** Answer of the OAuth token endpoint to a refresh; `refresh_token` only when rotation is on. */
export const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  instance_url: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Any JSON body: used where the adapter only needs the call to have succeeded. */
export const AnyBody = z.unknown();
