/**
 * Turns a batch of WritePlans, with what the lookups found, into write ops (pure: no I/O).
 *
 * - Person: an existing Contact, else Lead, with the match value is updated (the one an earlier
 *   sync wrote when it is among the candidates, else the most recently modified); fields that
 *   record's object does not have (a Lead's Company on a Contact) are left out and noted;
 *   otherwise the plan's object (Lead by default) is created. One visitor in several conversations
 *   of a batch is one record, written once.
 * - Deal: upserted on its match field when that is an External ID (Conversation_Id__c), else
 *   found by query like a company.
 * - Task (activity): created once, updated on re-sync; WhoId = the person, WhatId = the deal
 *   (or company), except that Salesforce refuses a WhatId next to a Lead WhoId, so then the deal is
 *   related through the note's link instead.
 * - ContentNote: created once, updated on re-sync, linked (ContentDocumentLink) to every record
 *   it is associated with that it is not linked to yet.
 * - `if_empty` values are dropped where the record already has a value (read by the lookups).
 */
import type { PlanExecution, WrittenObject } from '../adapter.ts';
import type { PlannedRecord } from '../write-plan.ts';
import { contentNoteFields } from './content-note.ts';
import { findField } from './describe-cache.ts';
import { fieldValue, lookupKey, type LookupMatch, type LookupOutcome, type LookupTarget } from './record-lookup.ts';
import type { SObjectDescribe } from './responses.ts';
import { taskDefaults } from './task-fields.ts';
import type { FieldValue, OpOwner, WriteOp } from './write-ops.ts';

/** Where a plan record's id comes from: known already, or the op that creates/upserts it. */
export type Identity = { object: string; id: string; ref?: undefined; note?: string } | { object: string; ref: string; id?: string; note?: string };

export interface NoteLink {
  op: string;
  target: Identity;
}

export interface PlanWrites {
  identities: Map<string, Identity>;
  /** ContentDocumentLink ops per note record key. */
  links: Map<string, NoteLink[]>;
  notes: string[];
}

export interface PlannedWrites {
  ops: WriteOp[];
  plans: Map<number, PlanWrites>;
}

const LEVEL: Record<PlannedRecord['role'], number> = { company: 0, person: 1, deal: 2, activity: 3, note: 3 };
export const LINK_LEVEL = 4;

const PERSON_OBJECTS = ['Contact', 'Lead'];

type Strategy = { kind: 'lookup'; objects: string[] } | { kind: 'upsert' } | { kind: 'previous-or-create' };

/** How a record is found: lookup by query, upsert on an external id, or the id an earlier sync wrote. */
export function strategyOf(record: PlannedRecord, describes: ReadonlyMap<string, SObjectDescribe>): Strategy {
  if (!record.match || record.match.value.trim() === '' || record.role === 'note' || record.role === 'activity') {
    return { kind: 'previous-or-create' };
  }
  if (record.role === 'person') {
    return { kind: 'lookup', objects: PERSON_OBJECTS.includes(record.object) ? PERSON_OBJECTS : [record.object] };
  }
  const describe = describes.get(record.object);
  const field = describe && findField(describe, record.match.property);
  return field?.externalId ? { kind: 'upsert' } : { kind: 'lookup', objects: [record.object] };
}

const ifEmptyFields = (record: PlannedRecord): string[] =>
  Object.entries(record.properties).filter(([, p]) => p.policy === 'if_empty').map(([name]) => name);

/** The lookup a record needs before it can be written, if any. */
export function lookupTargetOf(
  record: PlannedRecord,
  previous: WrittenObject | undefined,
  describes: ReadonlyMap<string, SObjectDescribe>,
): LookupTarget | undefined {
  const strategy = strategyOf(record, describes);
  const fields = ifEmptyFields(record);
  if (strategy.kind === 'lookup') return { objects: strategy.objects, field: record.match!.property, value: record.match!.value, fields };
  if (fields.length === 0) return undefined;
  if (strategy.kind === 'upsert') return { objects: [record.object], field: record.match!.property, value: record.match!.value, fields };
  return previous ? { objects: [previous.object], field: 'Id', value: previous.id, fields } : undefined;
}

