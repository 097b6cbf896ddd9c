/**
 * `manifest.json`: the app's one description (name, CRMs, scopes, redirect paths, webhook events,
 * settings pages, support links). The server takes its OAuth scopes and route paths from here, and
 * `crm-connector manifest hubspot-project` turns it into a HubSpot developer-platform project, so
 * the marketplace listing and the running service cannot disagree.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import raw from '../manifest.json' with { type: 'json' };
import { KnownEventType } from './platform/webhook-event.ts';
import { describeIssues } from './zod-issues.ts';

const path = z.string().regex(/^\/[A-Za-z0-9/_{}.-]*$/, { error: 'must be a path starting with "/", e.g. /oauth/hubspot/callback' });
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });
const scope = z.string().regex(/^[a-z0-9_.-]+$/i, { error: 'must be a scope name without spaces' });
const scopes = z.array(scope).min(1, { error: 'must list at least one scope' }).refine((list) => new Set(list).size === list.length, {
  error: 'lists a scope twice',
});

export const HubSpotManifest = z.strictObject({
  authorizeUrl: httpsUrl,
  apiUrl: httpsUrl,
  /** Required scopes: the install fails unless the portal grants all of them. */
  scopes,
  /** Granted when the portal's tier has them; the install does not fail without them. */
  optionalScopes: z.array(scope).default([]),
  installPath: path,
  redirectPath: path,
  distribution: z.enum(['marketplace', 'private']),
  /** HubSpot developer-platform version of the generated project (`hsproject.json`). */
  platformVersion: z.string().regex(/^\d{4}\.\d{1,2}$/, { error: 'must be a platform version like 2026.03' }),
});

export const SalesforceManifest = z.strictObject({
  loginUrls: z.strictObject({ production: httpsUrl, sandbox: httpsUrl }),
  scopes,
  /** The External Client App must require PKCE; the connector always sends it. */
  pkce: z.literal('required'),
  /** Whether the External Client App rotates refresh tokens (the connector persists each new one either way). */
  refreshTokenRotation: z.boolean(),
  installPath: path,
  redirectPath: path,
});

export const Manifest = z.strictObject({
  $comment: z.string().optional(),
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'must be lowercase letters, digits and "-" (at most 64)' }),
  description: z.string().trim().min(1).max(8192),
  version: z.string().regex(/^\d+\.\d+\.\d+/, { error: 'must be a semantic version like 1.2.3' }),
  crms: z.strictObject({ hubspot: HubSpotManifest, salesforce: SalesforceManifest }),
  platform: z.strictObject({
    webhookPath: path.refine((p) => p.includes('{installationId}'), { error: 'must contain {installationId}' }),
    events: z.array(KnownEventType).min(1),
  }),
  settingsPages: z.strictObject({ admin: path, login: path }),
  support: z.strictObject({
    email: z.email({ error: 'must be an email address' }),
    documentationUrl: httpsUrl,
    supportUrl: httpsUrl.optional(),
  }),
}).superRefine((m, ctx) => {
  const routes = [
    ['crms.hubspot.installPath', m.crms.hubspot.installPath],
    ['crms.hubspot.redirectPath', m.crms.hubspot.redirectPath],
    ['crms.salesforce.installPath', m.crms.salesforce.installPath],
    ['crms.salesforce.redirectPath', m.crms.salesforce.redirectPath],
  ] as const;
  const seen = new Map<string, string>();
  for (const [where, value] of routes) {
    const other = seen.get(value);
    if (other) ctx.addIssue({ code: 'custom', path: where.split('.'), message: `is the same path as ${other}` });
    seen.set(value, where);
  }
});
export type Manifest = z.infer<typeof Manifest>;

export class ManifestError extends Error {
  constructor(source: string, issues: string[]) {
    super(`${source} is not a valid manifest:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ManifestError';
  }
}

/** Validates a parsed manifest; every problem at once, each with its key path. */
export function parseManifest(json: unknown, source = 'manifest.json'): Manifest {
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw new ManifestError(source, describeIssues(parsed.error));
  return parsed.data;
}

/** Reads another manifest file (the generator's `--manifest`). */
export async function readManifest(file: string): Promise<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ManifestError(file, [(error as Error).message]);
  }
  return parseManifest(json, file);
}

/** The manifest this build ships with, validated once at load: a broken manifest stops the service at start. */
export const manifest: Manifest = parseManifest(raw);
