import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configIssuesOf } from '../support/config-issues.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = `whsec_${Buffer.from('a signing secret').toString('base64')}`;
const singleTenant = {
  PLATFORM_API_URL: 'https://platform.example/',
  PLATFORM_API_KEY: 'sk_live_1',
  PLATFORM_WEBHOOK_SECRET: SECRET,
  CRM: 'hubspot',
  HUBSPOT_ACCESS_TOKEN: 'pat-na1-123',
};

const issuesOf = (env: Record<string, string>) => configIssuesOf(env);

describe('loadConfig', () => {
  it('has safe defaults with an empty environment: loopback, embedded store, no single tenant', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('/srv', 'data'),
      databaseUrl: undefined,
      secretKeys: undefined,
      mappingsDir: path.resolve('/srv', 'mappings'),
      webhookMaxBodyBytes: 1024 * 1024,
      singleTenant: undefined,
      sync: { extractionWaitSeconds: 60, retryLimit: 8, retryDelaySeconds: 30, batchSize: 50, pollIntervalSeconds: 2 },
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' }, '/srv')).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('names every bad variable at once', () => {
    const issues = issuesOf({ PORT: '70000', SYNC_BATCH_SIZE: 'many', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(issues).toEqual([
      'PORT: must be a whole number between 0 and 65535',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      'SYNC_BATCH_SIZE: must be a whole number between 1 and 500',
    ]);
  });

  it('requires CONNECTOR_SECRET_KEY with DATABASE_URL, and checks its length', () => {
    expect(issuesOf({ DATABASE_URL: 'postgres://db/x' })[0]).toMatch(/^CONNECTOR_SECRET_KEY: is required when DATABASE_URL is set/);
    expect(issuesOf({ CONNECTOR_SECRET_KEY: Buffer.alloc(16).toString('base64') })[0]).toMatch(
      /^CONNECTOR_SECRET_KEY: the key must be the base64 of exactly 32 random bytes/,
    );
    const other = Buffer.alloc(32, 9).toString('base64');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', CONNECTOR_SECRET_KEY: `${KEY}, ${other}` }).secretKeys).toEqual([KEY, other]);
  });

  it('builds the single-tenant installation, with several webhook secrets for rotation', () => {
    const second = `whsec_${Buffer.from('the next secret').toString('base64')}`;
    const config = loadConfig({ ...singleTenant, PLATFORM_WEBHOOK_SECRET: `${SECRET}, ${second}` }, '/srv');
    expect(config.singleTenant).toEqual({
      platform: { apiUrl: 'https://platform.example/', apiKey: 'sk_live_1', webhookSecrets: [SECRET, second] },
      crm: { crm: 'hubspot', accessToken: 'pat-na1-123', apiUrl: 'https://api.hubapi.com' },
    });
  });

  it('refuses a half-configured single tenant, naming each missing variable', () => {
    expect(issuesOf({ PLATFORM_API_URL: 'https://platform.example' })).toEqual([
      'PLATFORM_API_KEY: is required for the single-tenant installation (PLATFORM_API_URL is set)',
      'PLATFORM_WEBHOOK_SECRET: is required for the single-tenant installation (PLATFORM_API_URL is set)',
      'CRM: is required for the single-tenant installation (PLATFORM_API_URL is set); hubspot or salesforce',
    ]);
    expect(issuesOf({ ...singleTenant, HUBSPOT_ACCESS_TOKEN: '' })).toEqual([
      "HUBSPOT_ACCESS_TOKEN: is required when CRM=hubspot (the private app's access token)",
    ]);
    expect(issuesOf({ HUBSPOT_ACCESS_TOKEN: 'pat' })[0]).toMatch(/^HUBSPOT_ACCESS_TOKEN: CRM credentials are only used by the single-tenant/);
  });

  it('checks webhook secrets are Standard Webhooks secrets', () => {
    expect(issuesOf({ ...singleTenant, PLATFORM_WEBHOOK_SECRET: 'plain-secret' })).toEqual([
      'PLATFORM_WEBHOOK_SECRET: the secret must start with "whsec_" (Standard Webhooks format)',
    ]);
  });

  it('requires Salesforce tokens that can work: an access token, or a refresh token with its connected app', () => {
    const sf = { ...singleTenant, CRM: 'salesforce', HUBSPOT_ACCESS_TOKEN: '', SALESFORCE_INSTANCE_URL: 'https://acme.my.salesforce.com' };
    expect(issuesOf(sf)).toEqual(['SALESFORCE_ACCESS_TOKEN: is required when CRM=salesforce, unless SALESFORCE_REFRESH_TOKEN is set']);
    expect(issuesOf({ ...sf, SALESFORCE_REFRESH_TOKEN: 'r' }).map((i) => i.split(':')[0])).toEqual([
      'SALESFORCE_CLIENT_ID',
      'SALESFORCE_CLIENT_SECRET',
    ]);
    const config = loadConfig({ ...sf, SALESFORCE_REFRESH_TOKEN: 'r', SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 's' });
    expect(config.singleTenant?.crm).toEqual({
      crm: 'salesforce',
      instanceUrl: 'https://acme.my.salesforce.com',
      loginUrl: 'https://login.salesforce.com',
      accessToken: undefined,
      refreshToken: 'r',
      clientId: 'id',
      clientSecret: 's',
    });
  });

  it('never echoes other environment variables into errors', () => {
    const issues = issuesOf({ PORT: 'x', AWS_SECRET_ACCESS_KEY: 'do-not-print' });
    expect(issues.join('\n')).not.toContain('do-not-print');
  });
});
