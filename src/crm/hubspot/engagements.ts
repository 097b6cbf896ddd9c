/**
 * Phase 2: transcript notes (and calls, tasks, meetings for `activity` records) of the whole
 * batch. New notes and calls are upserted on the connector's unique part key (one batch/upsert
 * per object), so a write retried after an ambiguous failure finds the part it already wrote;
 * they are associated afterwards (phase 3), as upsert inputs carry no associations. Tasks and
 * meetings (no key property) are created with inline associations (task→contact 204, …). Parts an
 * earlier sync wrote (`previous`) are updated in place by batch/update, so a re-sync never
 * duplicates them. A body over 65,536 characters becomes ordered parts (or is truncated, by
 * configuration); parts no longer needed are archived.
 */
import { CrmError } from '../errors.ts';
import type { PlannedRecord } from '../write-plan.ts';
import { written, type BatchContext } from './batch-context.ts';
import { sendInBatches, type ItemOutcome } from './batch-writer.ts';
import { BATCH_SIZE, ENGAGEMENT_ASSOCIATION_TYPES, ENGAGEMENT_FIELDS, ENGAGEMENT_TIMESTAMP } from './endpoints.ts';
import { resultKeys } from './merged-records.ts';
import { fitBody } from './note-body.ts';
import { failPlan, isLive, toHubSpotValue, type PlanState } from './plan-state.ts';
import type { CreateInput, PropertyValues, UpdateInput, UpsertInput } from './requests.ts';
import type { HubSpotRecord } from './responses.ts';
import { ENGAGEMENT_KEY_PROPERTY, KEYED_ENGAGEMENTS } from './schema-setup.ts';

/** An association still to create with the v4 default-association endpoint (phase 3). */
export interface AssociationNeed {
  states: PlanState[];
  fromObject: string;
  fromId: string;
  toObject: string;
  toId: string;
}

const ENGAGEMENT_ROLES: ReadonlySet<string> = new Set(['note', 'activity']);

interface Part {
  write: EngagementWrite;
  index: number;
  traceId: string;
  /** `<conversationId>:<record key>:<part number>`: the upsert key of a note or call part. */
  key: string;
  properties: PropertyValues;
  /** Set when an earlier sync wrote this part: update it instead of creating one. */
  existingId: string | undefined;
}

interface EngagementWrite {
  state: PlanState;
  record: PlannedRecord;
  object: string;
  partIds: (string | undefined)[];
  /** Targets with a known inline association type, for parts being created (not upserted). */
  inline: CreateInput['associations'];
  /** Targets to associate afterwards: upserted parts, no inline type, or an updated part's target changed. */
  laterForNewParts: { toObject: string; toId: string }[];
  laterForUpdatedParts: { toObject: string; toId: string }[];
  /** Parts of an earlier, longer version of the body. */
  surplus: string[];
  error: CrmError | undefined;
}

export async function writeEngagements(ctx: BatchContext, states: PlanState[]): Promise<AssociationNeed[]> {
  const writes: EngagementWrite[] = [];
  const parts: Part[] = [];
  for (const state of states) {
    for (const record of state.execution.plan.records) {
      if (!ENGAGEMENT_ROLES.has(record.role) || !isLive(state)) continue;
      const planned = planEngagement(ctx, state, record);
      if (!planned) continue;
      writes.push(planned.write);
      parts.push(...planned.parts);
    }
  }

  const objects = [...new Set(writes.map((w) => w.object))];
  await Promise.all(objects.flatMap((object) => {
    const news = parts.filter((p) => p.write.object === object && p.existingId === undefined);
    const updates = parts.filter((p) => p.write.object === object && p.existingId !== undefined);
    const surplus = writes.filter((w) => w.object === object).flatMap((w) => w.surplus.map((id) => ({ write: w, id })));
    const writeNew = KEYED_ENGAGEMENTS.has(object) ? upsertParts : createParts;
    return [writeNew(ctx, object, news), updateParts(ctx, object, updates), archiveSurplus(ctx, object, surplus)];
  }));

  const needs: AssociationNeed[] = [];
  for (const w of writes) {
    if (w.error || w.partIds.some((id) => id === undefined)) {
      failPlan(w.state, w.error ?? new CrmError('retryable', `some parts of "${w.record.key}" were not written`), w.record);
    }
    const ids = w.partIds.filter((id): id is string => id !== undefined);
    if (ids.length > 0) {
      w.state.objects[w.record.key] = { ...written(ctx, w.object, ids[0]!), ...(ids.length > 1 ? { partIds: ids } : {}) };
    }
    if (!isLive(w.state)) continue;
    const previous = w.state.execution.previous[w.record.key];
    const existing = new Set(previous?.object === w.object ? (previous.partIds ?? [previous.id]) : []);
    for (const id of ids) {
      for (const target of existing.has(id) ? w.laterForUpdatedParts : w.laterForNewParts) {
        needs.push({ states: [w.state], fromObject: w.object, fromId: id, ...target });
      }
    }
  }
  return needs;
}

