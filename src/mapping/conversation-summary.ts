/**
 * Human-readable summaries of a conversation, offered to mappings as computed sources
 * (`criteria_summary`, `extracted_data_summary`, `conversation_summary`), so a default mapping
 * can show whatever a widget extracts without naming its fields.
 */
import type { Conversation, JsonValue } from '../platform/schemas.ts';

/** "guest_count" → "Guest count". */
export const fieldLabel = (key: string): string => {
  const words = key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** One extracted value as text; undefined when it holds nothing. */
export function describeJson(value: JsonValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(describeJson).filter((v): v is string => v !== undefined);
    return items.length > 0 ? items.join(', ') : undefined;
  }
  const entries = Object.entries(value).flatMap(([k, v]) => {
    const text = describeJson(v);
    return text === undefined ? [] : [`${fieldLabel(k)}: ${text}`];
  });
  return entries.length > 0 ? entries.join(', ') : undefined;
}

const extractedEntries = (c: Conversation): [string, string][] =>
  Object.entries(c.extracted_data).flatMap(([key, value]) => {
    const text = describeJson(value);
    return text === undefined ? [] : [[fieldLabel(key), text] as [string, string]];
  });

/** "Intent: catering_inquiry; Event date: 2026-06-15; Guest count: 50", or undefined when nothing was extracted. */
export function extractedDataSummary(c: Conversation): string | undefined {
  const entries = extractedEntries(c);
  return entries.length > 0 ? entries.map(([label, text]) => `${label}: ${text}`).join('; ') : undefined;
}

/** "answered_visitor_question: passed; collected_contact_info: failed", or undefined when no criteria were evaluated. */
export function criteriaSummary(c: Conversation): string | undefined {
  const entries = Object.entries(c.criteria_results);
  return entries.length > 0 ? entries.map(([name, r]) => `${name}: ${r.passed ? 'passed' : 'failed'}`).join('; ') : undefined;
}

/** 127 → "2 min 7 s". */
export function durationText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h > 0 ? `${h} h` : '', m > 0 ? `${m} min` : '', s > 0 || seconds === 0 ? `${s} s` : ''].filter(Boolean).join(' ');
}

/** A Markdown block for notes: the facts first, then what was collected, then the criteria with the model's reasoning. */
export function conversationSummary(c: Conversation): string {
  const facts = [
    `**Outcome:** ${c.outcome}`,
    `**Duration:** ${durationText(c.duration_seconds)}`,
    c.page_url ? `**Page:** ${c.page_url}` : undefined,
    c.visitor.ip_country ? `**Visitor location:** ${[c.visitor.ip_region, c.visitor.ip_country].filter(Boolean).join(', ')}` : undefined,
  ].filter((line): line is string => line !== undefined);
  const sections = [facts.join('  \n')];
  const extracted = extractedEntries(c);
  if (extracted.length > 0) sections.push(['**Collected**', '', ...extracted.map(([label, text]) => `- ${label}: ${text}`)].join('\n'));
  const criteria = Object.entries(c.criteria_results);
  if (criteria.length > 0) {
    sections.push(
      ['**Criteria**', '', ...criteria.map(([name, r]) => `- ${name}: ${r.passed ? 'passed' : 'failed'}${r.reasoning ? ` — ${r.reasoning}` : ''}`)].join('\n'),
    );
  }
  return sections.join('\n\n');
}
