/** Current values of CRM records, read before writing so `if_empty` never overwrites. */
import { asCrmError } from './error-classifier.ts';
import type { BatchContext } from './batch-context.ts';
import { BATCH_SIZE } from './endpoints.ts';
import { failMembers, normaliseMatchValue, type MergedRecord } from './merged-records.ts';
import type { HubSpotRecord } from './responses.ts';

/**
 * Current values of `names` for each record, read by `idProperty` ≤100 at a time. Records HubSpot
 * does not have yet get no entry. A failed read fails the plans of every record it covered:
 * without the current values `if_empty` cannot be honoured.
 */
export async function readCurrentValues(
  ctx: BatchContext,
  object: string,
  idProperty: string,
  targets: { readId: string; record: MergedRecord }[],
  names: string[],
): Promise<Map<MergedRecord, Record<string, unknown>>> {
  const current = new Map<MergedRecord, Record<string, unknown>>();
  const properties = [...new Set([idProperty, ...names])];
  const chunks: (typeof targets)[] = [];
  for (let i = 0; i < targets.length; i += BATCH_SIZE) chunks.push(targets.slice(i, i + BATCH_SIZE));
  await Promise.all(chunks.map(async (chunk) => {
    try {
      const response = await ctx.requests.batchRead(object, idProperty, chunk.map((t) => t.readId), properties);
      const byId = new Map<string, HubSpotRecord>();
      for (const result of response.results) {
        const id = idProperty === 'hs_object_id' ? result.id : result.properties[idProperty];
        if (id !== null && id !== undefined) byId.set(normaliseMatchValue(idProperty, String(id)), result);
      }
      for (const t of chunk) {
        const found = byId.get(normaliseMatchValue(idProperty, t.readId));
        if (found) current.set(t.record, found.properties);
      }
    } catch (error) {
      const failure = asCrmError(error);
      for (const t of chunk) failMembers(t.record, failure);
    }
  }));
  return current;
}
