/**
 * Phase 1: contacts, deals (and companies) of the whole batch, one stream per object:
 * read current values when a mapping says `if_empty` (batch/read, ≤100 per call), then
 * batch/upsert on the match property (≤100 per call). Companies matched on `domain` go through
 * company-matching.ts instead, since `domain` is not a unique property HubSpot can upsert on.
 */
import { sendInBatches } from './batch-writer.ts';
import type { BatchContext } from './batch-context.ts';
import { matchCompaniesByDomain } from './company-matching.ts';
import { readCurrentValues } from './current-values.ts';
import {
  dropFilledIfEmpty, groupUpsertRecords, ifEmptyNames, liveRecords, propertyValues, resultKeys, settle, type MergedGroup,
} from './merged-records.ts';
import type { PlanState } from './plan-state.ts';

export async function upsertRecords(ctx: BatchContext, states: PlanState[]): Promise<void> {
  const groups = groupUpsertRecords(states);
  await Promise.all(groups.map((group) =>
    group.object === 'companies' && group.idProperty === 'domain' ? matchCompaniesByDomain(ctx, group) : upsertGroup(ctx, group)));
}

async function upsertGroup(ctx: BatchContext, group: MergedGroup): Promise<void> {
  const { object, idProperty } = group;
  const wanting = group.records.filter((r) => ifEmptyNames([r]).length > 0);
  if (wanting.length > 0) {
    const targets = wanting.map((r) => ({ readId: r.idValue, record: r }));
    const current = await readCurrentValues(ctx, object, idProperty, targets, ifEmptyNames(wanting));
    for (const [record, values] of current) dropFilledIfEmpty(record, values);
  }
  const records = liveRecords(group.records);
  const outcomes = await sendInBatches(
    records.map((r) => ({
      keys: [r.traceId, r.idValue],
      input: { idProperty, id: r.idValue, properties: propertyValues(r, true), objectWriteTraceId: r.traceId },
    })),
    {
      path: `${object} batch/upsert`,
      send: (items) => ctx.requests.batchUpsert(object, items.map((i) => i.input)),
      resultKeys: (result) => resultKeys(result, idProperty),
      idempotent: true,
    },
  );
  outcomes.forEach((outcome, i) => settle(ctx, records[i]!, outcome.ok ? outcome.result.id : outcome.error));
}
