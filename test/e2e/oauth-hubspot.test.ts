/**
 * The HubSpot connect flow end to end over real HTTP: the connector's install URL → the HubSpot
 * sandbox's consent page → Connect → the connector's callback → an installation, its tokens sealed
 * in the store, an admin session. Then what goes wrong: tampered, replayed, expired and
 * other-browser states, denied consent, bad client or redirect URI, a reconnect to the wrong
 * portal; and the token's life after: refresh near expiry (once for many callers, once across
 * processes), refresh refused → needs reconnection, disconnect revokes, reinstall reuses.
 */
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSessionsFor, createAuth, type Auth } from '../../src/auth/auth-service.ts';
import { CrmError } from '../../src/crm/errors.ts';
import { createHubSpotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, getInstallation, type Installation } from '../../src/store/installations.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';
import { Browser, CountingFetch, formFields, PUBLIC_URL } from './oauth-browser.ts';

const CLIENT = { clientId: 'hs-client-id', clientSecret: 'hs-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}` };
const silent = createLogger({ level: 'silent' });
const MINUTE = 60_000;

describe.each(storeBackends())('HubSpot connect flow on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let service: RunningService;
  let secondPortal: number;

  const config = () =>
    testConfig({
      ...environment.env,
      PUBLIC_URL,
      HUBSPOT_CLIENT_ID: CLIENT.clientId,
      // Multi-tenant mode against loopback sandboxes: private addresses allowed on purpose.
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'test-metrics-token',
      HUBSPOT_CLIENT_SECRET: CLIENT.clientSecret,
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
    });
  /** The auth side of another process on the same store, with its own clock and counted CRM calls. */
  const otherProcess = (options: { now?: () => number; counter?: CountingFetch } = {}): Auth =>
    createAuth({
      config: config(),
      store: service.store,
      box: service.box,
      logger: silent,
      ...(options.counter ? { fetch: options.counter.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  const newBrowser = () => new Browser(() => service.url);

  /** Install URL → consent page (checked) → the user's choice → the redirect back to the connector. */
  async function consent(browser: Browser, options: { portalId?: number; decision?: 'allow' | 'deny'; installQuery?: string } = {}) {
    const authorizeUrl = Browser.location(await browser.request(`${manifest.crms.hubspot.installPath}${options.installQuery ?? ''}`));
    const page = await browser.request(authorizeUrl);
    expect(page.status).toBe(200);
    const fields = formFields(await page.text());
    if (options.portalId !== undefined) fields.portal_id = String(options.portalId);
    const choice = await browser.request(`${hubspot.url}/oauth/authorize`, { form: { ...fields, decision: options.decision ?? 'allow' } });
    return { authorizeUrl: new URL(authorizeUrl), callbackUrl: Browser.location(choice) };
  }

  async function install(browser = newBrowser(), options: { portalId?: number; installQuery?: string } = {}) {
    const { callbackUrl } = await consent(browser, options);
    const callback = await browser.request(callbackUrl);
    return { browser, callback, callbackUrl };
  }

  const installationOf = async (portalId: number): Promise<Installation> => {
    const installation = await findInstallationByCrmAccount(service.store, service.box, 'hubspot', String(portalId));
    if (!installation) throw new Error(`no installation for portal ${portalId}`);
    return installation;
  };
  const sessionOf = (browser: Browser) => {
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return adminSessionsFor(config(), service.store).read({ get: (name: string) => (name === 'cookie' ? cookie : undefined) } as Request);
  };
  const refreshTokenKnown = async (token: string) => (await fetch(`${hubspot.url}/oauth/v1/refresh-tokens/${token}`)).status === 200;
  const installationCount = async () => (await service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM installations'))[0]?.n;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    secondPortal = hubspot.createPortal().portalId;
    service = await startService({ config: config(), role: 'web', logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  describe('a first install', () => {
    let result: Awaited<ReturnType<typeof install>>;
    let installation: Installation;

    beforeAll(async () => {
      result = await install();
      installation = await installationOf(hubspot.defaultPortal.portalId);
    });

    it('sends the user to HubSpot with the manifest scopes, the registered redirect URI and a signed state', async () => {
      const { authorizeUrl } = await consent(newBrowser(), { decision: 'deny' });
      expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${hubspot.url}/oauth/authorize`);
      expect(authorizeUrl.searchParams.get('client_id')).toBe(CLIENT.clientId);
      expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(CLIENT.redirectUri);
      expect(authorizeUrl.searchParams.get('scope')).toBe(manifest.crms.hubspot.scopes.join(' '));
      expect(authorizeUrl.searchParams.get('state')).toMatch(/^v1\.hubspot\.[\w-]+\.[\w-]+$/);
    });

    it('creates the installation for the portal HubSpot says the token opens, and lands on its admin page', () => {
      expect(result.callback.status).toBe(303);
      expect(result.callback.headers.get('location')).toBe(`/admin/installations/${installation.id}`);
      expect(installation).toMatchObject({
        name: `hubspot:${hubspot.defaultPortal.portalId}`,
        crm: 'hubspot',
        crmAccountId: String(hubspot.defaultPortal.portalId),
        crmSettings: { apiUrl: hubspot.url },
        status: 'active',
        platform: { apiUrl: null, apiKey: null },
      });
      expect(installation.platform.webhookSecrets).toEqual([expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/)]);
    });

    it('stores working tokens, sealed: the raw column holds neither token', async () => {
      const { accessToken, refreshToken, expiresAt } = installation.crmCredentials;
      expect(await refreshTokenKnown(refreshToken!)).toBe(true);
      const info = await fetch(`${hubspot.url}/oauth/v1/access-tokens/${accessToken}`);
      expect(((await info.json()) as { hub_id: number }).hub_id).toBe(hubspot.defaultPortal.portalId);
      expect(Date.parse(expiresAt!)).toBeGreaterThan(Date.now() + 25 * MINUTE);
      const [raw] = await service.store.query<{ sealed: string }>('SELECT crm_credentials_sealed AS sealed FROM installations WHERE id = $1', [installation.id]);
      expect(raw?.sealed).toMatch(/^v1\./);
      expect(raw?.sealed).not.toContain(accessToken);
      expect(raw?.sealed).not.toContain(refreshToken);
    });

    it('signs the browser in to that installation\'s admin pages', async () => {
      expect(await sessionOf(result.browser)).toMatchObject({ installationIds: [installation.id], user: 'sandbox-admin@example.com' });
      expect(result.browser.cookies.has('cc_admin')).toBe(true);
    });

    it('refuses the same callback a second time (replayed state), changing nothing', async () => {
      const replay = await result.browser.request(result.callbackUrl);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('already used');
      expect((await installationOf(hubspot.defaultPortal.portalId)).updatedAt).toEqual(installation.updatedAt);
    });

    it('reuses the installation when the same portal installs again, keeping its webhook secret', async () => {
      const again = await install();
      const reinstalled = await installationOf(hubspot.defaultPortal.portalId);
      expect(again.callback.headers.get('location')).toBe(`/admin/installations/${installation.id}`);
      expect(reinstalled.id).toBe(installation.id);
      expect(reinstalled.platform.webhookSecrets).toEqual(installation.platform.webhookSecrets);
      expect(reinstalled.crmCredentials.accessToken).not.toBe(installation.crmCredentials.accessToken);
    });

    it('creates a separate installation for another portal; the browser\'s new session manages that one only (no merging)', async () => {
      const { browser } = await install(result.browser, { portalId: secondPortal });
      const second = await installationOf(secondPortal);
      expect(second.id).not.toBe(installation.id);
      expect(second.platform.webhookSecrets).not.toEqual(installation.platform.webhookSecrets);
      expect((await sessionOf(browser))?.installationIds).toEqual([second.id]);
    });
  });

  describe('refused flows', () => {
    it('refuses a tampered state before anything is exchanged', async () => {
      const before = await installationCount();
      const browser = newBrowser();
      const { callbackUrl } = await consent(browser);
      const url = new URL(callbackUrl);
      const state = url.searchParams.get('state')!;
      url.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
      const answer = await browser.request(url.toString());
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('altered');
      expect(await installationCount()).toBe(before);
    });

    it('refuses an expired state', async () => {
      const browser = newBrowser();
      const { callbackUrl } = await consent(browser);
      await service.store.query(`UPDATE oauth_states SET expires_at = now() - interval '1 minute'`);
      const answer = await browser.request(callbackUrl);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('expired');
    });

    it('refuses a callback completed in another browser than the one that started it', async () => {
      const { callbackUrl } = await consent(newBrowser());
      const answer = await newBrowser().request(callbackUrl);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('another browser');
    });

    it('explains a denied consent and connects nothing', async () => {
      const before = await installationCount();
      const browser = newBrowser();
      const { callbackUrl } = await consent(browser, { decision: 'deny' });
      expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
      const answer = await browser.request(callbackUrl);
      expect(answer.status).toBe(403);
      const page = await answer.text();
      expect(page).toContain('access_denied');
      expect(page).toContain(`href="${manifest.crms.hubspot.installPath}?purpose=install"`);
      expect(await installationCount()).toBe(before);
      expect(browser.cookies.has('cc_admin')).toBe(false);
    });

    it('answers an unknown client id or an unregistered redirect URI with an error page, not a redirect', async () => {
      const base = { redirect_uri: CLIENT.redirectUri, scope: 'oauth', state: 's' };
      for (const query of [{ ...base, client_id: 'someone-else' }, { ...base, client_id: CLIENT.clientId, redirect_uri: 'https://evil.example/cb' }]) {
        const answer = await fetch(`${hubspot.url}/oauth/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });
        expect(answer.status).toBe(400);
        expect(answer.headers.get('location')).toBeNull();
      }
    });

    it('refuses to reconnect an installation to a different portal, and revokes that grant', async () => {
      const installation = await installationOf(hubspot.defaultPortal.portalId);
      const browser = newBrowser();
      const { callbackUrl } = await consent(browser, { portalId: secondPortal, installQuery: `?purpose=reconnect&installation=${installation.id}` });
      const answer = await browser.request(callbackUrl);
      expect(answer.status).toBe(409);
      expect((await installationOf(hubspot.defaultPortal.portalId)).crmCredentials).toEqual(installation.crmCredentials);
    });

    it('answers a bad install link with what is wrong', async () => {
      const answer = await newBrowser().request(`${manifest.crms.hubspot.installPath}?purpose=reconnect`);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('installation: is required with purpose=reconnect');
    });
  });

  describe('tokens after the install', () => {
    let installationId: string;
    /** A clock at 4 minutes before the stored token expires: inside the 5-minute refresh margin. */
    const nearExpiryClock = async () => {
      const { expiresAt } = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      const offset = Date.parse(expiresAt!) - 4 * MINUTE - Date.now();
      return () => Date.now() + offset;
    };

    beforeAll(async () => {
      await install();
      installationId = (await installationOf(hubspot.defaultPortal.portalId)).id;
    });

    it('hands out the stored token while it has more than 5 minutes left', async () => {
      const counter = new CountingFetch();
      const stored = (await getInstallation(service.store, service.box, installationId))!.crmCredentials.accessToken;
      expect(await otherProcess({ counter }).tokens.getAccessToken(installationId)).toBe(stored);
      expect(counter.count('refresh_token')).toBe(0);
    });

    it('refreshes once for many concurrent callers near expiry, and stores the new (rotated) tokens', async () => {
      const counter = new CountingFetch();
      const before = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      const { tokens } = otherProcess({ counter, now: await nearExpiryClock() });
      const handedOut = await Promise.all(Array.from({ length: 8 }, () => tokens.getAccessToken(installationId)));
      expect(counter.count('refresh_token')).toBe(1);
      expect(new Set(handedOut).size).toBe(1);
      const after = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      expect(after.accessToken).toBe(handedOut[0]);
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(await refreshTokenKnown(after.refreshToken!)).toBe(true);
      expect(await refreshTokenKnown(before.refreshToken!)).toBe(false);
    });

    it('refreshes once across two processes: the one that waited for the row lock takes the stored token', async () => {
      const counter = new CountingFetch();
      // Both see the token as expiring; the sandbox rotates refresh tokens, so a second refresh would be refused.
      const now = await nearExpiryClock();
      const [a, b] = [otherProcess({ counter, now }), otherProcess({ counter, now })];
      const before = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      const tokensOf = await Promise.all([a.tokens.getAccessToken(installationId), b.tokens.getAccessToken(installationId)]);
      expect(counter.count('refresh_token')).toBe(1);
      expect(tokensOf[0]).toBe(tokensOf[1]);
      expect(tokensOf[0]).not.toBe(before.accessToken);
      expect((await getInstallation(service.store, service.box, installationId))?.status).toBe('active');
    });

    it('keeps the HubSpot adapter working when HubSpot expires the token early: one refresh after the 401', async () => {
      const counter = new CountingFetch();
      const installation = (await getInstallation(service.store, service.box, installationId))!;
      const adapter = createHubSpotAdapter({
        portalId: installation.crmAccountId!,
        basePath: hubspot.url,
        tokens: otherProcess({ counter }).tokens.hubspot(installation),
        log: silent,
      });
      hubspot.expireTokens(hubspot.defaultPortal.portalId);
      await adapter.ensureSchema();
      expect(counter.count('refresh_token')).toBe(1);
      const stored = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      expect(stored.accessToken).not.toBe(installation.crmCredentials.accessToken);
      expect(hubspot.state(hubspot.defaultPortal.portalId).customProperties.deals.length).toBeGreaterThan(0);
    });

    it('marks the installation uninstalled, tokens wiped, when HubSpot refuses the refresh token (the app was removed)', async () => {
      const { refreshToken } = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      await fetch(`${hubspot.url}/oauth/v1/refresh-tokens/${refreshToken}`, { method: 'DELETE' });
      const failure = await otherProcess({ now: await nearExpiryClock() }).tokens.getAccessToken(installationId).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CrmError);
      expect(failure).toMatchObject({ kind: 'auth', code: 'UNINSTALLED' });
      const installation = await getInstallation(service.store, service.box, installationId);
      expect(installation).toMatchObject({ status: 'uninstalled', statusReason: 'uninstalled from HubSpot: install again to resume', crmCredentials: {} });
    });

    it('reconnecting the same portal makes the installation active again', async () => {
      const browser = newBrowser();
      const { callbackUrl } = await consent(browser, { installQuery: `?purpose=reconnect&installation=${installationId}` });
      expect((await browser.request(callbackUrl)).status).toBe(303);
      expect(await getInstallation(service.store, service.box, installationId)).toMatchObject({ status: 'active', statusReason: null });
    });

    it('disconnect revokes the refresh token at HubSpot, wipes the tokens and stops the installation', async () => {
      const { refreshToken } = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
      expect(await refreshTokenKnown(refreshToken!)).toBe(true);
      const result = await otherProcess().disconnect(installationId);
      expect(result).toMatchObject({ revoked: true });
      expect(await refreshTokenKnown(refreshToken!)).toBe(false);
      const installation = await getInstallation(service.store, service.box, installationId);
      expect(installation).toMatchObject({ status: 'disconnected', crmCredentials: {} });
      const failure = await otherProcess().tokens.getAccessToken(installationId).catch((e: unknown) => e);
      expect(failure).toMatchObject({ kind: 'auth', code: 'DISCONNECTED' });
    });

    it('a reinstall after the disconnect reuses the installation', async () => {
      await install();
      expect(await getInstallation(service.store, service.box, installationId)).toMatchObject({ status: 'active' });
      expect((await installationOf(hubspot.defaultPortal.portalId)).id).toBe(installationId);
    });
  });
});
