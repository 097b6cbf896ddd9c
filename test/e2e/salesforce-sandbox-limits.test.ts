/**
 * The Salesforce sandbox's daily allocation (Sforce-Limit-Info, REQUEST_LIMIT_EXCEEDED, a rolling
 * 24-hour window on an injected clock), fault injection, and the `/_sandbox` control API and page.
 */
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';

const HOUR = 60 * 60_000;
let sandbox: SalesforceSandbox;
let clock = Date.parse('2026-05-01T00:00:00Z');

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ dailyLimit: 5, now: () => clock, accessTokenTtlSeconds: 7 * 24 * 3600 });
});
afterAll(async () => {
  await sandbox.close();
});

function connect(): { conn: Connection; orgId: string; accessToken: string } {
  const org = sandbox.createOrg();
  return { conn: new Connection({ instanceUrl: org.instanceUrl, accessToken: org.accessToken, version: '62.0' }), orgId: org.orgId, accessToken: org.accessToken };
}

async function failure(promise: PromiseLike<unknown>): Promise<Error & { errorCode: string; data: unknown }> {
  const error = await Promise.resolve(promise).then(() => undefined, (e: unknown) => e as Error & { errorCode: string; data: unknown });
  expect(error, 'expected Salesforce to refuse').toBeInstanceOf(Error);
  return error!;
}

