/**
 * Token custody attacked through timing and the CRM's own lifecycle (service in multi-tenant mode,
 * HubSpot sandbox, embedded store: one database connection shared by every tenant):
 *
 * - Tenant A's token endpoint is held for 10 s while A refreshes: tenant B's webhook is still
 *   acknowledged at once (the refresh holds a committed lease, not a transaction).
 * - A refresher that crashed holding the lease does not block refreshes past the lease's expiry.
 * - The app is uninstalled from a portal in HubSpot: the next refresh marks the installation
 *   uninstalled and wipes its tokens; its webhooks are acknowledged and ignored with the reason,
 *   the admin page says so, and installing again resumes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, type Auth } from '../../src/auth/auth-service.ts';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, getInstallation, type Installation } from '../../src/store/installations.ts';
import { hubSpotAppEnv } from '../support/hubspot-install.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, postWebhook, testConfig } from '../support/sync-harness.ts';
import { Browser, CountingFetch, PUBLIC_URL } from '../e2e/oauth-browser.ts';
import { connectAs } from '../support/connect-flow.ts';

const CLIENT = { clientId: 'hs-client-id', clientSecret: 'hs-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}` };
const silent = createLogger({ level: 'silent' });
const HELD_MS = 10_000;
const MINUTE = 60_000;

describe.each(storeBackends().filter((b) => b.name === 'embedded'))('token custody on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let service: RunningService;

  const config = () =>
    testConfig({
      ...environment.env,
      ...hubSpotAppEnv(hubspot),
    });
  /** The token side of another process on the same store, with a clock 4 minutes before the stored token expires. */
  const refresherNearExpiry = async (installationId: string, counter?: CountingFetch): Promise<Auth> => {
    const { expiresAt } = (await getInstallation(service.store, service.box, installationId))!.crmCredentials;
    const offset = Date.parse(expiresAt!) - 4 * MINUTE - Date.now();
    return createAuth({ config: config(), store: service.store, box: service.box, logger: silent, now: () => Date.now() + offset, ...(counter ? { fetch: counter.fetch } : {}) });
  };
  async function install(portalId: number, browser = new Browser(() => service.url)): Promise<{ installation: Installation; browser: Browser }> {
    expect((await connectAs(browser, 'hubspot', { account: portalId })).status).toBe(303);
    return { installation: (await findInstallationByCrmAccount(service.store, service.box, 'hubspot', String(portalId)))!, browser };
  }
  const webhook = (installation: Installation, conversationId: string) =>
    postWebhook(
      `${service.url}${manifest.platform.webhookPath.replace('{installationId}', installation.id)}`,
      installation.platform.webhookSecrets[0]!,
      conversationEvent('conversation.ended', conversationId),
    );

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    service = await startService({ config: config(), role: 'web', logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it("does not hold tenant B's webhook acknowledgement while tenant A's token endpoint is held for 10 s", async () => {
    const portalA = hubspot.createPortal().portalId;
    const { installation: tenantA } = await install(portalA);
    const { installation: tenantB } = await install(hubspot.createPortal().portalId);
    const counter = new CountingFetch();
    const refresher = await refresherNearExpiry(tenantA.id, counter);
    hubspot.injectFaults(portalA, { delayMs: HELD_MS, count: 1, pathPrefix: '/oauth/v1/token' });

    const started = Date.now();
    let refreshedAt = 0;
    const refreshing = refresher.tokens.getAccessToken(tenantA.id).then((token) => {
      refreshedAt = Date.now();
      return token;
    });
    // Until the refresh is at the token endpoint (it took the lease and is waiting for HubSpot).
    while (counter.count('refresh_token') === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const answer = await webhook(tenantB, 'conv_while_a_refreshes');
    const acknowledgedAfter = Date.now() - started;
    expect(answer.status).toBe(202);
    expect(refreshedAt).toBe(0);
    // Compared with the hold, not a tight budget: before the fix this waited for the whole refresh.
    expect(acknowledgedAfter).toBeLessThan(HELD_MS / 2);

    const token = await refreshing;
    expect(refreshedAt - started).toBeGreaterThanOrEqual(HELD_MS - 100);
    expect((await getInstallation(service.store, service.box, tenantA.id))!.crmCredentials.accessToken).toBe(token);
  }, 30_000);

  it("takes over the lease of a refresher that crashed, once the lease expires, and refreshes once", async () => {
    const { installation } = await install(hubspot.createPortal().portalId);
    await service.store.query(
      `UPDATE installations SET token_lease_owner = 'crashed-process', token_lease_expires_at = now() + interval '1 second' WHERE id = $1`,
      [installation.id],
    );
    const counter = new CountingFetch();
    const started = Date.now();
    const token = await (await refresherNearExpiry(installation.id, counter)).tokens.getAccessToken(installation.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(counter.count('refresh_token')).toBe(1);
    expect((await getInstallation(service.store, service.box, installation.id))!.crmCredentials.accessToken).toBe(token);
  });

  describe('the app uninstalled from the portal in HubSpot', () => {
    let portalId: number;
    let installation: Installation;
    let browser: Browser;

    beforeAll(async () => {
      portalId = hubspot.createPortal().portalId;
      ({ installation, browser } = await install(portalId));
      expect((await webhook(installation, 'conv_before_uninstall')).status).toBe(202);
      hubspot.uninstallApp(portalId, CLIENT.clientId);
    });

    it('is detected at the next refresh: the installation is uninstalled and its tokens wiped', async () => {
      const failure = await (await refresherNearExpiry(installation.id)).tokens.getAccessToken(installation.id).catch((e: unknown) => e);
      expect(failure).toMatchObject({ kind: 'auth', code: 'UNINSTALLED' });
      expect(await getInstallation(service.store, service.box, installation.id)).toMatchObject({
        status: 'uninstalled',
        statusReason: 'uninstalled from HubSpot: install again to resume',
        crmCredentials: {},
      });
    });

    it('acknowledges and ignores its webhooks, saying why', async () => {
      const answer = await webhook(installation, 'conv_after_uninstall');
      expect(answer.status).toBe(202);
      expect(await answer.json()).toMatchObject({ status: 'ignored', reason: expect.stringContaining('uninstalled from HubSpot: install again to resume') });
    });

    it('says so on the admin page, and installing again resumes the installation', async () => {
      const overview = await (await browser.request('/admin')).text();
      expect(overview).toContain('uninstalled from HubSpot: install again to resume');
      await install(portalId, browser);
      const resumed = (await getInstallation(service.store, service.box, installation.id))!;
      expect(resumed).toMatchObject({ status: 'active', statusReason: null });
      expect(resumed.crmCredentials.refreshToken).toBeDefined();
      expect((await webhook(installation, 'conv_after_reinstall')).status).toBe(202);
    });
  });
});