function planEngagement(ctx: BatchContext, state: PlanState, record: PlannedRecord): { write: EngagementWrite; parts: Part[] } | undefined {
  const fields = ENGAGEMENT_FIELDS[record.object];
  if (!fields) {
    failPlan(state, new CrmError('permanent', `"${record.key}" targets ${record.object}, which cannot hold a transcript: use ${Object.keys(ENGAGEMENT_FIELDS).join(', ')}`, {
      code: 'UNSUPPORTED_OBJECT',
    }));
    return undefined;
  }
  const timestamp = record.occurredAt ?? record.properties[ENGAGEMENT_TIMESTAMP]?.value;
  if (timestamp === undefined) {
    failPlan(state, new CrmError('permanent', `"${record.key}" has no occurredAt or ${ENGAGEMENT_TIMESTAMP}: HubSpot requires a timestamp on ${record.object}`, {
      code: 'NO_TIMESTAMP',
    }));
    return undefined;
  }

  const fitted = record.body ? fitBody(record.body, ctx.bodyLimit, ctx.noteOverflow) : undefined;
  const partCount = fitted?.parts.length ?? 1;
  if (fitted && partCount > 1) state.notes.push(`${record.key}: transcript split into ${partCount} ${record.object}`);
  if (fitted?.truncated) state.notes.push(`${record.key}: transcript truncated to HubSpot's ${ctx.bodyLimit}-character limit`);

  const previous = state.execution.previous[record.key];
  const existingIds = previous?.object === record.object ? (previous.partIds ?? [previous.id]) : [];
  const write: EngagementWrite = {
    state, record, object: record.object, partIds: new Array(partCount).fill(undefined),
    inline: [], laterForNewParts: [], laterForUpdatedParts: [], surplus: existingIds.slice(partCount), error: undefined,
  };
  for (const key of record.associations) {
    const target = state.objects[key];
    if (!target) continue; // skipped by the mapping (e.g. no deal for this outcome)
    const typeId = KEYED_ENGAGEMENTS.has(record.object) ? undefined : ENGAGEMENT_ASSOCIATION_TYPES[record.object]?.[target.object];
    const link = { toObject: target.object, toId: target.id };
    if (typeId === undefined) write.laterForNewParts.push(link);
    else write.inline.push({ to: { id: target.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }] });
    // An updated part keeps its old associations; link it only to records that changed.
    if (state.execution.previous[key]?.id !== target.id) write.laterForUpdatedParts.push(link);
  }

  const parts: Part[] = [];
  for (let index = 0; index < partCount; index++) {
    const existingId = existingIds[index];
    const properties: PropertyValues = {};
    for (const [name, planned] of Object.entries(record.properties)) {
      // `if_empty` on an engagement means "set when created": an update never touches it.
      if (planned.policy === 'always' || existingId === undefined) properties[name] = toHubSpotValue(planned.value);
    }
    properties[ENGAGEMENT_TIMESTAMP] = toHubSpotValue(timestamp);
    if (fitted) {
      properties[fields.body] = fitted.parts[index]!;
      if (fields.title) properties[fields.title] = fitted.titles[index]!;
    }
    const { conversationId } = state.execution.plan;
    parts.push({
      write, index, traceId: `${conversationId}/${record.key}/${index + 1}`, key: `${conversationId}:${record.key}:${index + 1}`, properties, existingId,
    });
  }
  return { write, parts };
}

function settleParts(parts: Part[], outcomes: ItemOutcome<HubSpotRecord>[]): void {
  outcomes.forEach((outcome, i) => {
    const part = parts[i]!;
    if (outcome.ok) part.write.partIds[part.index] = outcome.result.id;
    else part.write.error ??= outcome.error;
  });
}

const traceKeys = (result: HubSpotRecord): string[] => [...(result.objectWriteTraceId ? [result.objectWriteTraceId] : []), result.id];

async function createParts(ctx: BatchContext, object: string, parts: Part[]): Promise<void> {
  if (parts.length === 0) return;
  const outcomes = await sendInBatches(
    parts.map((p) => ({
      keys: [p.traceId],
      input: { properties: p.properties, associations: p.write.inline, objectWriteTraceId: p.traceId } satisfies CreateInput,
    })),
    { path: `${object} batch/create`, send: (items) => ctx.requests.batchCreate(object, items.map((i) => i.input)), resultKeys: traceKeys, idempotent: false },
  );
  settleParts(parts, outcomes);
}

/** Idempotent: a retry after an ambiguous failure updates the part the first attempt wrote. */
async function upsertParts(ctx: BatchContext, object: string, parts: Part[]): Promise<void> {
  if (parts.length === 0) return;
  const outcomes = await sendInBatches(
    parts.map((p) => ({
      keys: [p.traceId, p.key],
      input: { idProperty: ENGAGEMENT_KEY_PROPERTY, id: p.key, properties: p.properties, objectWriteTraceId: p.traceId } satisfies UpsertInput,
    })),
    {
      path: `${object} batch/upsert`,
      send: (items) => ctx.requests.batchUpsert(object, items.map((i) => i.input)),
      resultKeys: (result) => resultKeys(result, ENGAGEMENT_KEY_PROPERTY),
      idempotent: true,
    },
  );
  settleParts(parts, outcomes);
}

async function updateParts(ctx: BatchContext, object: string, parts: Part[]): Promise<void> {
  if (parts.length === 0) return;
  const outcomes = await sendInBatches(
    parts.map((p) => ({
      keys: [p.traceId, p.existingId!],
      input: { id: p.existingId!, properties: p.properties, objectWriteTraceId: p.traceId } satisfies UpdateInput,
    })),
    { path: `${object} batch/update`, send: (items) => ctx.requests.batchUpdate(object, items.map((i) => i.input)), resultKeys: traceKeys, idempotent: true },
  );
  settleParts(parts, outcomes);
}

/** Parts left over from a longer earlier body. Failing to archive them is reported, not fatal. */
async function archiveSurplus(ctx: BatchContext, object: string, surplus: { write: EngagementWrite; id: string }[]): Promise<void> {
  for (let i = 0; i < surplus.length; i += BATCH_SIZE) {
    const chunk = surplus.slice(i, i + BATCH_SIZE);
    try {
      await ctx.requests.batchArchive(object, chunk.map((s) => s.id));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const s of chunk) s.write.state.notes.push(`could not archive outdated ${object} part ${s.id}: ${reason}`);
    }
  }
}
