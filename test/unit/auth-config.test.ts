/** The OAuth apps' configuration: complete pairs, PUBLIC_URL for redirect URIs, defaults from the manifest. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { manifest } from '../../src/manifest.ts';

const issuesOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

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
    expect(issuesOf({ HUBSPOT_CLIENT_ID: 'hs-id', HUBSPOT_CLIENT_SECRET: 's' })).toEqual([
      `PUBLIC_URL: is required with HUBSPOT_CLIENT_ID: the OAuth redirect URI is PUBLIC_URL + ${manifest.crms.hubspot.redirectPath}, as registered with the app`,
    ]);
    expect(issuesOf({ HUBSPOT_AUTHORIZE_URL: 'app.hubspot.com/oauth' })).toEqual(['HUBSPOT_AUTHORIZE_URL: must be an absolute http(s) URL']);
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
