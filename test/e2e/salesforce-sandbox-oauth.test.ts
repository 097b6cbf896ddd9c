/**
 * The Salesforce sandbox's login server, driven by unmodified jsforce: authorization code with
 * PKCE, refresh with rotation (and what happens when the rotated token is not kept), revoke,
 * identity, token expiry on the injected clock.
 */
import { Connection, OAuth2 } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';

const CLIENT = { clientId: '3MVG9test-client', clientSecret: 'test-secret-1', redirectUri: 'http://127.0.0.1:3000/oauth/salesforce/callback' };
const OTHER_CLIENT = { clientId: '3MVG9other-client', clientSecret: 'test-secret-2', redirectUri: 'http://127.0.0.1:3001/callback' };

let sandbox: SalesforceSandbox;
let clock = Date.parse('2026-05-01T09:00:00Z');

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ oauthClients: [CLIENT, OTHER_CLIENT], accessTokenTtlSeconds: 600, now: () => clock });
});
afterAll(async () => {
  await sandbox.close();
});

const oauth2 = (options: { useVerifier?: boolean; clientSecret?: string } = {}): OAuth2 =>
  new OAuth2({ ...CLIENT, loginUrl: sandbox.url, ...options });

/** Plays the consent page: the code_challenge jsforce put in the authorization URL gets a code. */
function consent(client: OAuth2, orgId: string): string {
  const challenge = new URL(client.getAuthorizationUrl({ scope: 'api refresh_token' })).searchParams.get('code_challenge') ?? undefined;
  return sandbox.issueAuthorizationCode({ clientId: CLIENT.clientId, redirectUri: CLIENT.redirectUri, orgId, ...(challenge ? { codeChallenge: challenge } : {}) });
}

async function tokenError(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e as Error);
  expect(error, 'expected the token endpoint to refuse').toBeInstanceOf(Error);
  return { name: error!.name, message: error!.message };
}

describe('authorization code with PKCE', () => {
  it('exchanges a code for tokens jsforce can use, with the identity URL naming org and user', async () => {
    const org = sandbox.createOrg();
    const client = oauth2({ useVerifier: true });
    const conn = new Connection({ oauth2: client, version: '62.0' });
    const userInfo = await conn.authorize(consent(client, org.orgId));

    expect(userInfo).toMatchObject({ organizationId: org.orgId, id: org.userId });
    expect(conn.instanceUrl).toBe(sandbox.url);
    expect(conn.refreshToken).toMatch(/^5Aep/);
    const identity = await conn.identity();
    expect(identity).toMatchObject({ organization_id: org.orgId, user_id: org.userId, username: org.username });
    const created = await conn.sobject('Account').create({ Name: 'Through OAuth' });
    expect(created.success).toBe(true);
  });

  it('answers the raw token request with Salesforce fields and a verifiable signature', async () => {
    const org = sandbox.createOrg();
    const client = oauth2({ useVerifier: true });
    const tokens = await client.requestToken(consent(client, org.orgId));
    expect(tokens).toMatchObject({ token_type: 'Bearer', instance_url: sandbox.url, id: `${sandbox.url}/id/${org.orgId}/${org.userId}`, scope: 'api refresh_token' });
    expect(tokens.issued_at).toBe(String(clock));
    const { createHmac } = await import('node:crypto');
    expect(tokens.signature).toBe(createHmac('sha256', CLIENT.clientSecret).update(tokens.id + tokens.issued_at).digest('base64'));
  });

  it('refuses a wrong code verifier, a reused code, a wrong redirect URI, a wrong secret, an unknown client', async () => {
    const org = sandbox.createOrg();
    const honest = oauth2({ useVerifier: true });
    const code = consent(honest, org.orgId);
    const impostor = oauth2({ useVerifier: true });
    expect(await tokenError(impostor.requestToken(code))).toEqual({ name: 'invalid_grant', message: 'invalid code verifier' });
    // The failed attempt spent the code.
    expect(await tokenError(honest.requestToken(code))).toEqual({ name: 'invalid_grant', message: 'expired authorization code' });

    const code2 = consent(honest, org.orgId);
    const elsewhere = new OAuth2({ ...CLIENT, redirectUri: 'http://127.0.0.1:9/other', loginUrl: sandbox.url });
    elsewhere.codeVerifier = honest.codeVerifier;
    expect(await tokenError(elsewhere.requestToken(code2))).toEqual({ name: 'redirect_uri_mismatch', message: 'redirect_uri must match configuration' });

    const code3 = consent(honest, org.orgId);
    const wrongSecret = oauth2({ useVerifier: true, clientSecret: 'nope' });
    wrongSecret.codeVerifier = honest.codeVerifier;
    expect(await tokenError(wrongSecret.requestToken(code3))).toEqual({ name: 'invalid_client', message: 'invalid client credentials' });

    const stranger = new OAuth2({ clientId: 'unknown', clientSecret: 'x', redirectUri: CLIENT.redirectUri, loginUrl: sandbox.url });
    expect(await tokenError(stranger.requestToken('whatever'))).toEqual({ name: 'invalid_client_id', message: 'client identifier invalid' });
  });

  it('expires codes after 15 minutes and refuses to mint one for a redirect URI the client does not have', async () => {
    const org = sandbox.createOrg();
    const client = oauth2({ useVerifier: true });
    const code = consent(client, org.orgId);
    clock += 15 * 60_000;
    expect(await tokenError(client.requestToken(code))).toEqual({ name: 'invalid_grant', message: 'expired authorization code' });
    expect(() => sandbox.issueAuthorizationCode({ clientId: CLIENT.clientId, redirectUri: 'http://evil.example/cb', orgId: org.orgId }))
      .toThrow('redirect_uri must match configuration');
  });
});