const isEmpty = (value: unknown): boolean => value === undefined || value === null || value === '';

interface ValueOptions {
  /** The record's current values: `if_empty` properties already filled are dropped. */
  current?: Record<string, unknown> | undefined;
  /** Fields the target object can take; others are dropped and reported. */
  accepts?: (field: string) => boolean;
}

function propertyValues(record: PlannedRecord, options: ValueOptions = {}): { values: Record<string, FieldValue>; dropped: string[] } {
  const values: Record<string, FieldValue> = {};
  const dropped: string[] = [];
  for (const [name, planned] of Object.entries(record.properties)) {
    if (options.accepts && !options.accepts(name)) {
      dropped.push(name);
      continue;
    }
    if (planned.policy === 'if_empty' && options.current && !isEmpty(fieldValue(options.current, name))) continue;
    values[name] = planned.value;
  }
  return { values, dropped };
}

/** Merges a later plan's values for a shared record: `always` values win, `if_empty` ones fill gaps. */
function mergeInto(op: WriteOp, record: PlannedRecord, values: Record<string, FieldValue>): void {
  for (const [name, value] of Object.entries(values)) {
    if (record.properties[name]?.policy === 'if_empty' && name in op.fields) continue;
    op.fields[name] = value;
  }
}

const idValue = (identity: Identity): FieldValue => (identity.ref !== undefined ? { ref: identity.ref } : identity.id);

export interface PlannerInput {
  executions: readonly PlanExecution[];
  /** Indexes of the plans to plan (the others already failed). */
  active: readonly number[];
  describes: ReadonlyMap<string, SObjectDescribe>;
  lookups: ReadonlyMap<string, LookupOutcome>;
}

export function planWrites(input: PlannerInput): PlannedWrites {
  const planner = new WritePlanner(input);
  for (const index of input.active) planner.plan(index);
  return { ops: planner.ops, plans: planner.plans };
}

/** A record several plans write (one visitor, several conversations): written by one op. */
interface SharedRecord {
  identity: Identity;
  op: WriteOp | undefined;
  current: Record<string, unknown> | undefined;
}

/** What planning one record needs to know. */
interface RecordContext {
  record: PlannedRecord;
  owner: OpOwner;
  prior: WrittenObject | undefined;
  level: number;
  match: LookupMatch | undefined;
  state: PlanWrites;
  byKey: ReadonlyMap<string, PlannedRecord>;
  plan: PlanExecution['plan'];
}

class WritePlanner {
  readonly ops: WriteOp[] = [];
  readonly plans = new Map<number, PlanWrites>();
  readonly #input: PlannerInput;
  readonly #shared = new Map<string, SharedRecord>();

  constructor(input: PlannerInput) {
    this.#input = input;
  }

  plan(index: number): void {
    const { plan, previous } = this.#input.executions[index]!;
    const state: PlanWrites = { identities: new Map(), links: new Map(), notes: [] };
    this.plans.set(index, state);
    const byKey = new Map(plan.records.map((r) => [r.key, r]));
    for (const record of [...plan.records].sort((a, b) => LEVEL[a.role] - LEVEL[b.role])) {
      const prior = previous[record.key];
      const target = lookupTargetOf(record, prior, this.#input.describes);
      const found = target ? this.#input.lookups.get(lookupKey(target)) : undefined;
      const ctx: RecordContext = {
        record, owner: { plan: index, key: record.key }, prior, level: LEVEL[record.role],
        match: found?.ok ? found.match : undefined, state, byKey, plan,
      };
      const strategy = strategyOf(record, this.#input.describes);
      let identity: Identity;
      if (record.role === 'note' || record.role === 'activity') identity = this.#content(ctx);
      else if (strategy.kind === 'upsert') identity = this.#upsert(ctx);
      else if (strategy.kind === 'lookup') identity = this.#lookedUp(ctx, target!);
      else identity = this.#previousOrCreate(ctx, ctx.match?.records[0]);
      state.identities.set(record.key, identity);
      if (record.role === 'note') this.#links(ctx, identity);
    }
  }

  #addOp(op: Omit<WriteOp, 'id'>): WriteOp {
    const created = { ...op, id: `op${this.ops.length}` };
    this.ops.push(created);
    return created;
  }

  /** Fields an object other than the plan's can take (a Lead's values on a matched Contact). */
  #acceptsFor(object: string): ((field: string) => boolean) | undefined {
    const describe = this.#input.describes.get(object);
    return describe ? (field) => findField(describe, field)?.updateable === true : undefined;
  }

