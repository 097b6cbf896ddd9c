/**
 * Golden WritePlans: every conversation fixture through both shipped default mappings. The
 * golden files are reviewed by eye (they must be right, not just stable); `vitest -u` rewrites them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WritePlan } from '../../src/crm/write-plan.ts';
import { evaluateMapping } from '../../src/mapping/evaluate.ts';
import { loadMappingText, type LoadedMapping } from '../../src/mapping/load.ts';
import { formatPlan } from '../../src/mapping/preview-format.ts';
import { Conversation, parsePlatform } from '../../src/platform/schemas.ts';
import { renderTranscriptMarkdown } from '../../src/transcript/render-turns.ts';

const root = path.resolve(import.meta.dirname, '../..');
const FIXTURES = [
  'seed',
  'catering-complete',
  'missing-email',
  'phone-only',
  'unicode-names',
  'criteria-missing',
  'abandoned',
  'error-outcome',
  'long-transcript',
] as const;

function shippedMapping(crm: 'hubspot' | 'salesforce'): LoadedMapping {
  const file = `mappings/${crm}.default.yaml`;
  const result = loadMappingText(readFileSync(path.join(root, file), 'utf8'), file);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return result.mapping;
}

function fixture(name: string): Conversation {
  const file = path.join(root, 'test/fixtures/conversations', `${name}.json`);
  return parsePlatform(Conversation, JSON.parse(readFileSync(file, 'utf8')), file);
}

const planFor = (mapping: LoadedMapping, conversation: Conversation) =>
  evaluateMapping(mapping, conversation, { markdown: renderTranscriptMarkdown(conversation.transcript) }, {
    transcriptUrl: `https://connector.example/conversations/${conversation.id}`,
  });

/** Every value anywhere in the plan, to check none is a stand-in for "nothing". */
function scalarsOf(plan: WritePlan): unknown[] {
  return plan.records.flatMap((r) => [...Object.values(r.properties).map((p) => p.value), ...(r.match ? [r.match.value] : [])]);
}

describe.each(['hubspot', 'salesforce'] as const)('%s default mapping', (crm) => {
  const mapping = shippedMapping(crm);

  it.each(FIXTURES)('%s matches its golden WritePlan', async (name) => {
    const plan = planFor(mapping, fixture(name));
    expect(WritePlan.parse(plan)).toEqual(plan);
    for (const value of scalarsOf(plan)) {
      expect(value).not.toBeUndefined();
      expect(value).not.toBeNull();
      expect(['', 'null', 'undefined', 'NaN']).not.toContain(String(value).trim());
    }
    await expect(`${JSON.stringify(plan, null, 2)}\n`).toMatchFileSnapshot(`../golden/${name}.${crm}.json`);
  });

  it('previews the complete catering inquiry readably', async () => {
    await expect(formatPlan(planFor(mapping, fixture('catering-complete')))).toMatchFileSnapshot(`../golden/catering-complete.${crm}.preview.txt`);
  });
});
