/**
 * Finds the records a batch of plans will write to, with as few calls as possible: one SOQL
 * query per object and match field for the whole batch (`WHERE Email IN (…)`, ≤100 values per
 * query), the queries of several objects sent together in one Composite call (≤5 queries each).
 * For a visitor that is one call for the Contact and the Lead query together.
 *
 * Each query also selects the fields the plans write with `if_empty`, so those can be dropped
 * where Salesforce already has a value without reading the records again. Matches are ordered by
 * LastModifiedDate, newest first: with several candidates the most recently modified one wins.
 */
import { CrmError } from '../errors.ts';
import type { SalesforceApi } from './api.ts';
import { MAX_COMPOSITE_QUERIES, sendComposite, succeeded } from './composite.ts';
import { findField } from './describe-cache.ts';
import { classifyErrorItems, errorItemsOf } from './error-classifier.ts';
import { QueryResult, type QueriedRecord, type SObjectDescribe } from './responses.ts';
import { buildInQueries } from './soql.ts';

export interface LookupTarget {
  /** Objects searched in this order; the first with a match wins (Contact, then Lead). */
  objects: readonly string[];
  field: string;
  value: string;
  /** Fields whose current values are wanted; each object's query keeps those it has. */
  fields: readonly string[];
}

export interface LookupMatch {
  /** The first object in search order that has records with the value. */
  object: string;
  /** Those records (Id, match field, LastModifiedDate and the wanted fields), most recently modified first. */
  records: QueriedRecord[];
}

export type LookupOutcome = { ok: true; match: LookupMatch | undefined } | { ok: false; error: CrmError };

/** Values compare like Salesforce compares them in SOQL: trimmed, case-insensitive. */
export const normalizeMatchValue = (value: string): string => value.trim().toLowerCase();

export const lookupKey = (target: Pick<LookupTarget, 'objects' | 'field' | 'value'>): string =>
  `${target.objects.join('/')}|${target.field.toLowerCase()}|${normalizeMatchValue(target.value)}`;

interface QueryGroup {
  object: string;
  field: string;
  values: Set<string>;
  fields: Set<string>;
}

type GroupResult = { ok: true; byValue: Map<string, QueriedRecord[]> } | { ok: false; error: CrmError };

