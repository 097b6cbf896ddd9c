/**
 * A HubSpot portal installed through the connect flow (connect-flow.ts) by the portal's
 * administrator, for suites that need installed tenants. The browser keeps the
 * admin session the callback set.
 */
import { expect } from 'vitest';
import { manifest } from '../../src/manifest.ts';
import type { RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount, type Installation } from '../../src/store/installations.ts';
import { Browser, PUBLIC_URL } from '../e2e/oauth-browser.ts';
import { connectAs } from './connect-flow.ts';

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

export async function installHubSpotPortal(service: RunningService, portalId: number): Promise<InstalledTenant> {
  const browser = new Browser(() => service.url);
  expect((await connectAs(browser, 'hubspot', { account: portalId })).status).toBe(303);
  const installation = await findInstallationByCrmAccount(service.store, service.box, 'hubspot', String(portalId));
  if (!installation) throw new Error(`portal ${portalId} was not installed`);
  return { installation, browser };
}

/**
 * The environment of a multi-tenant service whose HubSpot app is the sandbox's `client`: its loopback
 * sandboxes are reached on purpose (ALLOW_PRIVATE_NETWORK_URLS), and /metrics needs the token.
 */
export function hubSpotAppEnv(hubspot: { url: string }, options: { publicUrl?: string; client?: typeof HUBSPOT_TEST_CLIENT } = {}): Record<string, string> {
  const client = options.client ?? HUBSPOT_TEST_CLIENT;
  return {
    PUBLIC_URL: options.publicUrl ?? PUBLIC_URL,
    HUBSPOT_CLIENT_ID: client.clientId,
    HUBSPOT_CLIENT_SECRET: client.clientSecret,
    HUBSPOT_API_URL: hubspot.url,
    HUBSPOT_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
    ALLOW_PRIVATE_NETWORK_URLS: 'true',
    METRICS_TOKEN: 'test-metrics-token',
  };
}