describe('daily API allocation', () => {
  it('counts every call in Sforce-Limit-Info, refuses past the allocation, and frees calls as the 24-hour window rolls', async () => {
    const { conn, orgId, accessToken } = connect();
    await conn.sobject('Account').create({ Name: 'one' });
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 1, limit: 5 } });
    clock += 2 * HOUR;
    for (let i = 0; i < 4; i++) await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 5, limit: 5 } });

    const refused = await failure(conn.query('SELECT Id FROM Account'));
    expect(refused).toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED', errorCode: 'REQUEST_LIMIT_EXCEEDED', data: { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' } });
    const raw = await fetch(`${sandbox.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('sforce-limit-info')).toBe('api-usage=5/5');
    expect(await raw.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(sandbox.stats(orgId).refused.limitExceeded).toBe(2);

    // 24 hours after the first call, that one call leaves the window; the four later ones stay.
    clock += 22 * HOUR + 60_000;
    const limits = await conn.request<{ DailyApiRequests: { Max: number; Remaining: number } }>('/limits');
    expect(limits.DailyApiRequests).toEqual({ Max: 5, Remaining: 0 });
    await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });

    sandbox.resetUsage(orgId);
    const fresh = await conn.request<{ DailyApiRequests: { Max: number; Remaining: number } }>('/limits');
    expect(fresh.DailyApiRequests).toEqual({ Max: 5, Remaining: 4 });
  });

  it('keeps allocations per org, and counts a composite of many subrequests as one call', async () => {
    const a = connect();
    const b = connect();
    await a.conn.requestPost('/composite', {
      compositeRequest: Array.from({ length: 10 }, (_, i) => ({ method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: `a${i}`, body: { Name: `A${i}` } })),
    });
    expect(a.conn.limitInfo).toEqual({ apiUsage: { used: 1, limit: 5 } });
    expect(sandbox.state(a.orgId).records.Account).toHaveLength(10);
    expect(sandbox.stats(a.orgId)).toMatchObject({ calls: 1, byFamily: { composite: 1 }, compositeSubrequests: 10 });
    expect(sandbox.stats(b.orgId).apiUsage.used).toBe(0);
  });

  it('does not count the versions list or refused sessions', async () => {
    const { orgId } = connect();
    const versions = await fetch(`${sandbox.url}/services/data/`);
    expect(await versions.json()).toContainEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    expect(sandbox.stats(orgId).apiUsage.used).toBe(0);
  });
});

describe('fault injection', () => {
  it('fails the next calls with 503, UNABLE_TO_LOCK_ROW and REQUEST_LIMIT_EXCEEDED, then recovers', async () => {
    const { conn, orgId } = connect();
    // POSTs: jsforce itself retries GET/PUT/DELETE on 5xx (up to 5 times), never POST or PATCH.
    sandbox.injectFaults(orgId, { status: 503, count: 1, pathPrefix: '/sobjects/Account' });
    sandbox.injectFaults(orgId, { errorCode: 'UNABLE_TO_LOCK_ROW', count: 1, pathPrefix: '/sobjects/Lead' });
    sandbox.injectFaults(orgId, { errorCode: 'REQUEST_LIMIT_EXCEEDED', count: 1, pathPrefix: '/query' });

    const unavailable = await failure(conn.sobject('Account').create({ Name: 'A' }));
    expect(unavailable).toMatchObject({ errorCode: 'SERVER_UNAVAILABLE', data: { errorCode: 'SERVER_UNAVAILABLE' } });
    const locked = await failure(conn.sobject('Lead').create({ LastName: 'L', Company: 'C' }));
    expect(locked.data).toEqual({ message: 'unable to obtain exclusive access to this record or 1 records', errorCode: 'UNABLE_TO_LOCK_ROW', fields: [] });
    const limited = await failure(conn.query('SELECT Id FROM Lead'));
    expect(limited.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    await expect(conn.query('SELECT Id FROM Lead')).resolves.toMatchObject({ totalSize: 0 });
    expect(sandbox.stats(orgId)).toMatchObject({ pendingFaults: 0, refused: { injectedFaults: 3 }, apiUsage: { used: 1 } });
    expect(sandbox.state(orgId).records.Account).toEqual([]);
  });

  it('lets jsforce retry an idempotent GET through a transient 503', async () => {
    const { conn, orgId } = connect();
    sandbox.injectFaults(orgId, { status: 503, count: 1, pathPrefix: '/query' });
    await expect(conn.query('SELECT Id FROM Lead')).resolves.toMatchObject({ totalSize: 0 });
    expect(sandbox.stats(orgId)).toMatchObject({ refused: { injectedFaults: 1 }, byFamily: { query: 1 } });
  });

  it('injects validation errors into one composite subrequest, and writes-then-fails with afterWrite', async () => {
    const { conn, orgId } = connect();
    sandbox.injectFaults(orgId, { errorCode: 'DUPLICATES_DETECTED', pathPrefix: '/sobjects/Lead' });
    const answer = await conn.requestPost<{ compositeResponse: { httpStatusCode: number; body: unknown }[] }>('/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'Acc', body: { Name: 'Fine' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Lead', referenceId: 'Lead', body: { LastName: 'L', Company: 'C' } },
      ],
    });
    expect(answer.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 400]);
    expect(answer.compositeResponse[1]!.body).toMatchObject([{ errorCode: 'DUPLICATES_DETECTED', duplicateResult: { allowSave: false } }]);

    sandbox.injectFaults(orgId, { status: 503, afterWrite: true, pathPrefix: '/services/data/v62.0/sobjects/Account' });
    await expect(conn.sobject('Account').create({ Name: 'Written anyway' })).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    expect(sandbox.state(orgId).records.Account!.map((a) => a.Name)).toEqual(['Fine', 'Written anyway']);
    expect(() => sandbox.injectFaults(orgId, { count: 1 })).toThrow('a fault needs a status, an errorCode, or both');
  });
});

describe('control API and inspection page', () => {
  it('creates orgs, injects faults, adds rules and expires tokens over HTTP, with clear errors', async () => {
    const created = await fetch(`${sandbox.url}/_sandbox/orgs`, { method: 'POST' });
    expect(created.status).toBe(201);
    const org = await created.json() as { orgId: string; accessToken: string; refreshToken: string; instanceUrl: string };
    expect(org).toMatchObject({ orgId: expect.stringMatching(/^00D/), instanceUrl: sandbox.url });
    const post = (path: string, body?: unknown) => fetch(`${sandbox.url}/_sandbox/orgs/${org.orgId}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });

    expect((await post('/faults', { errorCode: 'UNABLE_TO_LOCK_ROW', count: 2 })).status).toBe(201);
    const badFault = await post('/faults', { count: 0 });
    expect(badFault.status).toBe(400);
    expect(await badFault.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('count') } });
    const badRule = await post('/rules', { kind: 'validation', sobject: 'Lead', field: 'Email', operator: 'matches', message: 'x' });
    expect(badRule.status).toBe(400);
    expect((await post('/rules', { kind: 'validation', sobject: 'Lead', field: 'Company', operator: 'isBlank', message: 'Company is needed' })).status).toBe(201);
    expect(await (await post('/expire-tokens')).json()).toEqual({ expiredAccessTokens: 1 });
    expect(sandbox.stats(org.orgId).pendingFaults).toBe(2);
    const missing = await fetch(`${sandbox.url}/_sandbox/orgs/00Dnope/state`);
    expect(missing.status).toBe(404);
    const code = await post('/authorization-codes', { clientId: sandbox.oauthClients[0]!.clientId, redirectUri: sandbox.oauthClients[0]!.redirectUri });
    expect(await code.json()).toEqual({ code: expect.stringMatching(/^aPrx/) });
  });

  it('lists each org\'s records, note links and API usage on /_sandbox, escaping what visitors typed', async () => {
    const { conn, orgId } = connect();
    const lead = await conn.sobject('Lead').create({ LastName: '<script>alert("x")</script>', Company: 'Evil & Co' });
    const note = await conn.sobject('ContentNote').create({ Title: 'T <b>', Content: Buffer.from('<p>hello &lt;img src=x onerror=alert(1)&gt;</p>').toString('base64') });
    await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: note.id!, LinkedEntityId: lead.id! });
    const page = await (await fetch(`${sandbox.url}/_sandbox`)).text();
    expect(page).toContain(`Org <code>${orgId}</code>`);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('Evil &amp; Co');
    expect(page).toContain('T &lt;b&gt;');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain(`<a href="#${lead.id}">`);
    expect(page).toMatch(/API usage 3 \/ 5/);
    const state = await (await fetch(`${sandbox.url}/_sandbox/orgs/${orgId}/state`)).json() as { records: Record<string, unknown[]>; apiUsage: unknown };
    expect(state.records.ContentDocumentLink).toMatchObject([{ ContentDocumentId: note.id, LinkedEntityId: lead.id }]);
    expect(state.apiUsage).toEqual({ used: 3, limit: 5, remaining: 2 });
  });
});
