/**
 * The micro-batch's deduplication: every plan's contact (company, deal) with the same match
 * value becomes ONE input. Values merge in batch order: `always` — the later conversation wins;
 * `if_empty` — the first one wins, and never over an `always` value.
 */
import { CrmError } from '../errors.ts';
import type { PlannedRecord, PlannedValue } from '../write-plan.ts';
import { written, type BatchContext } from './batch-context.ts';
import { failPlan, hasValue, isLive, toHubSpotValue, type PlanState } from './plan-state.ts';
import type { PropertyValues } from './requests.ts';
import type { HubSpotRecord } from './responses.ts';

/** Roles written by upsert on a match key; notes and activities are engagements. */
export const UPSERT_ROLES: ReadonlySet<string> = new Set(['person', 'company', 'deal']);

export interface Member {
  state: PlanState;
  record: PlannedRecord;
}

export interface MergedRecord {
  object: string;
  idProperty: string;
  /** Normalised match value (emails and domains lower-cased). */
  idValue: string;
  traceId: string;
  values: Map<string, PlannedValue>;
  members: Member[];
}

/** Records of one object matched on one property: one upsert (or search) stream. */
export interface MergedGroup {
  object: string;
  idProperty: string;
  records: MergedRecord[];
}

export function normaliseMatchValue(property: string, value: string): string {
  return property === 'email' || property === 'domain' ? value.trim().toLowerCase() : value.trim();
}

export function groupUpsertRecords(states: PlanState[]): MergedGroup[] {
  const groups = new Map<string, MergedGroup>();
  for (const state of states) {
    for (const record of state.execution.plan.records) {
      if (!UPSERT_ROLES.has(record.role) || !isLive(state)) continue;
      const match = record.match;
      const idValue = match ? normaliseMatchValue(match.property, match.value) : '';
      if (!match || idValue === '') {
        failPlan(state, new CrmError('permanent', `record "${record.key}" (${record.object}) has no match value to upsert on`, {
          code: 'NO_MATCH_KEY', ...(match ? { origin: match.origin } : {}),
        }));
        continue;
      }
      const groupKey = `${record.object}\u0000${match.property}`;
      let group = groups.get(groupKey);
      if (!group) groups.set(groupKey, (group = { object: record.object, idProperty: match.property, records: [] }));
      let merged = group.records.find((r) => r.idValue === idValue);
      if (!merged) {
        merged = {
          object: record.object, idProperty: match.property, idValue,
          traceId: `${state.execution.plan.conversationId}/${record.key}`, values: new Map(), members: [],
        };
        group.records.push(merged);
      }
      merged.members.push({ state, record });
      for (const [name, planned] of Object.entries(record.properties)) {
        const held = merged.values.get(name);
        if (planned.policy === 'always' || !held) merged.values.set(name, planned);
      }
    }
  }
  return [...groups.values()];
}

export const liveRecords = (records: MergedRecord[]): MergedRecord[] =>
  records.filter((r) => r.members.some((m) => isLive(m.state)));

export function ifEmptyNames(records: MergedRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const [name, v] of r.values) if (v.policy === 'if_empty') names.add(name);
  return [...names];
}

/** Drops `if_empty` values the CRM record already has, telling each plan that wanted them. */
export function dropFilledIfEmpty(record: MergedRecord, current: Record<string, unknown>): void {
  for (const [name, planned] of [...record.values]) {
    if (planned.policy !== 'if_empty' || !hasValue(current[name])) continue;
    record.values.delete(name);
    for (const m of record.members) {
      if (m.record.properties[name]) m.state.notes.push(`kept the existing ${record.object} value of ${name} (if_empty)`);
    }
  }
}

/** The property values to send, the match property included so a created record carries it. */
export function propertyValues(record: MergedRecord, withMatch: boolean): PropertyValues {
  const values: PropertyValues = {};
  for (const [name, planned] of record.values) values[name] = toHubSpotValue(planned.value);
  if (withMatch) values[record.idProperty] = record.idValue;
  return values;
}

export function failMembers(record: MergedRecord, error: CrmError): void {
  for (const m of record.members) failPlan(m.state, error, m.record);
}

/** Records this batch's `MergedRecord`s as written (every member plan) or failed. */
export function settle(ctx: BatchContext, record: MergedRecord, idOrError: string | CrmError): void {
  if (idOrError instanceof CrmError) return failMembers(record, idOrError);
  for (const m of record.members) m.state.objects[m.record.key] = written(ctx, record.object, idOrError);
}

export function resultKeys(result: HubSpotRecord, idProperty: string): string[] {
  const keys: string[] = [];
  if (result.objectWriteTraceId) keys.push(result.objectWriteTraceId);
  const id = result.properties[idProperty];
  if (id !== null && id !== undefined) keys.push(normaliseMatchValue(idProperty, String(id)));
  return keys;
}
