/**
 * A WritePlan as text for people: each record with its match key, every property as
 * `value ← source (policy, line)`, what was left out and why, associations, and skipped objects
 * with their reasons. `--json` prints the plan itself instead.
 */
import type { PlannedRecord, WritePlan } from '../crm/write-plan.ts';
import { CRM_LABELS } from './crm-objects.ts';

const MAX_SHOWN = 70;

const shown = (value: string | number | boolean): string => {
  if (typeof value !== 'string') return String(value);
  const oneLine = value.replace(/\s*\n\s*/g, ' ⏎ ');
  return JSON.stringify(oneLine.length > MAX_SHOWN ? `${oneLine.slice(0, MAX_SHOWN - 1)}…` : oneLine);
};

const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));

function recordLines(record: PlannedRecord): string[] {
  const head = `${record.key} → ${record.object}`;
  const match = record.match ? `  matched on ${record.match.property} = ${shown(record.match.value)}` : '  created once per conversation';
  const lines = [`${head}${match}`];
  const names = Object.keys(record.properties);
  const width = Math.min(32, Math.max(0, ...names.map((n) => n.length)) + 1);
  for (const [name, planned] of Object.entries(record.properties)) {
    const source = planned.source ? ` ← ${planned.source}` : '';
    lines.push(`    ${pad(name, width)} ${shown(planned.value)}${source}  (${planned.policy}, line ${planned.origin.line})`);
  }
  for (const omitted of record.omitted ?? []) {
    lines.push(`    ${pad(omitted.property, width)} not written: ${omitted.reason}`);
  }
  if (record.body) {
    lines.push(`    title: ${shown(record.body.title)}`);
    lines.push(`    body: ${record.body.text.length} characters of text, ${record.body.html.length} of HTML${record.body.sourceUrl ? `, link ${record.body.sourceUrl}` : ''}`);
    const preview = record.body.text.split('\n').filter((l) => l.trim() !== '').slice(0, 4);
    for (const line of preview) lines.push(`      | ${line.length > 100 ? `${line.slice(0, 99)}…` : line}`);
  }
  if (record.occurredAt) lines.push(`    at: ${record.occurredAt}`);
  lines.push(`    associations: ${record.associations.length > 0 ? record.associations.join(', ') : '(none)'}`);
  for (const dropped of record.droppedAssociations ?? []) lines.push(`    association to ${dropped.key} dropped: ${dropped.reason}`);
  return lines;
}

export function formatPlan(plan: WritePlan): string {
  const lines = [
    `Conversation ${plan.conversationId} → ${CRM_LABELS[plan.crm]}`,
    `Mapping ${plan.mapping.file} (version ${plan.mapping.version})`,
    '',
  ];
  if (plan.records.length === 0) lines.push('Nothing to write.', '');
  for (const record of plan.records) lines.push(...recordLines(record), '');
  if (plan.skipped.length > 0) {
    lines.push('Skipped:');
    for (const s of plan.skipped) lines.push(`  ${s.key} (${s.object}) skipped: ${s.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}
