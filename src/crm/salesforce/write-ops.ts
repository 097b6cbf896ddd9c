/**
 * The writes a batch of plans turns into, independent of how they are sent: each op creates,
 * updates or upserts one record, and may use the id of a record another op creates (an IdRef),
 * e.g. a Task's WhoId referring to the Lead created for the same conversation. The Composite
 * writer turns IdRefs into `@{ref.id}` references; the Collections writer into literal ids from
 * earlier calls.
 */
import { CrmError } from '../errors.ts';
import type { ScalarValue } from '../write-plan.ts';

/** The id of the record another op creates or upserts: known only once that op has run. */
export interface IdRef {
  ref: string;
}
export type FieldValue = ScalarValue | IdRef;
export const isIdRef = (value: FieldValue): value is IdRef => typeof value === 'object' && value !== null;

/** A plan record an op writes; an op shared by several plans (one visitor, two conversations) has several. */
export interface OpOwner {
  plan: number;
  key: string;
}

export interface WriteOp {
  /** Unique in the batch; also the Composite referenceId (letters and digits). */
  id: string;
  /** Ops of a level only refer to ops of lower levels: company 0, person 1, deal 2, task/note 3, links 4. */
  level: number;
  kind: 'create' | 'update' | 'upsert';
  object: string;
  /** update: the record; upsert: the id an earlier sync got, used if Salesforce answers without one. */
  recordId?: string;
  /** upsert: the external id field and value the record is upserted on. */
  externalId?: { field: string; value: string };
  fields: Record<string, FieldValue>;
  owners: OpOwner[];
}

export type OpOutcome =
  | { ok: true; id: string }
  | {
      ok: false;
      error: CrmError;
      /** The op whose failure stopped this one (it was never sent, or Salesforce halted it). */
      blockedBy?: string;
      /** Salesforce refused this record alone (not the whole call): worth resending by itself. */
      perRecord: boolean;
    };

export const refsOf = (op: WriteOp): string[] => Object.values(op.fields).filter(isIdRef).map((v) => v.ref);

export function opWhat(op: WriteOp): string {
  switch (op.kind) {
    case 'create':
      return `creating a ${op.object}`;
    case 'update':
      return `updating ${op.object} ${op.recordId}`;
    case 'upsert':
      return `upserting the ${op.object} with ${op.externalId?.field} = ${op.externalId?.value}`;
  }
}

export type ResolvedFields =
  | { ok: true; fields: Record<string, ScalarValue> }
  | { ok: false; blockedBy: string; error: CrmError };

/**
 * The op's fields with references replaced: the literal id of an op that already ran, or
 * `asReference(ref)` for one sent in the same request. A reference to a failed op blocks this one.
 */
export function resolveRefs(
  op: WriteOp,
  outcomes: ReadonlyMap<string, OpOutcome>,
  asReference?: (ref: string) => string | undefined,
): ResolvedFields {
  const fields: Record<string, ScalarValue> = {};
  for (const [name, value] of Object.entries(op.fields)) {
    if (!isIdRef(value)) {
      fields[name] = value;
      continue;
    }
    const outcome = outcomes.get(value.ref);
    if (outcome?.ok) {
      fields[name] = outcome.id;
      continue;
    }
    if (outcome && !outcome.ok) return { ok: false, blockedBy: outcome.blockedBy ?? value.ref, error: outcome.error };
    const reference = asReference?.(value.ref);
    if (reference === undefined) {
      const error = new CrmError('retryable', `${opWhat(op)} needs the id of ${value.ref}, which was not written`, { code: 'NO_OUTCOME' });
      return { ok: false, blockedBy: value.ref, error };
    }
    fields[name] = reference;
  }
  return { ok: true, fields };
}

/** The outcome of an op whose request went through: its id from the answer, or the id it updated. */
export function savedOutcome(op: WriteOp, answeredId: string | null | undefined): OpOutcome {
  const id = answeredId ?? op.recordId;
  if (id) return { ok: true, id };
  return {
    ok: false,
    error: new CrmError('retryable', `Salesforce did not return the id after ${opWhat(op)}`, { code: 'NO_OUTCOME' }),
    perRecord: true,
  };
}
