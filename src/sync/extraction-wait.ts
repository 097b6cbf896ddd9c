/**
 * "Extraction happens asynchronously right after the call ends": a completed conversation whose
 * extracted_data and criteria_results are both empty is checked again later, with doubling delays,
 * for at most `maxWaitSeconds` counted from the conversation's end (so backfilled and late
 * conversations never wait, and widgets without extraction wait only once per conversation) and
 * from the first check (so a platform clock ahead of ours cannot stretch the wait). After that the
 * sync goes ahead with what exists; a later `criteria.evaluated` re-syncs.
 */
import { type Conversation, extractionPending } from '../platform/schemas.ts';

export type ExtractionDecision =
  | { wait: false; note?: string }
  | { wait: true; delaySeconds: number; startedAt: string; checks: number };

export function decideExtractionWait(input: {
  conversation: Conversation;
  now: Date;
  maxWaitSeconds: number;
  /** From the job: when an earlier check first found extraction empty. */
  startedAt?: string;
  checks?: number;
}): ExtractionDecision {
  if (!extractionPending(input.conversation)) return { wait: false };
  const now = input.now.getTime();
  const startedAt = input.startedAt ?? input.now.toISOString();
  const maxMs = input.maxWaitSeconds * 1000;
  const deadline = Math.min(Date.parse(input.conversation.ended_at) + maxMs, Date.parse(startedAt) + maxMs);
  const remainingSeconds = Math.ceil((deadline - now) / 1000);
  if (remainingSeconds <= 0) {
    return {
      wait: false,
      note: `extracted_data and criteria_results were still empty ${input.maxWaitSeconds}s after the conversation ended; synced without them`,
    };
  }
  const checks = input.checks ?? 0;
  return { wait: true, delaySeconds: Math.max(1, Math.min(2 ** checks, remainingSeconds)), startedAt, checks: checks + 1 };
}
