/**
 * Producing one property's value: sources with fallbacks, templates, literals, transforms, the
 * `otherwise` alternative, then `default`. The answer is a scalar with a label saying where it came
 * from, or the reason there is none; never undefined, null, "" or the text "null".
 */
import type { EvaluationContext } from './context.ts';
import type { Transform, ValueAlternative } from './schema.ts';
import { readPath } from './source-paths.ts';
import { renderTemplate } from './template.ts';
import { asScalar, runTransforms, transformName, type Scalar, type Step, type TransformContext } from './transforms.ts';

export type Resolved = { ok: true; value: Scalar; source: string } | { ok: false; reason: string };

const NO_VALUE_WORDS = /^(null|undefined|none|n\/a)$/i;

/** A path's value as a transform input, or why it has none. */
export function readSource(ctx: EvaluationContext, path: string): Step {
  const raw = readPath(ctx, path);
  if (raw === undefined || raw === null) return { ok: false, reason: `${path} is missing` };
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed === '') return { ok: false, reason: `${path} is empty` };
    if (NO_VALUE_WORDS.test(trimmed)) return { ok: false, reason: `${path} is "${trimmed}"` };
    return { ok: true, value: raw };
  }
  if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, reason: `${path} is not a number` };
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (Array.isArray(raw)) {
    if (raw.some((item) => item !== null && typeof item === 'object')) return { ok: false, reason: `${path} is a list of groups, not of values` };
    const items = raw.filter((item): item is Scalar => item !== null && !(typeof item === 'string' && item.trim() === ''));
    return items.length > 0 ? { ok: true, value: items } : { ok: false, reason: `${path} is an empty list` };
  }
  return { ok: false, reason: `${path} holds several values, not one` };
}

/**
 * A placeholder's text in a template, or undefined when it has no value. One-line values are
 * tidied ("  Zoë   Smith " → "Zoë Smith"); multi-line ones (the transcript) keep their layout.
 */
export function placeholderText(ctx: EvaluationContext, path: string): string | undefined {
  const step = readSource(ctx, path);
  if (!step.ok) return undefined;
  const text = String(asScalar(step.value)).trim();
  return text.includes('\n') ? text : text.replace(/\s+/g, ' ');
}

interface Candidate {
  label: string;
  step: Step;
}

function candidatesOf(spec: ValueAlternative, ctx: EvaluationContext): Candidate[] {
  if (spec.source !== undefined) {
    return (Array.isArray(spec.source) ? spec.source : [spec.source]).map((path) => ({ label: path, step: readSource(ctx, path) }));
  }
  if (spec.template !== undefined) {
    return (Array.isArray(spec.template) ? spec.template : [spec.template]).map((template) => {
      const rendered = renderTemplate(template, (path) => placeholderText(ctx, path));
      const step: Step = 'text' in rendered ? { ok: true, value: rendered.text } : { ok: false, reason: `{{${rendered.missing}}} has no value` };
      return { label: `template "${template}"`, step };
    });
  }
  return spec.value === undefined ? [] : [{ label: 'value', step: { ok: true, value: spec.value } }];
}

/** "extracted_data.event_date | date": what a preview shows as the value's origin. */
const withTransforms = (label: string, transforms: readonly Transform[]): string =>
  [label, ...transforms.map(transformName).filter((name) => name !== 'default')].join(' | ');

/** A final value, or undefined when it still says nothing ("" or "null" after the transforms). */
function settle(step: Step): Scalar | undefined {
  if (!step.ok) return undefined;
  const value = asScalar(step.value);
  return typeof value === 'string' && (value.trim() === '' || NO_VALUE_WORDS.test(value.trim())) ? undefined : value;
}

export function resolveValue(spec: ValueAlternative, ctx: EvaluationContext, tctx: TransformContext): Resolved {
  const reasons: string[] = [];
  for (const { label, step } of candidatesOf(spec, ctx)) {
    if (!step.ok) {
      reasons.push(step.reason);
      continue;
    }
    const transformed = runTransforms(step, spec.transforms, tctx, false);
    const value = settle(transformed);
    if (value !== undefined) return { ok: true, value, source: withTransforms(label, spec.transforms) };
    reasons.push(transformed.ok ? `${label} gives no value after its transforms` : `${label}: ${transformed.reason}`);
  }
  if (spec.otherwise) {
    const alternative = resolveValue(spec.otherwise, ctx, tctx);
    if (alternative.ok) return alternative;
    reasons.push(alternative.reason);
  }
  // `default` fills in only once every source and alternative came up empty.
  const value = settle(runTransforms({ ok: false, reason: 'no value' }, spec.transforms, tctx, true));
  if (value !== undefined) return { ok: true, value, source: 'default' };
  return { ok: false, reason: [...new Set(reasons)].join('; ') || 'no value' };
}
