import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/platform/schemas.ts';
import { decideExtractionWait } from '../../src/sync/extraction-wait.ts';

const endedAt = new Date('2026-04-10T12:36:07Z');
const conversation = (over: Partial<Conversation> = {}): Conversation => ({
  id: 'conv_1',
  widget_id: 'wgt_1',
  started_at: '2026-04-10T12:34:00Z',
  ended_at: endedAt.toISOString(),
  duration_seconds: 127,
  credits_charged: 127,
  outcome: 'completed',
  visitor: {},
  transcript: [],
  tool_calls: [],
  extracted_data: {},
  criteria_results: {},
  ...over,
});
const after = (seconds: number) => new Date(endedAt.getTime() + seconds * 1000);

describe('decideExtractionWait', () => {
  it('does not wait once anything was extracted, or for conversations that did not complete', () => {
    expect(decideExtractionWait({ conversation: conversation({ extracted_data: { name: 'Ana' } }), now: after(0), maxWaitSeconds: 60 })).toEqual({ wait: false });
    expect(decideExtractionWait({ conversation: conversation({ outcome: 'abandoned' }), now: after(0), maxWaitSeconds: 60 })).toEqual({ wait: false });
  });

  it('waits with doubling delays, remembering when the wait began', () => {
    const first = decideExtractionWait({ conversation: conversation(), now: after(1), maxWaitSeconds: 60 });
    expect(first).toEqual({ wait: true, delaySeconds: 1, startedAt: after(1).toISOString(), checks: 1 });
    const fourth = decideExtractionWait({ conversation: conversation(), now: after(8), maxWaitSeconds: 60, startedAt: after(1).toISOString(), checks: 3 });
    expect(fourth).toMatchObject({ wait: true, delaySeconds: 8, startedAt: after(1).toISOString(), checks: 4 });
  });

  it('never waits past the bound counted from the conversation end', () => {
    expect(decideExtractionWait({ conversation: conversation(), now: after(55), maxWaitSeconds: 60, checks: 6 })).toMatchObject({ wait: true, delaySeconds: 5 });
    const done = decideExtractionWait({ conversation: conversation(), now: after(60), maxWaitSeconds: 60, checks: 7 });
    expect(done).toEqual({ wait: false, note: expect.stringMatching(/still empty 60s after the conversation ended/) });
  });

  it('does not wait for a conversation that ended long ago (backfill, late delivery)', () => {
    expect(decideExtractionWait({ conversation: conversation(), now: after(3600), maxWaitSeconds: 60 }).wait).toBe(false);
  });

  it('bounds the wait from the first check too, when the platform clock runs ahead of ours', () => {
    const firstCheck = new Date(endedAt.getTime() - 600_000);
    const decision = decideExtractionWait({
      conversation: conversation(),
      now: new Date(firstCheck.getTime() + 61_000),
      maxWaitSeconds: 60,
      startedAt: firstCheck.toISOString(),
      checks: 6,
    });
    expect(decision.wait).toBe(false);
  });
});
