/**
 * The Salesforce connect flow end to end over real HTTP, against two Salesforce sandboxes standing
 * in for the production and sandbox login hosts: PKCE (the verifier never leaves the server; a
 * substituted challenge fails the exchange), the org learned from the identity URL, denied consent,
 * refresh with rotation persisted (by the token provider, and by the adapter's session hooks),
 * refresh refused → needs reconnection, disconnect revokes, reinstall reuses.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, type Auth } from '../../src/auth/auth-service.ts';
import { CrmError } from '../../src/crm/errors.ts';
import { SalesforceSession } from '../../src/crm/salesforce/session.ts';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, getInstallation, type Installation } from '../../src/store/installations.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';
import { Browser, CountingFetch, formFields, PUBLIC_URL } from './oauth-browser.ts';

const CLIENT = { clientId: '3MVG9connector', clientSecret: 'sf-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.salesforce.redirectPath}` };
const silent = createLogger({ level: 'silent' });

describe.each(storeBackends())('Salesforce connect flow on $name', (backend) => {
  let environment: StoreEnvironment;
  let production: SalesforceSandbox;
  let sandboxHost: SalesforceSandbox;
  let service: RunningService;

  const config = () =>
    testConfig({
      ...environment.env,
      PUBLIC_URL,
      SALESFORCE_CLIENT_ID: CLIENT.clientId,
      // Multi-tenant mode against loopback sandboxes: private addresses allowed on purpose.
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'test-metrics-token',
      SALESFORCE_CLIENT_SECRET: CLIENT.clientSecret,
      SALESFORCE_LOGIN_URL: production.url,
      SALESFORCE_SANDBOX_LOGIN_URL: sandboxHost.url,
    });
  const auth = (counter?: CountingFetch): Auth =>
    createAuth({ config: config(), store: service.store, box: service.box, logger: silent, ...(counter ? { fetch: counter.fetch } : {}) });
  const newBrowser = () => new Browser(() => service.url);

  async function consent(browser: Browser, options: { env?: 'sandbox'; orgId?: string; decision?: 'allow' | 'deny'; challenge?: string } = {}) {
    const query = options.env ? `?env=${options.env}` : '';
    const authorizeUrl = new URL(Browser.location(await browser.request(`${manifest.crms.salesforce.installPath}${query}`)));
    if (options.challenge) authorizeUrl.searchParams.set('code_challenge', options.challenge);
    const page = await browser.request(authorizeUrl.toString());
    expect(page.status).toBe(200);
    const fields = formFields(await page.text());
    if (options.orgId) fields.org_id = options.orgId;
    const choice = await browser.request(`${authorizeUrl.origin}/services/oauth2/authorize`, { form: { ...fields, decision: options.decision ?? 'allow' } });
    return { authorizeUrl, callbackUrl: Browser.location(choice) };
  }

  async function install(options: Parameters<typeof consent>[1] = {}) {
    const browser = newBrowser();
    const { callbackUrl } = await consent(browser, options);
    return { browser, callback: await browser.request(callbackUrl) };
  }

  const installationOf = async (orgId: string): Promise<Installation | undefined> =>
    findInstallationByCrmAccount(service.store, service.box, 'salesforce', orgId);
  /** Whether the login host still accepts a refresh token (a refused one answers invalid_grant). */
  const refreshAccepted = async (host: SalesforceSandbox, refreshToken: string) => {
    const answer = await fetch(`${host.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
    });
    return answer.status === 200;
  };

  beforeAll(async () => {
    environment = await backend.create();
    production = await startSalesforceSandbox({ oauthClients: [CLIENT], log: silent });
    sandboxHost = await startSalesforceSandbox({ oauthClients: [CLIENT], log: silent });
    service = await startService({ config: config(), role: 'web', logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await production?.close();
    await sandboxHost?.close();
    await environment?.dispose();
  });

  describe('an install on the production login host', () => {
    let result: Awaited<ReturnType<typeof install>>;
    let installation: Installation;

    beforeAll(async () => {
      result = await install();
      installation = (await installationOf(production.defaultOrg.orgId))!;
    });

    it('sends a PKCE challenge (S256) and the manifest scopes, never the verifier', async () => {
      const { authorizeUrl } = await consent(newBrowser(), { decision: 'deny' });
      expect(authorizeUrl.origin).toBe(production.url);
      expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: CLIENT.clientId,
        redirect_uri: CLIENT.redirectUri,
        scope: manifest.crms.salesforce.scopes.join(' '),
        code_challenge: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge_method: 'S256',
        state: expect.stringMatching(/^v1\.salesforce\./),
      });
      expect(authorizeUrl.searchParams.has('code_verifier')).toBe(false);
      const [row] = await service.store.query<{ sealed: string }>(
        'SELECT code_verifier_sealed AS sealed FROM oauth_states ORDER BY created_at DESC LIMIT 1',
      );
      expect(row?.sealed).toMatch(/^v1\./);
    });

    it('creates the installation of the org named by the identity URL, signed in as its user', () => {
      expect(result.callback.status).toBe(303);
      expect(result.callback.headers.get('location')).toBe(`/admin/installations/${installation.id}`);
      expect(installation).toMatchObject({
        name: `salesforce:${production.defaultOrg.orgId}`,
        crm: 'salesforce',
        crmSettings: { instanceUrl: production.url, loginUrl: production.url },
        status: 'active',
        platform: { apiUrl: null, apiKey: null },
      });
      expect(result.browser.cookies.has('cc_admin')).toBe(true);
    });

    it('stores tokens that work, sealed', async () => {
      const { accessToken, refreshToken } = installation.crmCredentials;
      const identity = await fetch(`${production.url}/id/${production.defaultOrg.orgId}/${production.defaultOrg.userId}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(identity.status).toBe(200);
      const [raw] = await service.store.query<{ sealed: string }>('SELECT crm_credentials_sealed AS sealed FROM installations WHERE id = $1', [installation.id]);
      expect(raw?.sealed).not.toContain(accessToken);
      expect(raw?.sealed).not.toContain(refreshToken);
    });
  });

  it('uses the sandbox login host when the install URL says env=sandbox', async () => {
    const browser = newBrowser();
    const { authorizeUrl, callbackUrl } = await consent(browser, { env: 'sandbox' });
    expect(authorizeUrl.origin).toBe(sandboxHost.url);
    expect((await browser.request(callbackUrl)).status).toBe(303);
    expect((await installationOf(sandboxHost.defaultOrg.orgId))?.crmSettings).toEqual({ instanceUrl: sandboxHost.url, loginUrl: sandboxHost.url });
  });

  it('fails the exchange when the code was bound to another challenge (PKCE mismatch), connecting nothing', async () => {
    const org = production.createOrg();
    const browser = newBrowser();
    const forged = createHash('sha256').update('a verifier the connector never had').digest('base64url');
    const { callbackUrl } = await consent(browser, { orgId: org.orgId, challenge: forged });
    const answer = await browser.request(callbackUrl);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('invalid code verifier');
    expect(await installationOf(org.orgId)).toBeUndefined();
  });

  it('explains a denied consent and connects nothing', async () => {
    const org = production.createOrg();
    const browser = newBrowser();
    const { callbackUrl } = await consent(browser, { orgId: org.orgId, decision: 'deny' });
    const answer = await browser.request(callbackUrl);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('access_denied');
    expect(await installationOf(org.orgId)).toBeUndefined();
  });

  it('shows an error page, without redirecting, for an unregistered callback URL', async () => {
    const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT.clientId, redirect_uri: 'https://evil.example/cb', state: 's' });
    const answer = await fetch(`${production.url}/services/oauth2/authorize?${query}`, { redirect: 'manual' });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    expect(await answer.text()).toContain('redirect_uri_mismatch');
  });

  describe('tokens after the install', () => {
    let org: ReturnType<SalesforceSandbox['createOrg']>;
    let installationId: string;
    const stored = async () => (await getInstallation(service.store, service.box, installationId))!;

    beforeAll(async () => {
      org = production.createOrg();
      await install({ orgId: org.orgId });
      installationId = (await installationOf(org.orgId))!.id;
    });

    it('refreshes with rotation and keeps the new refresh token (the old one is refused from then on)', async () => {
      const counter = new CountingFetch();
      const before = (await stored()).crmCredentials;
      const { tokens } = auth(counter);
      const [first, second] = await Promise.all([tokens.refresh(installationId), tokens.refresh(installationId)]);
      expect(counter.count('refresh_token')).toBe(1);
      expect(first).toBe(second);
      const after = (await stored()).crmCredentials;
      expect(after.accessToken).toBe(first);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(await refreshAccepted(production, before.refreshToken!)).toBe(false);
    });

    it('gives the adapter\'s session tokens and hooks that persist what its own refresh rotates', async () => {
      const installation = await stored();
      const hooks = auth().tokens.salesforceSession(installation);
      expect(hooks.tokens).toMatchObject({ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, loginUrl: production.url });
      const session = new SalesforceSession({ instanceUrl: production.url, apiVersion: '62.0', ...hooks, log: silent });
      production.expireTokens(org.orgId);
      await session.refreshAfterRejection(session.accessToken);
      const after = (await stored()).crmCredentials;
      expect(after.accessToken).toBe(session.accessToken);
      expect(after.refreshToken).not.toBe(installation.crmCredentials.refreshToken);
      expect(await refreshAccepted(production, installation.crmCredentials.refreshToken!)).toBe(false);
    });

    it('marks the installation as needing reconnection when Salesforce refuses the refresh token', async () => {
      const { refreshToken } = (await stored()).crmCredentials;
      await fetch(`${production.url}/services/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({ token: refreshToken! }) });
      const failure = await auth().tokens.refresh(installationId).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CrmError);
      expect(failure).toMatchObject({ kind: 'auth', code: 'NEEDS_RECONNECTION' });
      expect(await stored()).toMatchObject({ status: 'disconnected', statusReason: expect.stringMatching(/^needs reconnection: .*invalid_grant/) });
    });

    it('reinstall reuses the installation; disconnect then revokes the refresh token at Salesforce', async () => {
      await install({ orgId: org.orgId });
      expect((await installationOf(org.orgId))?.id).toBe(installationId);
      const { refreshToken } = (await stored()).crmCredentials;
      expect((await stored()).status).toBe('active');
      expect(await auth().disconnect(installationId)).toMatchObject({ revoked: true });
      expect(await refreshAccepted(production, refreshToken!)).toBe(false);
      expect(await stored()).toMatchObject({ status: 'disconnected', crmCredentials: {} });
    });
  });
});