describe('refresh with rotation', () => {
  it('refreshes an expired session transparently and hands the rotated refresh token to the refresh event', async () => {
    const org = sandbox.createOrg();
    const conn = new Connection({
      oauth2: { ...CLIENT, loginUrl: sandbox.url }, instanceUrl: org.instanceUrl, accessToken: org.accessToken, refreshToken: org.refreshToken, version: '62.0',
    });
    const refreshes: { accessToken: string; refreshToken: string | undefined }[] = [];
    conn.on('refresh', (accessToken: string, res: { refresh_token?: string }) => {
      refreshes.push({ accessToken, refreshToken: res.refresh_token });
    });

    expect(sandbox.expireTokens(org.orgId)).toBe(1);
    const result = await conn.query('SELECT Id FROM Lead');
    expect(result.totalSize).toBe(0);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.accessToken).toBe(conn.accessToken);
    expect(refreshes[0]!.accessToken).not.toBe(org.accessToken);
    expect(refreshes[0]!.refreshToken).toMatch(/^5Aep/);
    expect(refreshes[0]!.refreshToken).not.toBe(org.refreshToken);

    // jsforce keeps the old refresh token: it is now spent, so the next refresh fails...
    expect(conn.refreshToken).toBe(org.refreshToken);
    sandbox.expireTokens(org.orgId);
    await expect(conn.query('SELECT Id FROM Lead')).rejects.toThrow('Unable to refresh session due to: expired access/refresh token');

    // ...unless the refresh handler stores the rotated one, which is what the adapter must do.
    conn.refreshToken = refreshes[0]!.refreshToken!;
    conn.on('refresh', (_accessToken: string, res: { refresh_token?: string }) => {
      if (res.refresh_token) conn.refreshToken = res.refresh_token;
    });
    for (let round = 0; round < 3; round++) {
      sandbox.expireTokens(org.orgId);
      await expect(conn.query('SELECT Id FROM Lead')).resolves.toMatchObject({ done: true });
    }
    expect(refreshes).toHaveLength(4);
  });

  it('answers invalid_grant to a refresh token used twice, and to one of another client', async () => {
    const org = sandbox.createOrg();
    const client = oauth2();
    const first = await client.refreshToken(org.refreshToken);
    expect(first.refresh_token).toBeDefined();
    expect(await tokenError(client.refreshToken(org.refreshToken))).toEqual({ name: 'invalid_grant', message: 'expired access/refresh token' });
    const other = new OAuth2({ ...OTHER_CLIENT, loginUrl: sandbox.url });
    expect(await tokenError(other.refreshToken(first.refresh_token!))).toEqual({ name: 'invalid_grant', message: 'expired access/refresh token' });
  });

  it('refuses the raw HTTP body shape Salesforce refuses with', async () => {
    const org = sandbox.createOrg();
    await oauth2().refreshToken(org.refreshToken);
    const response = await fetch(`${sandbox.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: org.refreshToken, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const unsupported = await fetch(`${sandbox.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
    expect(await unsupported.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });
});

describe('sessions', () => {
  it('expires access tokens after their TTL and then answers 401 INVALID_SESSION_ID', async () => {
    const org = sandbox.createOrg();
    const conn = new Connection({ instanceUrl: org.instanceUrl, accessToken: org.accessToken, version: '62.0' });
    await expect(conn.query('SELECT Id FROM Account')).resolves.toMatchObject({ totalSize: 0 });
    clock += 600_000;
    const error = await conn.query('SELECT Id FROM Account').then(() => undefined, (e: unknown) => e as Error & { errorCode: string; data: unknown });
    expect(error).toMatchObject({ name: 'INVALID_SESSION_ID', errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' });
    expect(error!.data).toEqual({ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' });
    const raw = await fetch(`${sandbox.url}/services/data/v62.0/limits`, { headers: { authorization: 'Bearer nonsense' } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('revokes a refresh token together with its access tokens', async () => {
    const org = sandbox.createOrg();
    const conn = new Connection({ instanceUrl: org.instanceUrl, accessToken: org.accessToken, version: '62.0' });
    await oauth2().revokeToken(org.refreshToken);
    await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    expect(await tokenError(oauth2().refreshToken(org.refreshToken))).toEqual({ name: 'invalid_grant', message: 'expired access/refresh token' });
  });

  it('keeps each org to its own data: a token opens only its org', async () => {
    const a = sandbox.createOrg();
    const b = sandbox.createOrg();
    const connA = new Connection({ instanceUrl: a.instanceUrl, accessToken: a.accessToken, version: '62.0' });
    const connB = new Connection({ instanceUrl: b.instanceUrl, accessToken: b.accessToken, version: '62.0' });
    const created = await connA.sobject('Account').create({ Name: 'Only in A' });
    expect((await connA.query('SELECT Id FROM Account')).totalSize).toBe(1);
    expect((await connB.query('SELECT Id FROM Account')).totalSize).toBe(0);
    await expect(connB.sobject('Account').retrieve(created.id!)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    expect(sandbox.stats(a.orgId).apiUsage.used).toBe(2);
    expect(sandbox.stats(b.orgId).apiUsage.used).toBe(2);
  });
});
