/**
 * The HubSpot developer-platform project made from `manifest.json`: `hsproject.json` and
 * `src/app/app-hsmeta.json` (OAuth auth with the manifest's redirect path under PUBLIC_URL and its
 * scopes, marketplace distribution, support links). Upload it with the HubSpot CLI
 * (`hs project upload`); the app's client id and secret then go into HUBSPOT_CLIENT_ID/SECRET.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../manifest.ts';
import { redirectUriOf } from './connector-oauth.ts';

export interface ProjectFile {
  /** Relative to the project directory. */
  path: string;
  json: unknown;
}

export function hubSpotProjectFiles(manifest: Manifest, publicUrl: string): ProjectFile[] {
  const hubspot = manifest.crms.hubspot;
  const { email, documentationUrl, supportUrl } = manifest.support;
  return [
    { path: 'hsproject.json', json: { name: manifest.slug, srcDir: 'src', platformVersion: hubspot.platformVersion } },
    {
      path: path.join('src', 'app', 'app-hsmeta.json'),
      json: {
        uid: `${manifest.slug}-app`,
        type: 'app',
        config: {
          name: manifest.name,
          description: manifest.description,
          distribution: hubspot.distribution,
          auth: {
            type: 'oauth',
            redirectUrls: [redirectUriOf(publicUrl, hubspot.redirectPath)],
            requiredScopes: hubspot.scopes,
            optionalScopes: hubspot.optionalScopes,
            conditionallyRequiredScopes: [],
          },
          // The connector has no UI extension inside HubSpot: its admin pages are its own site.
          permittedUrls: { fetch: [], iframe: [], img: [] },
          support: { supportEmail: email, documentationUrl, ...(supportUrl ? { supportUrl } : {}) },
        },
      },
    },
  ];
}

/** Writes the files under `dir`; returns the paths written. */
export async function writeHubSpotProject(dir: string, files: ProjectFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${JSON.stringify(file.json, null, 2)}\n`);
    written.push(target);
  }
  return written;
}
