/**
 * The WritePlan: the seam between "what to write" (the mapping engine, pure) and "how to write
 * it" (a CRM adapter). Plain data, serialisable, so a preview prints exactly what a sync sends.
 */
import { z } from 'zod';

export const CrmName = z.enum(['hubspot', 'salesforce']);
export type CrmName = z.infer<typeof CrmName>;

/** Where in a mapping file a value came from, so a CRM rejection can point at the line. */
export const ValueOrigin = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  /** Key path inside the file, e.g. `objects.contact.properties.email`. */
  path: z.string(),
});
export type ValueOrigin = z.infer<typeof ValueOrigin>;

export const ScalarValue = z.union([z.string(), z.number(), z.boolean()]);
export type ScalarValue = z.infer<typeof ScalarValue>;

export const WritePolicy = z.enum(['always', 'if_empty']);
export type WritePolicy = z.infer<typeof WritePolicy>;

export const PlannedValue = z.object({
  value: ScalarValue,
  policy: WritePolicy,
  origin: ValueOrigin,
  /** What produced the value, for previews: a conversation path, `template "…"`, `value` or `default`. */
  source: z.string().optional(),
});
export type PlannedValue = z.infer<typeof PlannedValue>;

/**
 * What a record is for, independent of the CRM's object names: adapters pick endpoints,
 * association types and limits from the role.
 */
export const ObjectRole = z.enum(['person', 'company', 'deal', 'note', 'activity']);
export type ObjectRole = z.infer<typeof ObjectRole>;

export const MatchKey = z.object({
  /** CRM property that identifies the record (`email`, the conversation-id property, ...). */
  property: z.string(),
  value: z.string(),
  origin: ValueOrigin,
});
export type MatchKey = z.infer<typeof MatchKey>;

/** A transcript body for notes and activities; the adapter fits it to the CRM's size limits. */
export const NoteBody = z.object({
  title: z.string(),
  /** Sanitised HTML rendered from the Markdown transcript. */
  html: z.string(),
  /** The same content as plain text, for fields that do not render HTML (Salesforce Task Description). */
  text: z.string(),
  /** Link back to the conversation, shown when a body has to be truncated. */
  sourceUrl: z.string().optional(),
});
export type NoteBody = z.infer<typeof NoteBody>;

export const PlannedRecord = z.object({
  /** The mapping's name for this object (`contact`, `deal`, `transcript_note`); associations refer to it. */
  key: z.string(),
  role: ObjectRole,
  /** The CRM's object type: `contacts`, `deals`, `notes` (HubSpot); `Lead`, `Opportunity`, `Task` (Salesforce). */
  object: z.string(),
  /** Upsert key. Absent for notes/activities: those are created once and tracked in the sync record. */
  match: MatchKey.optional(),
  properties: z.record(z.string(), PlannedValue),
  /** Keys of other records in the same plan this one is associated with. */
  associations: z.array(z.string()),
  body: NoteBody.optional(),
  /** When the activity happened (notes/calls: the conversation's `ended_at`). */
  occurredAt: z.string().optional(),
  /** Properties the mapping defines that had no value for this conversation: nothing is written for them. */
  omitted: z.array(z.object({ property: z.string(), reason: z.string(), origin: ValueOrigin })).optional(),
  /** Associations the mapping asks for whose target record was skipped. */
  droppedAssociations: z.array(z.object({ key: z.string(), reason: z.string() })).optional(),
});
export type PlannedRecord = z.infer<typeof PlannedRecord>;

export const SkippedRecord = z.object({
  key: z.string(),
  object: z.string(),
  reason: z.string(),
});
export type SkippedRecord = z.infer<typeof SkippedRecord>;

export const WritePlan = z.object({
  crm: CrmName,
  conversationId: z.string(),
  mapping: z.object({ file: z.string(), version: z.string() }),
  /** In dependency order: records appear after those they associate with where it matters. */
  records: z.array(PlannedRecord),
  skipped: z.array(SkippedRecord),
});
export type WritePlan = z.infer<typeof WritePlan>;
