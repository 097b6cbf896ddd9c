/**
 * Sends inputs in batches of ≤100 and tells each input's own outcome, so one bad value fails
 * only the conversation it came from:
 * - results are matched to inputs by `objectWriteTraceId` (or an identity such as the email);
 * - a 207 partial answer gives the failed inputs the error whose context names them;
 * - a whole batch rejected as invalid (4xx: HubSpot writes nothing then) is split in halves and
 *   re-sent until the bad inputs stand alone: a few extra calls for one bad value, not one per input;
 * - retryable/auth failures of a call apply to every input of that call.
 */
import { CrmError } from '../errors.ts';
import { BATCH_SIZE } from './endpoints.ts';
import { asCrmError, classifyBatchError } from './error-classifier.ts';
import type { HubSpotError } from './responses.ts';

export interface BatchItem<I> {
  /** First key: the trace id sent as `objectWriteTraceId`; further keys: identities HubSpot may echo. */
  keys: string[];
  input: I;
}

export type ItemOutcome<R> = { ok: true; result: R } | { ok: false; error: CrmError };

export interface BatchSpec<I, R> {
  path: string;
  send(items: BatchItem<I>[]): Promise<{ results: R[]; errors: HubSpotError[] }>;
  /** Keys of the input a result belongs to (trace id, identity). */
  resultKeys(result: R): string[];
  /**
   * True when sending an input twice is harmless (upsert, update, associate): inputs of a 207
   * whose error cannot be told apart are then re-sent to learn it. Creates never are.
   */
  idempotent: boolean;
}

/** Outcome per item, in the order of `items`. */
export async function sendInBatches<I, R>(items: BatchItem<I>[], spec: BatchSpec<I, R>, size = BATCH_SIZE): Promise<ItemOutcome<R>[]> {
  const outcomes = new Map<BatchItem<I>, ItemOutcome<R>>();
  const chunks: BatchItem<I>[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  await Promise.all(chunks.map((chunk) => sendIsolating(chunk, spec, outcomes, false)));
  return items.map((item) => outcomes.get(item) ?? { ok: false, error: noOutcome(spec.path) });
}

async function sendIsolating<I, R>(
  chunk: BatchItem<I>[],
  spec: BatchSpec<I, R>,
  outcomes: Map<BatchItem<I>, ItemOutcome<R>>,
  isResend: boolean,
): Promise<void> {
  let response: { results: R[]; errors: HubSpotError[] };
  try {
    response = await spec.send(chunk);
  } catch (thrown) {
    const error = asCrmError(thrown);
    if (error.kind === 'permanent' && chunk.length > 1 && isClientRejection(error)) {
      const half = Math.ceil(chunk.length / 2);
      await Promise.all([chunk.slice(0, half), chunk.slice(half)].map((part) => sendIsolating(part, spec, outcomes, isResend)));
      return;
    }
    for (const item of chunk) outcomes.set(item, { ok: false, error });
    return;
  }

  const byKey = new Map<string, BatchItem<I>>();
  for (const item of chunk) for (const key of item.keys) byKey.set(key, item);
  let matched = 0;
  for (const result of response.results) {
    const item = spec.resultKeys(result).map((k) => byKey.get(k)).find((i) => i !== undefined);
    if (item && !outcomes.has(item)) {
      outcomes.set(item, { ok: true, result });
      matched += 1;
    }
  }
  // An answer that echoes no identity at all, but says every input succeeded, is in input order.
  if (matched === 0 && response.errors.length === 0 && response.results.length === chunk.length) {
    chunk.forEach((item, i) => outcomes.set(item, { ok: true, result: response.results[i]! }));
    return;
  }

  let unresolved = chunk.filter((item) => !outcomes.has(item));
  if (unresolved.length === 0) return;
  for (const entry of response.errors) {
    const named = contextStrings(entry);
    const error = classifyBatchError(entry, spec.path);
    for (const item of unresolved) if (item.keys.some((k) => named.has(k))) outcomes.set(item, { ok: false, error });
  }
  unresolved = unresolved.filter((item) => !outcomes.has(item));
  if (unresolved.length === 0) return;

  const [only] = response.errors;
  if (response.errors.length === 1 && only) {
    const error = classifyBatchError(only, spec.path);
    for (const item of unresolved) outcomes.set(item, { ok: false, error });
  } else if (spec.idempotent && !isResend) {
    await Promise.all(unresolved.map((item) => sendIsolating([item], spec, outcomes, true)));
  } else {
    const error = response.errors[0] ? classifyBatchError(response.errors[0], spec.path) : noOutcome(spec.path);
    for (const item of unresolved) outcomes.set(item, { ok: false, error });
  }
}

/** Every string in an error's `context` and `id` (ids, emails, trace ids it names). */
function contextStrings(entry: HubSpotError): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') found.add(value);
    else if (typeof value === 'number') found.add(String(value));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(entry.context);
  visit((entry as Record<string, unknown>).id);
  for (const detail of entry.errors ?? []) visit(detail.context);
  return found;
}

/** HubSpot answered without saying what became of an input: it may be written or not. */
const noOutcome = (path: string): CrmError =>
  new CrmError('retryable', `HubSpot did not report the outcome of ${path} for this record`, { code: 'NO_OUTCOME' });

function isClientRejection(error: CrmError): boolean {
  return error.status !== undefined && error.status >= 400 && error.status < 500;
}
