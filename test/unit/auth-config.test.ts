/** The OAuth apps' configuration: complete pairs, PUBLIC_URL for redirect URIs, defaults from the manifest. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configIssuesOf } from '../support/config-issues.ts';
import { manifest } from '../../src/manifest.ts';

const issuesOf = (env: Record<string, string>) => configIssuesOf(env);

describe('OAuth app configuration', () => {
  it('configures no app by default: multi-tenant mode needs no single-tenant variables', () => {
    expect(loadConfig({}).oauth).toEqual({ hubspot: undefined, salesforce: undefined });
  });

  it('takes the authorize URL, API URL and login hosts from the manifest unless overridden', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://connector.example.com',
      HUBSPOT_CLIENT_ID: 'hs-id',
      HUBSPOT_CLIENT_SECRET: 'hs-secret',
      SALESFORCE_CLIENT_ID: 'sf-id',
      SALESFORCE_CLIENT_SECRET: 'sf-secret',
      SALESFORCE_SANDBOX_LOGIN_URL: 'https://acme--uat.sandbox.my.salesforce.com',
      METRICS_TOKEN: 'metrics',
    });
    expect(config.oauth).toEqual({
      hubspot: { clientId: 'hs-id', clientSecret: 'hs-secret', authorizeUrl: manifest.crms.hubspot.authorizeUrl, apiUrl: manifest.crms.hubspot.apiUrl },
      salesforce: {
        clientId: 'sf-id',
        clientSecret: 'sf-secret',
        loginUrls: { production: manifest.crms.salesforce.loginUrls.production, sandbox: 'https://acme--uat.sandbox.my.salesforce.com' },
      },
    });
  });

  it('names the missing half of a client id/secret pair, and PUBLIC_URL', () => {
    expect(issuesOf({ HUBSPOT_CLIENT_ID: 'hs-id' })).toEqual(["HUBSPOT_CLIENT_SECRET: is required with HUBSPOT_CLIENT_ID (the OAuth app's client secret)"]);
    expect(issuesOf({ SALESFORCE_CLIENT_SECRET: 's' })).toEqual(["SALESFORCE_CLIENT_ID: is required with SALESFORCE_CLIENT_SECRET (the OAuth app's client id)"]);
    expect(issuesOf({ HUBSPOT_CLIENT_ID: 'hs-id', HUBSPOT_CLIENT_SECRET: 's', METRICS_TOKEN: 'm' })).toEqual([
      `PUBLIC_URL: is required with HUBSPOT_CLIENT_ID: the OAuth redirect URI is PUBLIC_URL + ${manifest.crms.hubspot.redirectPath}, as registered with the app`,
    ]);
    expect(issuesOf({ HUBSPOT_AUTHORIZE_URL: 'app.hubspot.com/oauth' })).toEqual(['HUBSPOT_AUTHORIZE_URL: must be an absolute http(s) URL']);
  });

  it('is multi-tenant with an OAuth app: METRICS_TOKEN is required and private network URLs are off unless opted in', () => {
    const app = { PUBLIC_URL: 'https://connector.example.com', HUBSPOT_CLIENT_ID: 'hs-id', HUBSPOT_CLIENT_SECRET: 'hs-secret' };
    expect(issuesOf(app)).toEqual([
      "METRICS_TOKEN: is required when an OAuth app is configured (multi-tenant mode): /metrics labels name every tenant's CRM account; generate one with: openssl rand -hex 32",
    ]);
    const config = loadConfig({ ...app, METRICS_TOKEN: 'm' });
    expect(config).toMatchObject({ multiTenant: true, outbound: { allowPrivateNetworks: false, requireHttps: true } });
    expect(loadConfig({ ...app, METRICS_TOKEN: 'm', ALLOW_PRIVATE_NETWORK_URLS: 'true' }).outbound).toEqual({ allowPrivateNetworks: true, requireHttps: true });
    expect(issuesOf({ ALLOW_PRIVATE_NETWORK_URLS: 'sometimes' })).toEqual(['ALLOW_PRIVATE_NETWORK_URLS: must be true or false']);
    // Self-hosting trusts its operator's URLs.
    expect(loadConfig({})).toMatchObject({ multiTenant: false, outbound: { allowPrivateNetworks: true, requireHttps: false } });
  });

  it('treats SALESFORCE_CLIENT_ID/SECRET as the single-tenant installation\'s when CRM=salesforce', () => {
    const config = loadConfig({
      PLATFORM_API_URL: 'https://api.platform.example',
      PLATFORM_API_KEY: 'key',
      PLATFORM_WEBHOOK_SECRET: 'whsec_dGVzdA==',
      CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com',
      SALESFORCE_REFRESH_TOKEN: 'r',
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_CLIENT_SECRET: 's',
    });
    expect(config.oauth.salesforce).toBeUndefined();
    expect(config.singleTenant?.crm).toMatchObject({ clientId: 'id', clientSecret: 's' });
  });
});
