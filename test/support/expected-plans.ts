/** What a shipped mapping plans for sandbox conversations: the yardstick the CRM sync e2e tests compare the CRM with. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { evaluateMapping } from '../../src/mapping/evaluate.ts';
import { loadMappingText } from '../../src/mapping/load.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { renderTranscriptMarkdown } from '../../src/transcript/render-turns.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The plan of each conversation under `mappingFile` (which records, and their match keys). */
export function expectedPlans(mappingFile: string, conversations: readonly Conversation[]): Map<string, WritePlan> {
  const loaded = loadMappingText(readFileSync(path.join(root, mappingFile), 'utf8'), mappingFile);
  if (!loaded.ok) throw new Error(`${mappingFile} does not load`);
  const { mapping } = loaded;
  return new Map(conversations.map((c) => [c.id, evaluateMapping(mapping, c, { markdown: renderTranscriptMarkdown(c.transcript) })]));
}

export const recordOf = (plan: WritePlan | undefined, key: string) => plan?.records.find((r) => r.key === key);

export function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
