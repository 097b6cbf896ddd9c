/**
 * `when` conditions: evaluated against the conversation, with an explanation of the result so a
 * skipped object says why ("criterion collected_contact_info is failed, wanted passed").
 */
import type { EvaluationContext } from './context.ts';
import { readSource } from './property-value.ts';
import type { Condition, CriterionState, Literal } from './schema.ts';
import { asScalar } from './transforms.ts';

export interface ConditionResult {
  holds: boolean;
  /** Why it holds or not, in words. */
  why: string;
}

const result = (holds: boolean, why: string): ConditionResult => ({ holds, why });

function criterionState(ctx: EvaluationContext, name: string): CriterionState {
  const criteria = ctx.criteria_results as Record<string, { passed: boolean } | undefined>;
  const entry = Object.hasOwn(criteria, name) ? criteria[name] : undefined;
  if (!entry) return 'missing';
  return entry.passed ? 'passed' : 'failed';
}

const sameValue = (actual: Literal, wanted: Literal): boolean =>
  typeof actual === 'string' || typeof wanted === 'string'
    ? String(actual).trim().toLowerCase() === String(wanted).trim().toLowerCase()
    : actual === wanted;

/** Every key of one condition object is a test; all must hold. */
function tests(condition: Condition, ctx: EvaluationContext): ConditionResult[] {
  const out: ConditionResult[] = [];
  if (condition.outcome) {
    const outcome = String(ctx.outcome);
    const wanted = condition.outcome.join(' or ');
    out.push(result(condition.outcome.some((o) => o === outcome), `outcome is ${outcome}${condition.outcome.includes(outcome as never) ? '' : `, wanted ${wanted}`}`));
  }
  if (condition.criterion !== undefined && condition.is !== undefined) {
    const state = criterionState(ctx, condition.criterion);
    const holds = state === condition.is;
    out.push(result(holds, `criterion ${condition.criterion} is ${state}${holds ? '' : `, wanted ${condition.is}`}`));
  }
  if (condition.present !== undefined) {
    const step = readSource(ctx, condition.present);
    out.push(step.ok ? result(true, `${condition.present} has a value`) : result(false, step.reason));
  }
  if (condition.equals) {
    const { path, value } = condition.equals;
    const wanted = Array.isArray(value) ? value : [value];
    const step = readSource(ctx, path);
    const wantedText = wanted.map((w) => JSON.stringify(w)).join(' or ');
    if (!step.ok) out.push(result(false, `${step.reason}, wanted ${wantedText}`));
    else {
      const actual = asScalar(step.value);
      const holds = wanted.some((w) => sameValue(actual, w));
      out.push(result(holds, `${path} is ${JSON.stringify(actual)}${holds ? '' : `, wanted ${wantedText}`}`));
    }
  }
  if (condition.all) out.push(allOf(condition.all, ctx));
  if (condition.any) {
    const results = condition.any.map((c) => evaluateCondition(c, ctx));
    const hit = results.find((r) => r.holds);
    out.push(hit ?? result(false, `none of these holds: ${results.map((r) => r.why).join('; ')}`));
  }
  if (condition.not) {
    const inner = evaluateCondition(condition.not, ctx);
    out.push(result(!inner.holds, inner.holds ? `not wanted: ${inner.why}` : inner.why));
  }
  return out;
}

function allOf(conditions: readonly Condition[], ctx: EvaluationContext): ConditionResult {
  const results = conditions.map((c) => evaluateCondition(c, ctx));
  const failed = results.find((r) => !r.holds);
  return failed ?? result(true, results.map((r) => r.why).join('; '));
}

export function evaluateCondition(condition: Condition, ctx: EvaluationContext): ConditionResult {
  const results = tests(condition, ctx);
  const failed = results.find((r) => !r.holds);
  return failed ?? result(true, results.map((r) => r.why).join('; '));
}
