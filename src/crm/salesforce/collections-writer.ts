/**
 * Sends write ops as sObject Collections: up to 200 records of one object per API call
 * (`POST /composite/sobjects` creates, `PATCH /composite/sobjects` updates,
 * `PATCH /composite/sobjects/{Object}/{ExternalIdField}` upserts), always `allOrNone: false` so
 * each record gets its own result. A backlog of a hundred conversations costs one call per object
 * and operation, level by level, instead of several calls per conversation.
 */
import type { SalesforceApi } from './api.ts';
import { classifyErrorItems, classifyThrown } from './error-classifier.ts';
import { SaveResults } from './responses.ts';
import { soqlName } from './soql.ts';
import { opWhat, resolveRefs, savedOutcome, type OpOutcome, type WriteOp } from './write-ops.ts';

export const MAX_COLLECTION_RECORDS = 200;
/** Request body cap per call: transcripts are large, and 200 of them would make a very large request. */
export const MAX_COLLECTION_BYTES = 5_000_000;

const groupKey = (op: WriteOp): string => `${op.level}|${op.kind}|${op.object}|${op.externalId?.field ?? ''}`;

/** API calls needed for the ops (not counting splits for size). */
export function collectionsCalls(ops: readonly WriteOp[]): number {
  const counts = new Map<string, number>();
  for (const op of ops) counts.set(groupKey(op), (counts.get(groupKey(op)) ?? 0) + 1);
  return [...counts.values()].reduce((n, count) => n + Math.ceil(count / MAX_COLLECTION_RECORDS), 0);
}

interface Prepared {
  op: WriteOp;
  record: Record<string, unknown>;
  bytes: number;
}

function recordOf(op: WriteOp, fields: Record<string, unknown>): Record<string, unknown> {
  const attributes = { type: op.object };
  if (op.kind === 'update') return { attributes, id: op.recordId, ...fields };
  if (op.kind === 'upsert') return { attributes, ...fields, [op.externalId!.field]: op.externalId!.value };
  return { attributes, ...fields };
}

/** Fills `outcomes`; ops of one level run after every op of the levels below. */
export async function writeAsCollections(api: SalesforceApi, ops: readonly WriteOp[], outcomes: Map<string, OpOutcome>): Promise<void> {
  const levels = [...new Set(ops.map((op) => op.level))].sort((a, b) => a - b);
  for (const level of levels) {
    const groups = new Map<string, Prepared[]>();
    for (const op of ops.filter((o) => o.level === level)) {
      const resolved = resolveRefs(op, outcomes);
      if (!resolved.ok) {
        outcomes.set(op.id, { ok: false, error: resolved.error, blockedBy: resolved.blockedBy, perRecord: true });
        continue;
      }
      const record = recordOf(op, resolved.fields);
      const prepared = { op, record, bytes: JSON.stringify(record).length };
      groups.set(groupKey(op), [...(groups.get(groupKey(op)) ?? []), prepared]);
    }
    const chunks = [...groups.values()].flatMap(chunked);
    await Promise.all(chunks.map((chunk) => sendChunk(api, chunk, outcomes)));
  }
}

function chunked(items: Prepared[]): Prepared[][] {
  const chunks: Prepared[][] = [];
  let current: Prepared[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= MAX_COLLECTION_RECORDS || bytes + item.bytes > MAX_COLLECTION_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function sendChunk(api: SalesforceApi, chunk: Prepared[], outcomes: Map<string, OpOutcome>): Promise<void> {
  const { op: first } = chunk[0]!;
  const verb = { create: 'creating', update: 'updating', upsert: 'upserting' }[first.kind];
  const what = `${verb} ${chunk.length} ${first.object} record${chunk.length === 1 ? '' : 's'}`;
  const path = first.kind === 'upsert' ? `/composite/sobjects/${soqlName(first.object)}/${soqlName(first.externalId!.field)}` : '/composite/sobjects';
  let results;
  try {
    results = await api.call({
      method: first.kind === 'create' ? 'POST' : 'PATCH',
      path,
      body: { allOrNone: false, records: chunk.map((p) => p.record) },
      schema: SaveResults,
      idempotent: first.kind !== 'create',
      what,
    });
  } catch (thrown) {
    const error = classifyThrown(thrown, what);
    for (const { op } of chunk) outcomes.set(op.id, { ok: false, error, perRecord: false });
    return;
  }
  chunk.forEach(({ op }, i) => {
    const result = results[i];
    if (!result) {
      outcomes.set(op.id, { ok: false, error: classifyErrorItems([{ message: 'no result for this record', errorCode: 'NO_OUTCOME' }], opWhat(op), 500), perRecord: false });
    } else if (result.success) {
      outcomes.set(op.id, savedOutcome(op, result.id));
    } else {
      outcomes.set(op.id, { ok: false, error: classifyErrorItems(result.errors, opWhat(op)), perRecord: true });
    }
  });
}