  /** The AccountId for a new Contact or an Opportunity associated with a company of the plan. */
  #accountId(ctx: RecordContext, object: string): FieldValue | undefined {
    if (object !== 'Contact' && object !== 'Opportunity') return undefined;
    const company = ctx.record.associations.map((key) => ctx.byKey.get(key)).find((r) => r?.role === 'company');
    const identity = company ? ctx.state.identities.get(company.key) : undefined;
    return identity ? idValue(identity) : undefined;
  }

  #upsert(ctx: RecordContext): Identity {
    const { record } = ctx;
    const key = `upsert|${lookupKey({ objects: [record.object], field: record.match!.property, value: record.match!.value })}`;
    const { values } = propertyValues(record, { current: ctx.match?.records[0] });
    const account = this.#accountId(ctx, record.object);
    if (account !== undefined && !('AccountId' in values)) values.AccountId = account;
    const existing = this.#shared.get(key);
    if (existing?.op) {
      mergeInto(existing.op, record, values);
      existing.op.owners.push(ctx.owner);
      return existing.identity;
    }
    const op = this.#addOp({
      level: ctx.level,
      kind: 'upsert',
      object: record.object,
      externalId: { field: record.match!.property, value: record.match!.value },
      ...(ctx.prior?.object === record.object && { recordId: ctx.prior.id }),
      fields: values,
      owners: [ctx.owner],
    });
    const identity: Identity = { object: record.object, ref: op.id };
    this.#shared.set(key, { identity, op, current: ctx.match?.records[0] });
    return identity;
  }

  #lookedUp(ctx: RecordContext, target: LookupTarget): Identity {
    const { record, match, prior } = ctx;
    const key = `lookup|${lookupKey(target)}`;
    const existing = this.#shared.get(key);
    if (existing) {
      const accepts = existing.identity.object === record.object ? undefined : this.#acceptsFor(existing.identity.object);
      const { values } = propertyValues(record, { current: existing.current, accepts });
      if (existing.op) mergeInto(existing.op, record, values);
      else if (Object.keys(values).length > 0 && existing.identity.id !== undefined) {
        existing.op = this.#addOp({ level: ctx.level, kind: 'update', object: existing.identity.object, recordId: existing.identity.id, fields: values, owners: [] });
      }
      existing.op?.owners.push(ctx.owner);
      return existing.identity;
    }
    if (match) {
      // Keep writing to the record an earlier sync chose while it still has the value.
      const chosen = match.records.find((r) => prior && r.Id === prior.id) ?? match.records[0]!;
      const accepts = match.object === record.object ? undefined : this.#acceptsFor(match.object);
      const { values, dropped } = propertyValues(record, { current: chosen, accepts });
      const identity: Identity = { object: match.object, id: chosen.Id, note: matchNote(record, match, chosen.Id, prior, dropped) };
      const op = Object.keys(values).length > 0
        ? this.#addOp({ level: ctx.level, kind: 'update', object: match.object, recordId: chosen.Id, fields: values, owners: [ctx.owner] })
        : undefined;
      this.#shared.set(key, { identity, op, current: chosen });
      if (dropped.length > 0) ctx.state.notes.push(`${record.key}: ${identity.note}`);
      return identity;
    }
    const { values } = propertyValues(record);
    const matchField = record.match!.property;
    if (!Object.keys(values).some((f) => f.toLowerCase() === matchField.toLowerCase())) values[matchField] = record.match!.value;
    const account = this.#accountId(ctx, record.object);
    if (account !== undefined && !('AccountId' in values)) values.AccountId = account;
    const op = this.#addOp({ level: ctx.level, kind: 'create', object: record.object, fields: values, owners: [ctx.owner] });
    const identity: Identity = { object: record.object, ref: op.id };
    this.#shared.set(key, { identity, op, current: undefined });
    return identity;
  }

  /** No match key (or a Task/note): the record an earlier sync wrote is updated, else one is created. */
  #previousOrCreate(ctx: RecordContext, current: Record<string, unknown> | undefined, defaults: Record<string, FieldValue> = {}): Identity {
    const { record, prior } = ctx;
    const fields = { ...defaults, ...propertyValues(record, { current }).values };
    if (prior) {
      if (Object.keys(fields).length > 0) {
        this.#addOp({ level: ctx.level, kind: 'update', object: prior.object, recordId: prior.id, fields, owners: [ctx.owner] });
      }
      return { object: prior.object, id: prior.id };
    }
    const op = this.#addOp({ level: ctx.level, kind: 'create', object: record.object, fields, owners: [ctx.owner] });
    return { object: record.object, ref: op.id };
  }

  /** Task or ContentNote: the transcript fields, and for a Task its WhoId / WhatId. */
  #content(ctx: RecordContext): Identity {
    const { record, prior } = ctx;
    const defaults: Record<string, FieldValue> = !record.body
      ? {}
      : record.role === 'activity' ? taskDefaults(record.body, record.occurredAt, !prior) : contentNoteFields(record.body);
    if (record.role === 'activity') Object.assign(defaults, this.#taskRelations(ctx));
    return this.#previousOrCreate(ctx, ctx.match?.records[0], defaults);
  }

  #taskRelations(ctx: RecordContext): Record<string, FieldValue> {
    const associated = this.#associated(ctx);
    const who = associated.find((a) => a.record.role === 'person');
    const what = associated.find((a) => a.record.role === 'deal') ?? associated.find((a) => a.record.role === 'company');
    const relations: Record<string, FieldValue> = {};
    if (who) relations.WhoId = idValue(who.identity);
    if (what && who?.identity.object === 'Lead') {
      const linked = ctx.plan.records.some((r) => r.role === 'note' && r.associations.includes(what.record.key));
      ctx.state.notes.push(
        `${ctx.record.key}: the Task is not related to ${what.record.key} (Salesforce allows no WhatId on a Task whose WhoId is a Lead)` +
          (linked ? '; the transcript note is linked to it instead' : ''),
      );
    } else if (what) {
      relations.WhatId = idValue(what.identity);
    }
    return relations;
  }

  /** A ContentDocumentLink from the note to each associated record it is not linked to yet. */
  #links(ctx: RecordContext, note: Identity): void {
    const alreadyLinked = new Set(ctx.prior?.linkedTo ?? []);
    const links: NoteLink[] = [];
    for (const { identity: target } of this.#associated(ctx)) {
      if (target.id !== undefined && alreadyLinked.has(target.id)) continue;
      const op = this.#addOp({
        level: LINK_LEVEL,
        kind: 'create',
        object: 'ContentDocumentLink',
        // ShareType I: whoever can see the linked record can see the note.
        fields: { ContentDocumentId: idValue(note), LinkedEntityId: idValue(target), ShareType: 'I', Visibility: 'AllUsers' },
        owners: [ctx.owner],
      });
      links.push({ op: op.id, target });
    }
    ctx.state.links.set(ctx.record.key, links);
  }

  #associated(ctx: RecordContext): { record: PlannedRecord; identity: Identity }[] {
    return ctx.record.associations.flatMap((key) => {
      const other = ctx.byKey.get(key);
      const identity = ctx.state.identities.get(key);
      return other && identity ? [{ record: other, identity }] : [];
    });
  }
}

function matchNote(record: PlannedRecord, match: LookupMatch, chosenId: string, prior: WrittenObject | undefined, dropped: string[]): string {
  const by = `${record.match!.property} = ${record.match!.value}`;
  const count = match.records.length;
  let note = count === 1
    ? `matched the existing ${match.object} with ${by}`
    : prior?.id === chosenId
      ? `kept the ${match.object} written before, among ${count} ${match.object}s with ${by}`
      : `matched the most recently modified of ${count} ${match.object}s with ${by}`;
  if (dropped.length > 0) note += `; not written (no such updateable ${match.object} field): ${dropped.join(', ')}`;
  return note;
}

