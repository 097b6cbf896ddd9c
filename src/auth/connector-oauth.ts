/**
 * The connector's OAuth apps as clients, built from the configuration and the manifest: redirect
 * URIs are PUBLIC_URL + the manifest's redirect paths, scopes are the manifest's. A CRM whose app
 * is not configured has no client, and its connect flow answers that it is not set up.
 */
import type { Config } from '../config.ts';
import { manifest as shippedManifest, type Manifest } from '../manifest.ts';
import { sharedOutboundGuard, type OutboundGuard } from '../net/outbound-guard.ts';
import { HubSpotOAuth } from './hubspot-oauth.ts';
import type { Fetch } from './oauth-http.ts';
import { SalesforceOAuth } from './salesforce-oauth.ts';

export interface ConnectorOAuth {
  hubspot: HubSpotOAuth | undefined;
  salesforce: SalesforceOAuth | undefined;
}

/** PUBLIC_URL may carry a path prefix (a reverse proxy's); the manifest path goes after it. */
export const redirectUriOf = (publicUrl: string, path: string): string => `${publicUrl.replace(/\/+$/, '')}${path}`;

export function connectorOAuth(
  config: Pick<Config, 'publicUrl' | 'oauth' | 'outbound'>,
  options: { fetch?: Fetch; manifest?: Manifest; now?: () => number; outbound?: OutboundGuard | undefined } = {},
): ConnectorOAuth {
  const manifest = options.manifest ?? shippedManifest;
  const { hubspot, salesforce } = config.oauth;
  const publicUrl = config.publicUrl;
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  return {
    hubspot:
      hubspot && publicUrl
        ? new HubSpotOAuth({
            app: hubspot,
            manifest: manifest.crms.hubspot,
            redirectUri: redirectUriOf(publicUrl, manifest.crms.hubspot.redirectPath),
            ...fetchOption,
            ...(options.now ? { now: options.now } : {}),
          })
        : undefined,
    salesforce:
      salesforce && publicUrl
        ? new SalesforceOAuth({
            app: salesforce,
            manifest: manifest.crms.salesforce,
            redirectUri: redirectUriOf(publicUrl, manifest.crms.salesforce.redirectPath),
            outbound: options.outbound ?? sharedOutboundGuard(config.outbound),
            ...fetchOption,
          })
        : undefined,
  };
}