/** Case-insensitive read of a field of a queried record. */
export function fieldValue(record: Record<string, unknown>, name: string): unknown {
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

export async function lookUp(
  api: SalesforceApi,
  targets: readonly LookupTarget[],
  describes: ReadonlyMap<string, SObjectDescribe>,
): Promise<Map<string, LookupOutcome>> {
  const groups = new Map<string, QueryGroup>();
  for (const target of targets) {
    for (const object of target.objects) {
      const id = `${object}|${target.field.toLowerCase()}`;
      const group = groups.get(id) ?? { object, field: target.field, values: new Set<string>(), fields: new Set<string>() };
      group.values.add(target.value.trim());
      for (const f of target.fields) group.fields.add(f);
      groups.set(id, group);
    }
  }
  const results = await queryGroups(api, [...groups.values()], describes);
  const outcomes = new Map<string, LookupOutcome>();
  for (const target of targets) outcomes.set(lookupKey(target), resolve(target, results));
  return outcomes;
}

function resolve(target: LookupTarget, results: Map<string, GroupResult>): LookupOutcome {
  for (const object of target.objects) {
    const result = results.get(`${object}|${target.field.toLowerCase()}`)!;
    if (!result.ok) return result;
    const records = result.byValue.get(normalizeMatchValue(target.value)) ?? [];
    if (records.length > 0) return { ok: true, match: { object, records } };
  }
  return { ok: true, match: undefined };
}

function queriesOf(group: QueryGroup, describe: SObjectDescribe | undefined): string[] {
  const has = (name: string) => describe !== undefined && findField(describe, name) !== undefined;
  const selectable = [...group.fields].filter(has).map((name) => findField(describe!, name)!.name);
  const ordered = has('LastModifiedDate');
  return buildInQueries({
    object: group.object,
    field: group.field,
    values: [...group.values],
    fields: [group.field, ...(ordered ? ['LastModifiedDate'] : []), ...selectable],
    // A converted Lead cannot be updated; its Contact is found by the Contact query instead.
    ...(group.object === 'Lead' && has('IsConverted') && { and: 'IsConverted = false' }),
    ...(ordered && { orderBy: 'LastModifiedDate DESC' }),
  });
}

async function queryGroups(
  api: SalesforceApi,
  groups: QueryGroup[],
  describes: ReadonlyMap<string, SObjectDescribe>,
): Promise<Map<string, GroupResult>> {
  const queries = groups.flatMap((group, g) => queriesOf(group, describes.get(group.object)).map((soql) => ({ g, soql })));
  const answers = new Map<number, { records: QueriedRecord[] } | { error: CrmError }>();
  const chunks: (typeof queries)[] = [];
  for (let i = 0; i < queries.length; i += MAX_COMPOSITE_QUERIES) chunks.push(queries.slice(i, i + MAX_COMPOSITE_QUERIES));
  await Promise.all(chunks.map(async (chunk, c) => {
    const what = `looking up ${[...new Set(chunk.map((q) => groups[q.g]!.object))].join(' and ')} records`;
    const subrequests = chunk.map((q, i) => ({
      method: 'GET' as const,
      path: `/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: `query${c}_${i}`,
    }));
    const byReference = await sendComposite(api, subrequests, what, true);
    await Promise.all(chunk.map(async (q, i) => {
      const answer = byReference.get(`query${c}_${i}`)!;
      const previous = answers.get(q.g);
      if (previous && 'error' in previous) return;
      if (!succeeded(answer)) {
        answers.set(q.g, { error: classifyErrorItems(errorItemsOf(answer.body), what, answer.httpStatusCode) });
        return;
      }
      const records = await allRecords(api, answer.body, what);
      const current = answers.get(q.g);
      if (current && 'error' in current) return;
      answers.set(q.g, { records: [...(current?.records ?? []), ...records] });
    }));
  }));

  const results = new Map<string, GroupResult>();
  groups.forEach((group, g) => {
    const answer = answers.get(g) ?? { records: [] };
    const id = `${group.object}|${group.field.toLowerCase()}`;
    if ('error' in answer) {
      results.set(id, { ok: false, error: answer.error });
      return;
    }
    const byValue = new Map<string, QueriedRecord[]>();
    for (const record of sortNewestFirst(answer.records)) {
      const value = fieldValue(record, group.field);
      if (typeof value !== 'string') continue;
      const key = normalizeMatchValue(value);
      byValue.set(key, [...(byValue.get(key) ?? []), record]);
    }
    results.set(id, { ok: true, byValue });
  });
  return results;
}

/** Records of several queries merged: keep Salesforce's newest-first order across them. */
function sortNewestFirst(records: QueriedRecord[]): QueriedRecord[] {
  const modified = (r: QueriedRecord) => {
    const value = fieldValue(r, 'LastModifiedDate');
    return typeof value === 'string' ? Date.parse(value) || 0 : 0;
  };
  return [...records].sort((a, b) => modified(b) - modified(a));
}

/** The records of a query answer, following `nextRecordsUrl` when Salesforce paged it (over 2,000 rows). */
async function allRecords(api: SalesforceApi, body: unknown, what: string): Promise<QueriedRecord[]> {
  const first = QueryResult.safeParse(body);
  if (!first.success) {
    throw new CrmError('permanent', `Salesforce's answer to ${what} is not a query result`, { code: 'UNEXPECTED_RESPONSE' });
  }
  let page = first.data;
  const records = [...page.records];
  while (!page.done && page.nextRecordsUrl) {
    page = await api.call({ method: 'GET', path: page.nextRecordsUrl, schema: QueryResult, idempotent: true, what });
    records.push(...page.records);
  }
  return records;
}
