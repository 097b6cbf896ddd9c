/**
 * The OAuth side of the Salesforce adapter: an expired session is refreshed once per org however
 * many calls hit it, the rotated refresh token is persisted and used next time, and a revoked
 * grant marks the installation as needing reconnection instead of looping.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmError } from '../../src/crm/errors.ts';
import {
  DATA, INSTANCE, LOGIN, execution, interceptComposite, interceptDescribes, lookupAnswer, newRecorder, orgAnswer, planFor, setUpNock, tearDownNock,
  testAdapter, writeAnswer, type Recorder,
} from './salesforce-helpers.ts';

beforeEach(setUpNock);
afterEach(tearDownNock);

const expired = (recorder: Recorder) =>
  nock(INSTANCE).post(`${DATA}/composite`).reply(recorder.answer(() => [401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]]));

function tokenEndpoint(recorder: Recorder, answer: readonly [number, unknown]) {
  return nock(LOGIN)
    .post('/services/oauth2/token')
    .reply(async (request: Request) => {
      const form = Object.fromEntries(new URLSearchParams(await request.text()));
      recorder.requests.push({ method: 'POST', path: '/services/oauth2/token', body: form, authorization: undefined });
      return answer;
    });
}

const tokens = (access: string, refresh: string) => [200, {
  access_token: access,
  refresh_token: refresh,
  instance_url: INSTANCE,
  id: `${LOGIN}/id/00D000000000001EAA/005000000000001AAA`,
  token_type: 'Bearer',
  issued_at: '1760000000000',
  signature: 'c2lnbmF0dXJl',
  scope: 'api refresh_token',
}] as const;

const plan = (n: number) => execution(planFor({ conversationId: `conv_${n}`, email: `v${n}@example.com`, withoutDeal: true }));

describe('token refresh', () => {
  it('refreshes on INVALID_SESSION_ID, persists the rotated refresh token and uses it next time', async () => {
    const { adapter, rotated } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    expired(recorder);
    tokenEndpoint(recorder, tokens('access-2', 'refresh-2'));
    interceptComposite(recorder, lookupAnswer({}));
    interceptComposite(recorder, writeAnswer);

    const [first] = await adapter.execute([plan(1)]);
    expect(first!.ok).toBe(true);
    expect(rotated).toEqual([{ accessToken: 'access-2', refreshToken: 'refresh-2', instanceUrl: INSTANCE }]);
    const form = recorder.requests.find((r) => r.path === '/services/oauth2/token')!.body;
    expect(form).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-1', client_id: 'client-id', client_secret: 'client-secret' });
    const authorizations = recorder.requests.filter((r) => r.path.startsWith(DATA)).map((r) => r.authorization);
    expect(authorizations).toEqual(['Bearer access-1', 'Bearer access-1', 'Bearer access-2', 'Bearer access-2']);

    // The org rotates refresh tokens: the next refresh must send the new one.
    expired(recorder);
    tokenEndpoint(recorder, tokens('access-3', 'refresh-3'));
    interceptComposite(recorder, lookupAnswer({}));
    interceptComposite(recorder, writeAnswer);
    const [second] = await adapter.execute([plan(2)]);
    expect(second!.ok).toBe(true);
    expect(recorder.requests.filter((r) => r.path === '/services/oauth2/token').map((r) => r.body.refresh_token)).toEqual(['refresh-1', 'refresh-2']);
    expect(rotated).toHaveLength(2);
  });

  it('refreshes once for many calls rejected at the same time', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    await adapter.describe(['Lead', 'Contact', 'Task', 'ContentNote']);
    for (let i = 0; i < 5; i++) expired(recorder);
    tokenEndpoint(recorder, tokens('access-2', 'refresh-2'));
    // Lookups and writes of the five jobs arrive interleaved: one interceptor answers them all.
    for (let i = 0; i < 10; i++) interceptComposite(recorder, orgAnswer());

    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => adapter.execute([plan(n)])));

    expect(results.flat().every((r) => r.ok)).toBe(true);
    expect(recorder.requests.filter((r) => r.path === '/services/oauth2/token')).toHaveLength(1);
    expect(recorder.requests.filter((r) => r.authorization === 'Bearer access-2')).toHaveLength(10);
  });
});

describe('lost grants', () => {
  it('marks the installation as needing reconnection on invalid_grant, and stops calling', async () => {
    const { adapter, reconnect, rotated } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    expired(recorder);
    tokenEndpoint(recorder, [400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }]);

    const [result] = await adapter.execute([plan(1)]);

    const error = (result as { error: CrmError }).error;
    expect(result!.ok).toBe(false);
    expect(error.kind).toBe('auth');
    expect(error.code).toBe('INVALID_GRANT');
    expect(reconnect).toEqual(['Salesforce refused to refresh the access token (invalid_grant: expired access/refresh token): reconnect the installation']);
    expect(rotated).toEqual([]);

    // Nothing is sent any more (nock would refuse it): the answer comes at once.
    const [again] = await adapter.execute([plan(2)]);
    expect((again as { error: CrmError }).error).toMatchObject({ kind: 'auth', code: 'NEEDS_RECONNECTION' });
    expect(reconnect).toHaveLength(1);
    expect(adapter.stats().callsSent).toBe(2);
  });

  it('does not loop when a freshly refreshed token is rejected too', async () => {
    const { adapter, reconnect } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    expired(recorder);
    tokenEndpoint(recorder, tokens('access-2', 'refresh-2'));
    expired(recorder);

    const [result] = await adapter.execute([plan(1)]);

    expect((result as { error: CrmError }).error).toMatchObject({ kind: 'auth' });
    expect(reconnect).toHaveLength(1);
    expect(reconnect[0]).toMatch(/rejected a freshly refreshed access token/);
    expect(recorder.requests.filter((r) => r.path === '/services/oauth2/token')).toHaveLength(1);
  });

  it('needs reconnection at the first 401 when no refresh token was configured', async () => {
    const { adapter, reconnect } = testAdapter({ tokens: { accessToken: 'access-only' } });
    const recorder = newRecorder();
    interceptDescribes(recorder);
    expired(recorder);

    const [result] = await adapter.execute([plan(1)]);

    expect((result as { error: CrmError }).error).toMatchObject({ kind: 'auth', code: 'NEEDS_RECONNECTION' });
    expect(reconnect).toEqual(['Salesforce rejected the access token and no refresh token is configured: reconnect the installation']);
  });
});
