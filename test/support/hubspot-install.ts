/**
 * The HubSpot connect flow as an admin's browser walks it (install link → sandbox consent page,
 * choosing a portal → callback), for suites that need installed tenants. The browser keeps the
 * admin session the callback set.
 */
import { expect } from 'vitest';
import { manifest } from '../../src/manifest.ts';
import type { HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import type { RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, type Installation } from '../../src/store/installations.ts';
import { Browser, formFields, PUBLIC_URL } from '../e2e/oauth-browser.ts';

/** The OAuth client the sandbox knows and the connector is configured with. */
export const HUBSPOT_TEST_CLIENT = {
  clientId: 'hs-client-id',
  clientSecret: 'hs-client-secret',
  redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}`,
};

export interface InstalledTenant {
  installation: Installation;
  browser: Browser;
}

export async function installHubSpotPortal(service: RunningService, hubspot: HubSpotSandbox, portalId: number): Promise<InstalledTenant> {
  const browser = new Browser(() => service.url);
  const authorizeUrl = Browser.location(await browser.request(manifest.crms.hubspot.installPath));
  const fields = formFields(await (await browser.request(authorizeUrl)).text());
  const consent = { ...fields, portal_id: String(portalId), decision: 'allow' };
  const callback = Browser.location(await browser.request(`${hubspot.url}/oauth/authorize`, { form: consent }));
  expect((await browser.request(callback)).status).toBe(303);
  const installation = await findInstallationByCrmAccount(service.store, service.box, 'hubspot', String(portalId));
  if (!installation) throw new Error(`portal ${portalId} was not installed`);
  return { installation, browser };
}
