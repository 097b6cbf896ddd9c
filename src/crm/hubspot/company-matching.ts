/**
 * Companies matched on `domain`: HubSpot cannot upsert on it (not a unique property), and a
 * connector-owned unique property would duplicate every company the portal already has. So:
 * search `domain IN (…)` (≤100 domains per call, search budget), update what exists — the
 * oldest record when the portal holds duplicates — and create the rest. Companies this process
 * created recently are remembered, because search lags writes by a few seconds.
 */
import { SEARCH_IN_VALUES } from './endpoints.ts';
import { sendInBatches } from './batch-writer.ts';
import type { BatchContext } from './batch-context.ts';
import { asCrmError } from './error-classifier.ts';
import { readCurrentValues } from './current-values.ts';
import {
  dropFilledIfEmpty, failMembers, ifEmptyNames, liveRecords, normaliseMatchValue, propertyValues, resultKeys, settle,
  type MergedGroup, type MergedRecord,
} from './merged-records.ts';
import type { HubSpotRecord } from './responses.ts';

const OBJECT = 'companies';
const DOMAIN = 'domain';

export async function matchCompaniesByDomain(ctx: BatchContext, group: MergedGroup): Promise<void> {
  const names = ifEmptyNames(group.records);
  const existing = new Map<MergedRecord, string>();

  // Recently created by us: read their current values by id if `if_empty` needs them.
  const remembered = group.records.flatMap((record) => {
    const id = ctx.createdCompanies.get(record.idValue);
    return id ? [{ readId: id, record }] : [];
  });
  for (const { readId, record } of remembered) existing.set(record, readId);
  if (names.length > 0 && remembered.length > 0) {
    const current = await readCurrentValues(ctx, OBJECT, 'hs_object_id', remembered, names);
    for (const [record, values] of current) dropFilledIfEmpty(record, values);
  }

  const toSearch = group.records.filter((r) => !existing.has(r));
  for (let i = 0; i < toSearch.length; i += SEARCH_IN_VALUES) {
    const chunk = toSearch.slice(i, i + SEARCH_IN_VALUES);
    let found: HubSpotRecord[];
    try {
      found = await ctx.requests.searchIn(OBJECT, DOMAIN, chunk.map((r) => r.idValue), [DOMAIN, ...names]);
    } catch (error) {
      const failure = asCrmError(error);
      for (const record of chunk) failMembers(record, failure);
      continue;
    }
    const oldest = new Map<string, HubSpotRecord>();
    for (const company of found) {
      const domain = normaliseMatchValue(DOMAIN, String(company.properties[DOMAIN] ?? ''));
      const held = oldest.get(domain);
      if (!held || Number(company.id) < Number(held.id)) oldest.set(domain, company);
    }
    for (const record of chunk) {
      const company = oldest.get(record.idValue);
      if (!company) continue;
      existing.set(record, company.id);
      dropFilledIfEmpty(record, company.properties);
    }
  }

  const live = liveRecords(group.records);
  const updates = live.filter((r) => existing.has(r));
  const creates = live.filter((r) => !existing.has(r));
  await Promise.all([
    sendInBatches(
      updates.map((r) => ({ keys: [r.traceId, existing.get(r)!], input: { id: existing.get(r)!, properties: propertyValues(r, false), objectWriteTraceId: r.traceId } })),
      {
        path: `${OBJECT} batch/update`,
        send: (items) => ctx.requests.batchUpdate(OBJECT, items.map((i) => i.input)),
        resultKeys: (result) => [...(result.objectWriteTraceId ? [result.objectWriteTraceId] : []), result.id],
        idempotent: true,
      },
    ).then((outcomes) => outcomes.forEach((o, i) => settle(ctx, updates[i]!, o.ok ? o.result.id : o.error))),
    sendInBatches(
      creates.map((r) => ({ keys: [r.traceId, r.idValue], input: { properties: propertyValues(r, true), associations: [], objectWriteTraceId: r.traceId } })),
      {
        path: `${OBJECT} batch/create`,
        send: (items) => ctx.requests.batchCreate(OBJECT, items.map((i) => i.input)),
        resultKeys: (result) => resultKeys(result, DOMAIN),
        idempotent: false,
      },
    ).then((outcomes) => outcomes.forEach((o, i) => {
      const record = creates[i]!;
      if (o.ok) ctx.createdCompanies.remember(record.idValue, o.result.id);
      settle(ctx, record, o.ok ? o.result.id : o.error);
    })),
  ]);
}
