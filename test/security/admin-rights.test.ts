/**
 * Who is an admin, attacked through the real connect flow (service in multi-tenant mode, HubSpot
 * and Salesforce sandboxes): any user of a portal/org can complete OAuth, so each test signs in or
 * installs as a user who must not administer the installation and checks that nothing changed
 * (no session, stored tokens identical) and that the grant the attempt produced was revoked; then
 * that the users who may (Salesforce permissions, HubSpot owner / added admin / super admin) get in,
 * that signing in never replaces the stored tokens, and that an admin's reconnect revokes the grant
 * it replaces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalUser } from '../../src/sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, getInstallation, type Installation } from '../../src/store/installations.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';
import { Browser, formFields, PUBLIC_URL } from '../e2e/oauth-browser.ts';
import { connectAs } from '../support/connect-flow.ts';

const HS_CLIENT = { clientId: 'hs-client-id', clientSecret: 'hs-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}` };
const SF_CLIENT = { clientId: '3MVG9security', clientSecret: 'sf-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.salesforce.redirectPath}` };
const silent = createLogger({ level: 'silent' });

describe.each(storeBackends())('who is an admin, on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let salesforce: SalesforceSandbox;
  let service: RunningService;

  const newBrowser = () => new Browser(() => service.url);
  /** The sealed credentials column and its version: byte-for-byte what a sign-in must leave alone. */
  const storedTokens = async (id: string) =>
    (await service.store.query<{ sealed: string; version: number }>('SELECT crm_credentials_sealed AS sealed, token_version AS version FROM installations WHERE id = $1', [id]))[0];
  const installationOf = async (crm: 'hubspot' | 'salesforce', account: string | number): Promise<Installation | undefined> =>
    findInstallationByCrmAccount(service.store, service.box, crm, String(account));
  /** Whether the browser now holds a session for the installation's pages. */
  const canOpen = async (browser: Browser, id: string) => (await browser.request(`/admin/installations/${id}/syncs`)).status === 200;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [HS_CLIENT] });
    salesforce = await startSalesforceSandbox({ oauthClients: [SF_CLIENT], log: silent });
    const config = testConfig({
      ...environment.env,
      PUBLIC_URL,
      HUBSPOT_CLIENT_ID: HS_CLIENT.clientId,
      HUBSPOT_CLIENT_SECRET: HS_CLIENT.clientSecret,
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
      SALESFORCE_CLIENT_ID: SF_CLIENT.clientId,
      SALESFORCE_CLIENT_SECRET: SF_CLIENT.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_SANDBOX_LOGIN_URL: salesforce.url,
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'metrics-token-for-tests',
    });
    expect(config.multiTenant).toBe(true);
    service = await startService({ config, role: 'web', logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await salesforce?.close();
    await environment?.dispose();
  });

  describe('Salesforce: Customize Application or Modify All Data', () => {
    let orgId: string;
    let installation: Installation;

    beforeAll(async () => {
      orgId = salesforce.createOrg().orgId;
      expect((await connectAs(newBrowser(), 'salesforce', { account: orgId })).status).toBe(303);
      installation = (await installationOf('salesforce', orgId))!;
    });

    it('refuses a user with neither permission, signing in or installing again: a clear page, nothing changed, their grant revoked', async () => {
      const viewer = salesforce.addUser(orgId, { username: 'viewer@security-org.example' });
      const before = await storedTokens(installation.id);
      for (const [i, purpose] of (['login', 'install'] as const).entries()) {
        const browser = newBrowser();
        const answer = await connectAs(browser, 'salesforce', { purpose, account: orgId, user: viewer.username });
        expect(answer.status).toBe(403);
        const page = await answer.text();
        expect(page).toContain('viewer@security-org.example has neither the Customize Application nor the Modify All Data permission');
        expect(page).toContain('Nothing was changed');
        expect(await storedTokens(installation.id)).toEqual(before);
        expect(await canOpen(browser, installation.id)).toBe(false);
        expect(salesforce.revokedGrantsOf(orgId, viewer.userId)).toBe(i + 1);
      }
    });

    it('refuses such a user installing an org that has no installation yet: none is created', async () => {
      const otherOrg = salesforce.createOrg().orgId;
      const viewer = salesforce.addUser(otherOrg, { username: 'viewer@fresh-org.example' });
      expect((await connectAs(newBrowser(), 'salesforce', { account: otherOrg, user: viewer.username })).status).toBe(403);
      expect(await installationOf('salesforce', otherOrg)).toBeUndefined();
      expect(salesforce.revokedGrantsOf(otherOrg, viewer.userId)).toBe(1);
    });

    it('lets in a user with Modify All Data only; the sign-in leaves the stored tokens as they were', async () => {
      const dataAdmin = salesforce.addUser(orgId, { username: 'data-admin@security-org.example', modifyAllData: true });
      const before = await storedTokens(installation.id);
      const browser = newBrowser();
      expect((await connectAs(browser, 'salesforce', { purpose: 'login', account: orgId, user: dataAdmin.username })).status).toBe(303);
      expect(await canOpen(browser, installation.id)).toBe(true);
      expect(await storedTokens(installation.id)).toEqual(before);
      expect(salesforce.revokedGrantsOf(orgId, dataAdmin.userId)).toBe(1);
    });
  });

  describe('HubSpot: the owner, added admins and super admins', () => {
    let portalId: number;
    let owner: PortalUser;
    let ownerBrowser: Browser;
    let installation: Installation;

    const adminsPath = () => `/admin/installations/${installation.id}/admins`;
    const csrfOf = async (browser: Browser) => formFields(await (await browser.request(adminsPath())).text())._csrf!;

    beforeAll(async () => {
      portalId = hubspot.createPortal().portalId;
      // Not a super admin: the installation is theirs because they installed it.
      owner = hubspot.addUser(portalId, { email: 'owner@portal.example' });
      ownerBrowser = newBrowser();
      expect((await connectAs(ownerBrowser, 'hubspot', { account: portalId, user: owner.email })).status).toBe(303);
      installation = (await installationOf('hubspot', portalId))!;
    });

    it('refuses a user who is neither owner, added admin nor super admin: a clear page, nothing changed, their grant revoked', async () => {
      const member = hubspot.addUser(portalId, { email: 'member@portal.example' });
      const before = await storedTokens(installation.id);
      for (const [i, purpose] of (['login', 'install'] as const).entries()) {
        const browser = newBrowser();
        const answer = await connectAs(browser, 'hubspot', { purpose, account: portalId, user: member.email });
        expect(answer.status).toBe(403);
        expect(await answer.text()).toContain('HubSpot user member@portal.example is not an admin of this installation');
        expect(await storedTokens(installation.id)).toEqual(before);
        expect(await canOpen(browser, installation.id)).toBe(false);
        expect(hubspot.revokedGrantsOf(portalId, member.userId)).toBe(i + 1);
      }
    });

    it('lets in a super admin of the portal (HubSpot users API); signing in leaves the stored tokens as they were', async () => {
      const superAdmin = hubspot.addUser(portalId, { email: 'super@portal.example', superAdmin: true });
      const before = await storedTokens(installation.id);
      const browser = newBrowser();
      expect((await connectAs(browser, 'hubspot', { purpose: 'login', account: portalId, user: superAdmin.email })).status).toBe(303);
      expect(await canOpen(browser, installation.id)).toBe(true);
      expect(await storedTokens(installation.id)).toEqual(before);
      // The sign-in's own grant is not kept.
      expect(hubspot.revokedGrantsOf(portalId, superAdmin.userId)).toBe(1);
    });

    it('lets in a user an admin added on the Admins page, and refuses them again once removed', async () => {
      const colleague = hubspot.addUser(portalId, { email: 'colleague@portal.example' });
      const added = await ownerBrowser.request(adminsPath(), { form: { _csrf: await csrfOf(ownerBrowser), who: 'Colleague@Portal.example' } });
      expect(added.status).toBe(303);
      const page = await (await ownerBrowser.request(adminsPath())).text();
      expect(page).toContain('colleague@portal.example');
      const browser = newBrowser();
      expect((await connectAs(browser, 'hubspot', { purpose: 'login', account: portalId, user: colleague.email })).status).toBe(303);
      expect(await canOpen(browser, installation.id)).toBe(true);

      const entry = /<tr data-admin="(\d+)">\s*<td[^>]*>colleague@portal\.example/.exec(page)?.[1];
      expect(entry).toBeDefined();
      const removed = await ownerBrowser.request(`${adminsPath()}/remove`, { form: { _csrf: await csrfOf(ownerBrowser), adminId: entry! } });
      expect(removed.status).toBe(303);
      // The session they already hold ends with the removal.
      expect(await canOpen(browser, installation.id)).toBe(false);
      expect((await connectAs(newBrowser(), 'hubspot', { purpose: 'login', account: portalId, user: colleague.email })).status).toBe(403);
    });

    it('never removes the owner', async () => {
      const page = await (await ownerBrowser.request(adminsPath())).text();
      const ownerEntry = /<tr data-admin="(\d+)">\s*<td[^>]*>owner@portal\.example/.exec(page)?.[1];
      expect(ownerEntry).toBeDefined();
      const answer = await ownerBrowser.request(`${adminsPath()}/remove`, { form: { _csrf: await csrfOf(ownerBrowser), adminId: ownerEntry! } });
      expect(answer.headers.get('location')).toContain('notice=admin-owner');
      expect((await connectAs(newBrowser(), 'hubspot', { purpose: 'login', account: portalId, user: owner.email })).status).toBe(303);
    });

    it('an admin reconnecting replaces the stored tokens and revokes the grant they replaced', async () => {
      const before = (await getInstallation(service.store, service.box, installation.id))!.crmCredentials;
      const answer = await connectAs(newBrowser(), 'hubspot', { purpose: 'reconnect', installationId: installation.id, account: portalId, user: owner.email });
      expect(answer.status).toBe(303);
      const after = (await getInstallation(service.store, service.box, installation.id))!.crmCredentials;
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(hubspot.refreshTokenRevoked(before.refreshToken!)).toBe(true);
      expect(hubspot.refreshTokenRevoked(after.refreshToken!)).toBe(false);
      expect((await fetch(`${hubspot.url}/oauth/v1/refresh-tokens/${after.refreshToken}`)).status).toBe(200);
    });
  });
});
