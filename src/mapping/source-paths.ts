/**
 * Source paths: what a mapping may read. Roots are the conversation's own fields plus a few
 * computed ones (summaries, the rendered transcript). Paths are checked when a file loads, so a
 * typo is an error with a line number instead of a silently empty CRM field.
 */
import { didYouMean } from './did-you-mean.ts';

/** Conversation fields holding one value. */
const SCALAR_FIELDS = [
  'id',
  'widget_id',
  'started_at',
  'ended_at',
  'duration_seconds',
  'credits_charged',
  'page_url',
  'outcome',
] as const;

/** Computed by the connector for each conversation (see context.ts). */
export const COMPUTED_ROOTS = {
  transcript_markdown: 'the transcript as Markdown (**Agent:** … lines)',
  transcript_text: 'the transcript as plain text',
  transcript_url: 'a link to the conversation, when the connector knows one',
  criteria_summary: 'one line: each criterion and whether it passed',
  extracted_data_summary: 'one line: each extracted field and its value',
  conversation_summary: 'Markdown block: outcome, duration, page, visitor, extracted data, criteria with reasoning',
} as const;

/** Conversation fields holding several values: a path must go inside them. */
const GROUP_FIELDS: Record<string, string> = {
  visitor: 'visitor.ip_country',
  extracted_data: 'extracted_data.email',
  criteria_results: 'criteria_results.collected_contact_info.passed',
  transcript: 'transcript.0.text',
  tool_calls: 'tool_calls.0.result',
};

export const SOURCE_ROOTS: readonly string[] = [...SCALAR_FIELDS, ...Object.keys(GROUP_FIELDS), ...Object.keys(COMPUTED_ROOTS)];

const CRITERION_FIELDS = ['passed', 'reasoning'];
const TURN_FIELDS = ['role', 'text', 'ts'];
const TOOL_CALL_FIELDS = ['name', 'args', 'result', 'ts'];

/** Why a path can never yield a value, or undefined when it is fine. */
export function checkSourcePath(path: string): string | undefined {
  const [root = '', ...rest] = path.split('.');
  if ((SCALAR_FIELDS as readonly string[]).includes(root) || root in COMPUTED_ROOTS) {
    return rest.length > 0 ? `\`${root}\` is a single value: it has no field \`${rest.join('.')}\`` : undefined;
  }
  const example = GROUP_FIELDS[root];
  if (example === undefined) {
    return `unknown source \`${root}\`${didYouMean(root, SOURCE_ROOTS)} (a path starts with one of: ${SOURCE_ROOTS.join(', ')})`;
  }
  if (rest.length === 0) return `\`${root}\` holds several values: name one, like ${example}`;
  if (root === 'criteria_results') return checkCriterionPath(rest);
  if (root === 'transcript') return checkListPath('transcript', rest, TURN_FIELDS, false);
  if (root === 'tool_calls') return checkListPath('tool_calls', rest, TOOL_CALL_FIELDS, true);
  return undefined;
}

function checkCriterionPath([name = '', field, ...deeper]: string[]): string | undefined {
  if (field === undefined) {
    return `a criterion holds several values: write criteria_results.${name}.passed or criteria_results.${name}.reasoning`;
  }
  if (!CRITERION_FIELDS.includes(field)) {
    return `a criterion has no field \`${field}\`${didYouMean(field, CRITERION_FIELDS)} (it has passed and reasoning)`;
  }
  return deeper.length > 0 ? `criteria_results.${name}.${field} is a single value` : undefined;
}

function checkListPath(root: string, [index = '', field, ...deeper]: string[], fields: string[], openDeeper: boolean): string | undefined {
  if (!/^\d+$/.test(index)) return `\`${root}\` is a list: the next part must be a position (0 is the first), like ${GROUP_FIELDS[root]}`;
  if (field === undefined) return `name a field of ${root}.${index}: ${fields.join(', ')}`;
  if (!fields.includes(field)) return `${root} entries have no field \`${field}\`${didYouMean(field, fields)} (they have ${fields.join(', ')})`;
  if (deeper.length > 0 && !(openDeeper && field === 'args')) return `${root}.${index}.${field} is a single value`;
  return undefined;
}

/** The value at a dotted path, walking objects and lists; undefined when any step is absent. */
export function readPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      current = /^\d+$/.test(segment) ? current[Number(segment)] : undefined;
    } else if (current !== null && typeof current === 'object') {
      current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}
