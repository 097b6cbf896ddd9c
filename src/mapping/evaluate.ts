/**
 * The mapping engine: (conversation, transcript, mapping) → WritePlan. Pure: no I/O, no clock,
 * the same inputs always give the same plan, which is what makes previews exact and tests golden.
 */
import type { NoteBody, PlannedRecord, PlannedValue, SkippedRecord, WritePlan } from '../crm/write-plan.ts';
import type { Conversation } from '../platform/schemas.ts';
import { markdownToSafeHtml, textToSafeHtml } from '../transcript/markdown-html.ts';
import { markdownToPlainText } from '../transcript/markdown-text.ts';
import { evaluateCondition } from './conditions.ts';
import { buildContext, type EvaluationContext, type TranscriptInput } from './context.ts';
import { ROLE_ORDER, roleOf } from './crm-objects.ts';
import type { LoadedMapping } from './load.ts';
import { placeholderText, resolveValue } from './property-value.ts';
import type { ContentSpec, ObjectSpec } from './schema.ts';
import { renderTemplate } from './template.ts';
import type { TransformContext } from './transforms.ts';

export interface EvaluateOptions {
  /** Link to the conversation (admin page or platform), offered as `transcript_url` and put on note bodies. */
  transcriptUrl?: string | undefined;
}

type Outcome = { planned: PlannedRecord } | { skipped: SkippedRecord };

export function evaluateMapping(
  mapping: LoadedMapping,
  conversation: Conversation,
  transcript: TranscriptInput,
  options: EvaluateOptions = {},
): WritePlan {
  const { spec } = mapping;
  const ctx = buildContext(conversation, transcript, options.transcriptUrl);
  const tctx: TransformContext = { crm: spec.crm, visitorCountry: conversation.visitor.ip_country ?? undefined };
  const outcomes = Object.entries(spec.objects).map(([key, object]) => evaluateObject(mapping, key, object, ctx, tctx, options));
  const planned = outcomes.flatMap((o) => ('planned' in o ? [o.planned] : []));
  const skipped = outcomes.flatMap((o) => ('skipped' in o ? [o.skipped] : []));
  settleAssociations(planned, skipped);
  const order = Object.keys(spec.objects);
  const records = planned
    .filter((r) => !skipped.some((s) => s.key === r.key))
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || order.indexOf(a.key) - order.indexOf(b.key));
  return {
    crm: spec.crm,
    conversationId: conversation.id,
    mapping: { file: mapping.file, version: mapping.version },
    records,
    skipped: skipped.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key)),
  };
}

function evaluateObject(
  mapping: LoadedMapping,
  key: string,
  object: ObjectSpec,
  ctx: EvaluationContext,
  tctx: TransformContext,
  options: EvaluateOptions,
): Outcome {
  const skip = (reason: string): Outcome => ({ skipped: { key, object: object.object, reason } });
  const role = roleOf(mapping.spec.crm, object.object);
  if (!role) return skip(`unknown object ${object.object}`);
  if (object.when) {
    const condition = evaluateCondition(object.when, ctx);
    if (!condition.holds) return skip(`condition not met: ${condition.why}`);
  }

  const properties: Record<string, PlannedValue> = {};
  const omitted: NonNullable<PlannedRecord['omitted']> = [];
  const missingRequired: string[] = [];
  for (const [name, property] of Object.entries(object.properties)) {
    const origin = originOf(mapping, `objects.${key}.properties.${name}`);
    const resolved = resolveValue(property, ctx, tctx);
    if (resolved.ok) {
      properties[name] = { value: resolved.value, policy: property.policy, origin, source: resolved.source };
    } else if (property.required || name === object.match) {
      const what = name === object.match ? 'match property' : 'required property';
      missingRequired.push(`${what} ${name} has no value (${resolved.reason})`);
    } else {
      omitted.push({ property: name, reason: resolved.reason, origin });
    }
  }
  if (missingRequired.length > 0) return skip(missingRequired.join('; '));

  let body: NoteBody | undefined;
  if (object.content) {
    const content = renderContent(object.content, ctx, options);
    if ('missing' in content) return skip(content.missing);
    body = content.body;
  }

  const matched = object.match !== undefined ? properties[object.match] : undefined;
  const record: PlannedRecord = {
    key,
    role,
    object: object.object,
    ...(matched && object.match !== undefined && { match: { property: object.match, value: String(matched.value), origin: matched.origin } }),
    properties,
    associations: [...object.associations],
    ...(body && { body }),
    ...((role === 'note' || role === 'activity') && { occurredAt: String(ctx.ended_at) }),
    ...(omitted.length > 0 && { omitted }),
  };
  return { planned: record };
}

function originOf(mapping: LoadedMapping, path: string) {
  return mapping.origins[path] ?? { file: mapping.file, line: 1, column: 1, path };
}

/** The first template of a list whose placeholders all have values. */
function firstRendered(templates: string | string[], ctx: EvaluationContext): { text: string } | { missing: string } {
  const reasons: string[] = [];
  for (const template of Array.isArray(templates) ? templates : [templates]) {
    const rendered = renderTemplate(template, (path) => placeholderText(ctx, path));
    if ('text' in rendered && rendered.text.trim() !== '') return { text: rendered.text.trim() };
    reasons.push('missing' in rendered ? `{{${rendered.missing}}} has no value` : 'it is empty');
  }
  return { missing: reasons.join('; ') };
}

function renderContent(content: ContentSpec, ctx: EvaluationContext, options: EvaluateOptions): { body: NoteBody } | { missing: string } {
  const title = firstRendered(content.title, ctx);
  if ('missing' in title) return { missing: `content.title has no value (${title.missing})` };
  const body = firstRendered(content.body, ctx);
  if ('missing' in body) return { missing: `content.body has no value (${body.missing})` };
  const markdown = content.format === 'markdown';
  return {
    body: {
      title: title.text.replace(/\s+/g, ' '),
      html: markdown ? markdownToSafeHtml(body.text) : textToSafeHtml(body.text),
      text: markdown ? markdownToPlainText(body.text) : body.text,
      ...(options.transcriptUrl !== undefined && { sourceUrl: options.transcriptUrl }),
    },
  };
}

/**
 * Associations to skipped records are dropped and said so. A note or activity left with nothing
 * to attach to is skipped as well: an orphan note helps nobody. Repeats until nothing changes,
 * since skipping a note may orphan something that pointed at it.
 */
function settleAssociations(planned: PlannedRecord[], skipped: SkippedRecord[]): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const record of planned) {
      if (skipped.some((s) => s.key === record.key)) continue;
      const dropped = [...(record.droppedAssociations ?? [])];
      record.associations = record.associations.filter((target) => {
        const gone = skipped.find((s) => s.key === target);
        if (gone) dropped.push({ key: target, reason: `${target} was skipped: ${gone.reason}` });
        return !gone;
      });
      if (dropped.length > 0) record.droppedAssociations = dropped;
      if ((record.role === 'note' || record.role === 'activity') && record.associations.length === 0 && dropped.length > 0) {
        skipped.push({ key: record.key, object: record.object, reason: `nothing to attach it to: ${dropped.map((d) => d.reason).join('; ')}` });
        changed = true;
      }
    }
  }
}
