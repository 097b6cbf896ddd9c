/**
 * The org's daily API allocation: the adapter reads `Sforce-Limit-Info` from every answer, stops
 * calling once the org's usage reaches the configured share, and resumes when `GET /limits`
 * shows the rolling 24-hour window has freed room.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmError } from '../../src/crm/errors.ts';
import {
  DATA, INSTANCE, execution, interceptComposite, newRecorder, orgAnswer, planFor, setUpNock, tearDownNock, testAdapter,
} from './salesforce-helpers.ts';

beforeEach(setUpNock);
afterEach(tearDownNock);

const usage = (used: number, max = 15_000) => ({ 'Sforce-Limit-Info': `api-usage=${used}/${max}`, 'Content-Type': 'application/json' });
const plan = (n: number) => execution(planFor({ conversationId: `conv_${n}`, email: `v${n}@example.com` }));
const errorOf = (result: unknown) => (result as { error: CrmError }).error;

describe('daily API share', () => {
  it('pauses the org at share × allocation and resumes when /limits shows room', async () => {
    let now = 1_000_000;
    const { adapter } = testAdapter({ budget: { share: 0.5, checkIntervalMs: 60_000 }, now: () => now });
    const recorder = newRecorder();
    interceptComposite(recorder, orgAnswer(), usage(7_400));
    interceptComposite(recorder, orgAnswer(), usage(7_450));
    interceptComposite(recorder, orgAnswer(), usage(7_500));

    const [first] = await adapter.execute([plan(1)]);
    expect(first!.ok).toBe(true);
    expect(adapter.stats().budget).toEqual({ used: 7_500, limit: 15_000, share: 0.5, threshold: 7_500, paused: true, nextCheckAt: now + 60_000 });

    // Paused: nothing is sent (nock would refuse it), the job is told when to come back.
    now += 30_000;
    const [paused] = await adapter.execute([plan(2)]);
    expect(errorOf(paused)).toMatchObject({ kind: 'retryable', code: 'DAILY_API_SHARE_USED', retryAfterMs: 30_000 });
    expect(errorOf(paused).message).toContain('7500/15000 calls used, share 50% = 7500');

    // At the check interval /limits is asked; the window has not freed enough yet.
    now += 30_000;
    nock(INSTANCE).get(`${DATA}/limits`).reply(recorder.answer(() => [200, { DailyApiRequests: { Max: 15_000, Remaining: 7_000 } }, usage(8_000)]));
    const [stillPaused] = await adapter.execute([plan(3)]);
    expect(errorOf(stillPaused)).toMatchObject({ code: 'DAILY_API_SHARE_USED', retryAfterMs: 60_000 });

    // Later the rolling window has room again: calls flow.
    now += 60_000;
    nock(INSTANCE).get(`${DATA}/limits`).reply(recorder.answer(() => [200, { DailyApiRequests: { Max: 15_000, Remaining: 9_000 } }, usage(6_000)]));
    interceptComposite(recorder, orgAnswer(), usage(6_001));
    interceptComposite(recorder, orgAnswer(), usage(6_002));
    const [resumed] = await adapter.execute([plan(4)]);
    expect(resumed!.ok).toBe(true);
    expect(adapter.stats().budget).toMatchObject({ used: 6_002, paused: false, nextCheckAt: null });
    expect(recorder.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST ${DATA}/composite`, `POST ${DATA}/composite`, `POST ${DATA}/composite`,
      `GET ${DATA}/limits`,
      `GET ${DATA}/limits`, `POST ${DATA}/composite`, `POST ${DATA}/composite`,
    ]);
  });

  it('stops at once when Salesforce answers REQUEST_LIMIT_EXCEEDED for the daily total', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, orgAnswer());
    nock(INSTANCE).post(`${DATA}/composite`).reply(recorder.answer(() => [403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]]));

    const [result] = await adapter.execute([plan(1)]);
    expect(errorOf(result)).toMatchObject({ kind: 'retryable', code: 'REQUEST_LIMIT_EXCEEDED' });
    // Backing off for seconds cannot help a daily limit: one refused call, no retries.
    expect(adapter.stats().callsSent).toBe(2);

    const [next] = await adapter.execute([plan(2)]);
    expect(errorOf(next)).toMatchObject({ kind: 'retryable', code: 'DAILY_API_SHARE_USED' });
    expect(adapter.stats().callsSent).toBe(2);
  });
});
