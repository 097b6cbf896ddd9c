/**
 * The HubSpot response bodies the adapter reads, as zod schemas. Loose: HubSpot adds fields
 * freely; only what the adapter relies on is required.
 */
import { z } from 'zod';

const PropertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const HubSpotRecord = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), PropertyValue).default({}),
  /** Echo of the input's `objectWriteTraceId`: how batch results are matched to inputs. */
  objectWriteTraceId: z.string().optional(),
});
export type HubSpotRecord = z.infer<typeof HubSpotRecord>;

/** One entry of a batch response's `errors`, and the shape of a whole error response. */
export const HubSpotErrorDetail = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  in: z.string().optional(),
  context: z.unknown().optional(),
});

export const HubSpotError = z.looseObject({
  status: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  message: z.string().optional(),
  context: z.unknown().optional(),
  errors: z.array(HubSpotErrorDetail).optional(),
  /** 429 bodies: `RATE_LIMIT`, and which policy was hit (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`). */
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  correlationId: z.string().optional(),
});
export type HubSpotError = z.infer<typeof HubSpotError>;

export const BatchRecordsResponse = z.looseObject({
  status: z.string().optional(),
  results: z.array(HubSpotRecord).default([]),
  errors: z.array(HubSpotError).default([]),
});
export type BatchRecordsResponse = z.infer<typeof BatchRecordsResponse>;

export const AssociationBatchResponse = z.looseObject({
  status: z.string().optional(),
  results: z
    .array(z.looseObject({ from: z.looseObject({ id: z.coerce.string() }), to: z.looseObject({ id: z.coerce.string() }) }))
    .default([]),
  errors: z.array(HubSpotError).default([]),
});
export type AssociationBatchResponse = z.infer<typeof AssociationBatchResponse>;

export const SearchResponse = z.looseObject({
  results: z.array(HubSpotRecord).default([]),
  paging: z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

export const PropertyList = z.looseObject({
  results: z.array(z.looseObject({ name: z.string(), groupName: z.string().optional() })),
});

export const PropertyGroupList = z.looseObject({
  results: z.array(z.looseObject({ name: z.string() })),
});

/** Responses whose body the adapter does not read (archive: 204). */
export const IgnoredBody = z.unknown();
