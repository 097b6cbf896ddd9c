/**
 * Sends write ops as Composite requests: up to 25 ops in ONE API call, ops referring to records
 * created in the same call through `@{opN.id}`. The cheapest way to write one conversation
 * (person, opportunity, task, note and its links: one call).
 */
import type { SalesforceApi } from './api.ts';
import { idReference, MAX_COMPOSITE_SUBREQUESTS, sendComposite, succeeded, type Subrequest } from './composite.ts';
import { classifyErrorItems, classifyThrown, errorItemsOf } from './error-classifier.ts';
import { SaveResult } from './responses.ts';
import { soqlName } from './soql.ts';
import { opWhat, refsOf, resolveRefs, savedOutcome, type OpOutcome, type WriteOp } from './write-ops.ts';

/** API calls needed for the ops: ops go in order, 25 per call. */
export const compositeCalls = (ops: readonly WriteOp[]): number => Math.ceil(ops.length / MAX_COMPOSITE_SUBREQUESTS);

function subrequestOf(op: WriteOp, fields: Record<string, unknown>): Subrequest {
  const object = soqlName(op.object);
  switch (op.kind) {
    case 'create':
      return { method: 'POST', path: `/sobjects/${object}`, referenceId: op.id, body: fields };
    case 'update':
      return { method: 'PATCH', path: `/sobjects/${object}/${encodeURIComponent(op.recordId!)}`, referenceId: op.id, body: fields };
    case 'upsert': {
      // The external id travels in the URL; Salesforce refuses it in the body as well.
      const { field, value } = op.externalId!;
      const body = Object.fromEntries(Object.entries(fields).filter(([name]) => name.toLowerCase() !== field.toLowerCase()));
      return { method: 'PATCH', path: `/sobjects/${object}/${soqlName(field)}/${encodeURIComponent(value)}`, referenceId: op.id, body };
    }
  }
}

/** Ops must be ordered so every op comes after the ops it refers to. Fills `outcomes`. */
export async function writeAsComposite(api: SalesforceApi, ops: readonly WriteOp[], outcomes: Map<string, OpOutcome>): Promise<void> {
  for (let start = 0; start < ops.length; start += MAX_COMPOSITE_SUBREQUESTS) {
    const chunk = ops.slice(start, start + MAX_COMPOSITE_SUBREQUESTS);
    const inRequest = new Set<string>();
    const sent: WriteOp[] = [];
    const subrequests: Subrequest[] = [];
    for (const op of chunk) {
      const resolved = resolveRefs(op, outcomes, (ref) => (inRequest.has(ref) ? idReference(ref) : undefined));
      if (!resolved.ok) {
        outcomes.set(op.id, { ok: false, error: resolved.error, blockedBy: resolved.blockedBy, perRecord: true });
        continue;
      }
      inRequest.add(op.id);
      sent.push(op);
      subrequests.push(subrequestOf(op, resolved.fields));
    }
    if (sent.length === 0) continue;
    const what = `writing ${sent.length} record${sent.length === 1 ? '' : 's'} in one Composite request`;
    let answers;
    try {
      answers = await sendComposite(api, subrequests, what, sent.every((op) => op.kind !== 'create'));
    } catch (thrown) {
      const error = classifyThrown(thrown, what);
      for (const op of sent) outcomes.set(op.id, { ok: false, error, perRecord: false });
      continue;
    }
    for (const op of sent) {
      const answer = answers.get(op.id)!;
      if (succeeded(answer)) {
        const saved = SaveResult.safeParse(answer.body);
        outcomes.set(op.id, savedOutcome(op, saved.success ? saved.data.id : undefined));
        continue;
      }
      // Salesforce halts a subrequest whose reference failed: report the root failure instead.
      const failedRef = refsOf(op).map((ref) => [ref, outcomes.get(ref)] as const).find(([, o]) => o && !o.ok);
      if (failedRef && failedRef[1] && !failedRef[1].ok) {
        outcomes.set(op.id, { ok: false, error: failedRef[1].error, blockedBy: failedRef[1].blockedBy ?? failedRef[0], perRecord: true });
        continue;
      }
      outcomes.set(op.id, {
        ok: false,
        error: classifyErrorItems(errorItemsOf(answer.body), opWhat(op), answer.httpStatusCode),
        perRecord: true,
      });
    }
  }
}
