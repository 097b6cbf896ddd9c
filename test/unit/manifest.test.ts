/**
 * manifest.json: the shipped one is valid and is what the server and the HubSpot project use;
 * a broken one is refused with every problem and its key path.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import raw from '../../manifest.json' with { type: 'json' };
import { connectorOAuth } from '../../src/auth/connector-oauth.ts';
import { hubSpotProjectFiles, writeHubSpotProject } from '../../src/auth/hubspot-project.ts';
import { loadConfig } from '../../src/config.ts';
import { manifest, ManifestError, parseManifest, readManifest } from '../../src/manifest.ts';
import { KNOWN_EVENT_TYPES } from '../../src/platform/webhook-event.ts';

const issuesOf = (json: unknown): string[] => {
  try {
    parseManifest(json, 'bad.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as Error).message.split('\n  - ').slice(1);
  }
  throw new Error('expected the manifest to be refused');
};

describe('manifest.json', () => {
  it('is valid, and declares exactly the webhook events the connector consumes', () => {
    expect(manifest.crms.hubspot.scopes).toContain('crm.objects.contacts.write');
    expect(manifest.crms.salesforce).toMatchObject({ scopes: ['api', 'refresh_token'], pkce: 'required' });
    expect(manifest.platform.events).toEqual([...KNOWN_EVENT_TYPES]);
  });

  it('is where the server takes its scopes, redirect URIs and authorize URL from', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://connector.example.com/base', HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 'secret', METRICS_TOKEN: 'm' });
    expect(config.oauth.hubspot).toMatchObject({ authorizeUrl: manifest.crms.hubspot.authorizeUrl, apiUrl: manifest.crms.hubspot.apiUrl });
    const hubspot = connectorOAuth(config).hubspot!;
    const authorize = new URL(hubspot.authorizeUrl('state-1'));
    expect(authorize.searchParams.get('scope')).toBe(manifest.crms.hubspot.scopes.join(' '));
    expect(authorize.searchParams.get('redirect_uri')).toBe(`https://connector.example.com/base${manifest.crms.hubspot.redirectPath}`);
  });

  it('refuses a broken manifest, naming every problem with its key path', () => {
    const broken = structuredClone(raw) as Record<string, any>;
    broken.crms.hubspot.scopes = ['oauth', 'oauth', 'has space'];
    broken.crms.salesforce.redirectPath = 'oauth/salesforce';
    broken.crms.salesforce.installPath = broken.crms.hubspot.installPath;
    broken.platform.webhookPath = '/webhooks/platform';
    broken.support.email = 'nobody';
    delete broken.name;
    expect(issuesOf(broken)).toEqual([
      'name: Invalid input: expected string, received undefined',
      'crms.hubspot.scopes.2: must be a scope name without spaces',
      'crms.hubspot.scopes: lists a scope twice',
      'crms.salesforce.redirectPath: must be a path starting with "/", e.g. /oauth/hubspot/callback',
      'platform.webhookPath: must contain {installationId}',
      'support.email: must be an email address',
    ]);
    const twice = structuredClone(raw) as Record<string, any>;
    twice.crms.hubspot.scopes = ['oauth', 'oauth'];
    twice.crms.salesforce.installPath = twice.crms.hubspot.installPath;
    expect(issuesOf(twice)).toEqual(['crms.hubspot.scopes: lists a scope twice', 'crms.salesforce.installPath: is the same path as crms.hubspot.installPath']);
  });

  it('refuses unknown keys, so a typo is not silently ignored', () => {
    const typo = structuredClone(raw) as Record<string, any>;
    typo.crms.hubspot.scope = ['oauth'];
    expect(issuesOf(typo)[0]).toMatch(/^crms\.hubspot: Unrecognized key: "scope"/);
  });

  it('names the file when it is not JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-manifest-'));
    try {
      const file = path.join(dir, 'manifest.json');
      await writeFile(file, '{ "name": ');
      await expect(readManifest(file)).rejects.toThrow(`${file} is not a valid manifest`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the generated HubSpot project', () => {
  it('describes an OAuth marketplace app with the manifest\'s redirect URL, scopes and support links', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-hsproject-'));
    try {
      const written = await writeHubSpotProject(dir, hubSpotProjectFiles(manifest, 'https://connector.example.com'));
      expect(written.map((f) => path.relative(dir, f))).toEqual(['hsproject.json', path.join('src', 'app', 'app-hsmeta.json')]);
      const project = JSON.parse(await readFile(path.join(dir, 'hsproject.json'), 'utf8'));
      expect(project).toEqual({ name: manifest.slug, srcDir: 'src', platformVersion: manifest.crms.hubspot.platformVersion });
      const app = JSON.parse(await readFile(path.join(dir, 'src', 'app', 'app-hsmeta.json'), 'utf8'));
      expect(app).toMatchObject({
        uid: `${manifest.slug}-app`,
        type: 'app',
        config: {
          name: manifest.name,
          distribution: 'marketplace',
          auth: {
            type: 'oauth',
            redirectUrls: [`https://connector.example.com${manifest.crms.hubspot.redirectPath}`],
            requiredScopes: manifest.crms.hubspot.scopes,
            optionalScopes: ['settings.users.read'],
          },
          support: { supportEmail: manifest.support.email, documentationUrl: manifest.support.documentationUrl },
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
