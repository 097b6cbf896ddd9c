/**
 * Contract tests of the HubSpot adapter's error paths: rate limits, server errors, timeouts,
 * tokens, scopes, validation errors (whole batch and 207 partial) — each with HubSpot's real
 * error bodies, and each checked for which plans fail and how.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HUBSPOT_DEFAULT_BUDGETS } from '../../src/crm/hubspot/adapter.ts';
import type { ExecutionResult } from '../../src/crm/adapter.ts';
import { CrmError } from '../../src/crm/errors.ts';
import {
  CallLog, conversationPlan, echoAssociations, echoBatch, fresh, happyHubSpot, HUBSPOT, origin, testAdapter,
} from './hubspot-fixtures.ts';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const TEN_SECONDLY = {
  status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT',
  correlationId: '3a7b4c52-0000-4000-8000-000000000429', policyName: 'TEN_SECONDLY_ROLLING', groupName: 'private-app:1234',
};
const UNAUTHORIZED = {
  status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
  correlationId: '3a7b4c52-0000-4000-8000-000000000401', category: 'INVALID_AUTHENTICATION',
};
const failure = (result: ExecutionResult | undefined) => {
  if (!result || result.ok) throw new Error(`expected a failed result, got ${JSON.stringify(result)}`);
  return result.error;
};

describe('HubSpot adapter error handling', () => {
  it('pauses the portal queue on 429 for the policy window, then retries', async () => {
    const calls = new CallLog();
    const { adapter, limiters } = testAdapter({ policyWindowsMs: { TEN_SECONDLY_ROLLING: 80 } });
    const limiter = limiters.forAccount('hubspot', adapter.portalId, HUBSPOT_DEFAULT_BUDGETS);
    const pauses: { ms: number; bucket: string | undefined; at: number }[] = [];
    const pause = limiter.pauseAfterRateLimit.bind(limiter);
    vi.spyOn(limiter, 'pauseAfterRateLimit').mockImplementation((ms, bucket) => {
      pauses.push({ ms, bucket, at: Date.now() });
      pause(ms, bucket);
    });
    const sentAt: number[] = [];
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(() => [429, TEN_SECONDLY]))
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer((body) => (sentAt.push(Date.now()), echoBatch(body))))
      .post('/crm/v3/objects/notes/batch/upsert').reply(calls.answer((body) => (sentAt.push(Date.now()), echoBatch(body))))
      .post('/crm/v4/associations/notes/contacts/batch/associate/default').reply(calls.answer((body) => (sentAt.push(Date.now()), echoAssociations(body))));

    const [result] = await adapter.execute([fresh(conversationPlan('conv_429', { withDeal: false }))]);

    expect(result!.ok).toBe(true);
    expect(pauses).toEqual([{ ms: 80, bucket: undefined, at: expect.any(Number) }]);
    // Nothing went out while the portal was paused.
    for (const at of sentAt) expect(at).toBeGreaterThanOrEqual(pauses[0]!.at + 80 - 1);
    expect(adapter.rateLimitStats()).toMatchObject({ rateLimited: 1, pausedUntil: null, queued: 0, inFlight: 0 });
    limiters.close();
  });

  it('honours Retry-After and reports a retryable error with it once the waits are used up', async () => {
    const { adapter, limiters } = testAdapter({ maxRateLimitWaits: 0 });
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(429, TEN_SECONDLY, { 'Retry-After': '7' });

    const error = failure((await adapter.execute([fresh(conversationPlan('conv_ra', { withDeal: false }))]))[0]);

    expect(error).toMatchObject({ kind: 'retryable', status: 429, code: 'TEN_SECONDLY_ROLLING', retryAfterMs: 7_000 });
    expect(adapter.rateLimitStats().pausedUntil).toBeGreaterThan(Date.now() + 5_000);
    limiters.close();
  });

  it('pauses only the search bucket on a secondly search limit', async () => {
    const { adapter, limiters } = testAdapter({ maxRateLimitWaits: 0 });
    nock(HUBSPOT).post('/crm/v3/objects/companies/search').reply(429, {
      status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY',
    });
    const plan = conversationPlan('conv_s', { withDeal: false });
    plan.records = [{
      key: 'company', role: 'company', object: 'companies', associations: [], properties: {},
      match: { property: 'domain', value: 'northwind.example', origin: origin('objects.company.match', 20) },
    }];

    const error = failure((await adapter.execute([fresh(plan)]))[0]);

    expect(error.kind).toBe('retryable');
    const stats = adapter.rateLimitStats();
    expect(stats.buckets.find((b) => b.bucket === 'search')!.pausedUntil).not.toBeNull();
    expect(stats.buckets.find((b) => b.bucket === 'default')!.pausedUntil).toBeNull();
    limiters.close();
  });

  it('retries a 503 with backoff and succeeds', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(() => [503, { status: 'error', message: 'Service Unavailable', category: 'SERVICE_UNAVAILABLE' }]))
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/notes/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v4/associations/notes/contacts/batch/associate/default').reply(calls.answer(echoAssociations));
    const { adapter, limiters } = testAdapter();

    const [result] = await adapter.execute([fresh(conversationPlan('conv_503', { withDeal: false }))]);

    expect(result!.ok).toBe(true);
    expect(calls.to('contacts/batch/upsert')).toHaveLength(2);
    limiters.close();
  });

  it('re-sends a note upsert answered 500 with the same part key, so a write that happened is found, not repeated', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/notes/batch/upsert').reply(calls.answer(() => [500, { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }]))
      .post('/crm/v3/objects/notes/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v4/associations/notes/contacts/batch/associate/default').reply(calls.answer(echoAssociations));
    const { adapter, limiters } = testAdapter();

    const [result] = await adapter.execute([fresh(conversationPlan('conv_500', { withDeal: false }))]);

    expect(result!.ok).toBe(true);
    const [first, second] = calls.to('notes/batch/upsert').map((c) => c.body);
    expect(first).toEqual({
      inputs: [{
        idProperty: 'crm_connector_note_key', id: 'conv_500:transcript_note:1',
        properties: { hs_timestamp: '2026-04-10T12:36:07Z', hs_note_body: '<p><strong>Transcript</strong></p><p><strong>Agent:</strong> Hi!</p>' },
        objectWriteTraceId: 'conv_500/transcript_note/1',
      }],
    });
    expect(second).toEqual(first);
    limiters.close();
  });

  it('retries a dropped connection and a timeout, then gives up as retryable without writing the note', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .post('/crm/v3/objects/contacts/batch/upsert').delay(500).reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(() => [502, '<html>Bad gateway</html>']));
    const { adapter, limiters } = testAdapter({ requestTimeoutMs: 100 });

    const error = failure((await adapter.execute([fresh(conversationPlan('conv_net', { withDeal: false }))]))[0]);

    expect(error).toMatchObject({ kind: 'retryable', status: 502 });
    expect(error.message).toContain('Bad gateway');
    expect(calls.to('notes')).toHaveLength(0);
    limiters.close();
  });

  it('refreshes an OAuth token once on 401, shared by concurrent calls, and retries with the new token', async () => {
    const calls = new CallLog();
    let token = 'expired-token';
    const refresh = vi.fn(async () => (token = 'fresh-token'));
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(() => [401, UNAUTHORIZED]))
      .post('/crm/v3/objects/deals/batch/upsert').reply(calls.answer(() => [401, UNAUTHORIZED]));
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter({ tokens: { getAccessToken: async () => token, refresh } });

    const [result] = await adapter.execute([fresh(conversationPlan('conv_401'))]);

    expect(result!.ok).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
    const expired = calls.calls.filter((c) => c.authorization === 'Bearer expired-token');
    expect(expired.map((c) => c.path).sort()).toEqual(['/crm/v3/objects/contacts/batch/upsert', '/crm/v3/objects/deals/batch/upsert']);
    expect(calls.calls.filter((c) => c.authorization === 'Bearer fresh-token')).toHaveLength(calls.calls.length - 2);
    limiters.close();
  });

  it('reports an auth failure and asks for reconnection on 401 without a refresh, calling nothing more', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(() => [401, UNAUTHORIZED])).persist()
      .post('/crm/v3/objects/deals/batch/upsert').reply(calls.answer(() => [401, UNAUTHORIZED])).persist();
    const onNeedsReconnection = vi.fn();
    const { adapter, limiters } = testAdapter({ onNeedsReconnection });

    const results = await adapter.execute([fresh(conversationPlan('conv_a')), fresh(conversationPlan('conv_b'))]);

    for (const result of results) expect(failure(result)).toMatchObject({ kind: 'auth', status: 401, code: 'INVALID_AUTHENTICATION' });
    expect(onNeedsReconnection).toHaveBeenCalledWith(expect.stringContaining('Authentication credentials not found'));
    expect(calls.paths().sort()).toEqual(['POST /crm/v3/objects/contacts/batch/upsert', 'POST /crm/v3/objects/deals/batch/upsert']);
    limiters.close();
  });

  it('asks for reconnection when the token provider reports the refresh grant refused', async () => {
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(401, UNAUTHORIZED);
    const onNeedsReconnection = vi.fn();
    const refresh = vi.fn(async (): Promise<string> => {
      throw new CrmError('auth', 'installation i1 needs reconnection: invalid_grant', { code: 'NEEDS_RECONNECTION', status: 401 });
    });
    const { adapter, limiters } = testAdapter({ tokens: { getAccessToken: async () => 'old', refresh }, onNeedsReconnection });

    const error = failure((await adapter.execute([fresh(conversationPlan('conv_revoked', { withDeal: false }))]))[0]);

    expect(error).toMatchObject({ kind: 'auth', code: 'NEEDS_RECONNECTION' });
    expect(onNeedsReconnection).toHaveBeenCalledWith('installation i1 needs reconnection: invalid_grant');
    limiters.close();
  });

  it('keeps a refresh that failed to reach the token endpoint retryable, without asking for reconnection', async () => {
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(401, UNAUTHORIZED);
    const onNeedsReconnection = vi.fn();
    const refresh = vi.fn(async (): Promise<string> => {
      throw new TypeError('fetch failed');
    });
    const { adapter, limiters } = testAdapter({ tokens: { getAccessToken: async () => 'old', refresh }, onNeedsReconnection });

    const error = failure((await adapter.execute([fresh(conversationPlan('conv_blip', { withDeal: false }))]))[0]);

    expect(error).toMatchObject({ kind: 'retryable', code: 'REFRESH_FAILED' });
    expect(onNeedsReconnection).not.toHaveBeenCalled();
    limiters.close();
  });

  it('treats missing scopes as an auth failure naming the scope', async () => {
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(403, {
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: '3a7b4c52-0000-4000-8000-000000000403',
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.objects.contacts.write'] } }],
      category: 'MISSING_SCOPES',
    });
    const onNeedsReconnection = vi.fn();
    const { adapter, limiters } = testAdapter({ onNeedsReconnection });

    const error = failure((await adapter.execute([fresh(conversationPlan('conv_403', { withDeal: false }))]))[0]);

    expect(error).toMatchObject({ kind: 'auth', status: 403, code: 'MISSING_SCOPES' });
    expect(error.message).toContain('crm.objects.contacts.write');
    expect(onNeedsReconnection).toHaveBeenCalledTimes(1);
    limiters.close();
  });

  it('isolates an INVALID_OPTION in a rejected batch: only that plan fails, with the mapping line', async () => {
    const calls = new CallLog();
    const invalidOption = {
      status: 'error',
      message: 'Property values were not valid: [{"isValid":false,"message":"bogus was not one of the allowed options: [label: \\"Appointment scheduled\\"\\nvalue: \\"appointmentscheduled\\"\\n]","error":"INVALID_OPTION","name":"dealstage","localizedErrorMessage":"Property \\"Deal stage\\" has an invalid value."}]',
      correlationId: '3a7b4c52-0000-4000-8000-000000000400',
      category: 'VALIDATION_ERROR',
    };
    nock(HUBSPOT)
      .post('/crm/v3/objects/deals/batch/upsert')
      .reply(calls.answer((body) => (body.inputs.some((i: any) => i.properties.dealstage === 'bogus') ? [400, invalidOption] : echoBatch(body))))
      .persist();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();

    const results = await adapter.execute([
      fresh(conversationPlan('conv_1')), fresh(conversationPlan('conv_2', { dealstage: 'bogus' })), fresh(conversationPlan('conv_3')),
    ]);

    expect(results[0]!.ok && results[2]!.ok).toBe(true);
    const error = failure(results[1]);
    expect(error).toMatchObject({ kind: 'permanent', status: 400, code: 'INVALID_OPTION', origin: origin('objects.deal.properties.dealstage', 15) });
    expect(error.message).toContain('bogus was not one of the allowed options');
    expect(error.describe()).toContain('(value from mappings/hubspot.yaml:15:7 objects.deal.properties.dealstage)');
    // 3 inputs → rejected; halves [1,2] and [3]; [1,2] → rejected; [1] and [2] alone.
    expect(calls.to('deals/batch/upsert').map((c) => c.body.inputs.length)).toEqual([3, 2, 1, 1, 1]);
    // The failed plan's note is not written; the others' are.
    expect(calls.to('notes/batch/upsert')[0]!.body.inputs.map((i: any) => i.objectWriteTraceId)).toEqual([
      'conv_1/transcript_note/1', 'conv_3/transcript_note/1',
    ]);
    limiters.close();
  });

  it('fails only the plan named by a 207 partial answer, with HubSpot code and origin', async () => {
    const calls = new CallLog();
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer((body) => {
      const [good, bad] = body.inputs as any[];
      const [, ok] = echoBatch({ inputs: [good] }) as [number, any];
      return [207, {
        ...ok, status: 'COMPLETE', numErrors: 1,
        errors: [{
          status: 'error', category: 'VALIDATION_ERROR',
          message: 'Property values were not valid: [{"isValid":false,"message":"2026-13-45 is not a valid date.","error":"INVALID_DATE","name":"date_of_birth"}]',
          context: { objectWriteTraceId: [bad.objectWriteTraceId] },
        }],
      }] as const;
    }));
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();
    const badPlan = conversationPlan('conv_bad', { withDeal: false });
    badPlan.records[0]!.properties.date_of_birth = { value: '2026-13-45', policy: 'always', origin: origin('objects.contact.properties.date_of_birth', 9) };

    const [good, bad] = await adapter.execute([fresh(conversationPlan('conv_good', { withDeal: false })), fresh(badPlan)]);

    expect(good!.ok).toBe(true);
    expect(failure(bad)).toMatchObject({
      kind: 'permanent', code: 'INVALID_DATE', message: 'date_of_birth: 2026-13-45 is not a valid date.', origin: origin('objects.contact.properties.date_of_birth', 9),
    });
    expect(calls.to('contacts/batch/upsert')).toHaveLength(1);
    limiters.close();
  });

  it('names the mapping line of a property HubSpot does not know', async () => {
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/upsert').reply(400, {
      status: 'error',
      message: 'Property values were not valid: [{"isValid":false,"message":"Property \\"favourite_dish\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"favourite_dish","localizedErrorMessage":"Property \\"favourite_dish\\" does not exist"}]',
      correlationId: '3a7b4c52-0000-4000-8000-000000000404',
      category: 'VALIDATION_ERROR',
    });
    const { adapter, limiters } = testAdapter();
    const plan = conversationPlan('conv_prop', { withDeal: false });
    plan.records[0]!.properties.favourite_dish = { value: 'falafel', policy: 'always', origin: origin('objects.contact.properties.favourite_dish', 8) };

    const error = failure((await adapter.execute([fresh(plan)]))[0]);

    expect(error).toMatchObject({ kind: 'permanent', code: 'PROPERTY_DOESNT_EXIST', origin: origin('objects.contact.properties.favourite_dish', 8) });
    expect(error.message).toBe('Property "favourite_dish" does not exist');
    limiters.close();
  });

  it('fails the plans of a failed association call but keeps what was written', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/deals/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/notes/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/v4/associations/notes/contacts/batch/associate/default').reply(calls.answer(echoAssociations))
      .post('/crm/v4/associations/notes/deals/batch/associate/default').reply(calls.answer(echoAssociations))
      .post('/crm/v4/associations/deals/contacts/batch/associate/default').times(3)
      .reply(calls.answer(() => [500, { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }]));
    const { adapter, limiters } = testAdapter();

    const [result] = await adapter.execute([fresh(conversationPlan('conv_assoc'))]);

    const error = failure(result);
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/^could not associate deals \d+ with contacts \d+/);
    // The note id is reported so the retry updates it instead of creating a second note.
    expect(Object.keys(result!.objects).sort()).toEqual(['contact', 'deal', 'transcript_note']);
    limiters.close();
  });
});
