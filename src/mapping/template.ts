/**
 * Templates: text with `{{path}}` placeholders, nothing more (no expressions, no filters).
 * A placeholder without a value makes the whole template give no value, so a CRM field never
 * reads "Inquiry from " — list a simpler template after it as a fallback.
 */
import { SourcePath } from './schema.ts';

export type TemplatePart = { text: string } | { path: string };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Malformed placeholders, as sentences. */
  errors: string[];
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: string[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const path = (match[1] ?? '').trim();
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    if (!SourcePath.safeParse(path).success) {
      errors.push(path === '' ? 'empty placeholder {{}}' : `placeholder {{${match[1]}}} is not a path like {{extracted_data.name}}`);
    }
    parts.push({ path });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  const leftover = parts.filter((p) => 'text' in p).map((p) => (p as { text: string }).text).join('');
  if (leftover.includes('{{') || leftover.includes('}}')) errors.push('unbalanced {{ or }}: a placeholder is written {{path}}');
  return { parts, errors };
}

/**
 * Fills a template. `lookup` gives a placeholder's text or undefined when it has none; the
 * result is the filled text, or the first placeholder that had no value.
 */
export function renderTemplate(
  template: string,
  lookup: (path: string) => string | undefined,
): { text: string } | { missing: string } {
  let text = '';
  for (const part of parseTemplate(template).parts) {
    if ('text' in part) {
      text += part.text;
      continue;
    }
    const value = lookup(part.path);
    if (value === undefined) return { missing: part.path };
    text += value;
  }
  return { text };
}
