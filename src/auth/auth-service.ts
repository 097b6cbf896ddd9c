/**
 * Everything `src/auth` offers the service, built once per process from the configuration:
 * the admin sessions (shared with the admin pages), the token provider (for the CRM adapters),
 * `disconnect` (the admin pages' button) and the connect flow's router (mounted by `startService`).
 */
import type { Router } from 'express';
import type { Config } from '../config.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import type { Logger } from '../log.ts';
import { manifest as shippedManifest, type Manifest } from '../manifest.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Queryable, Store } from '../store/store.ts';
import { createAdminSessions, type AdminSessions } from './admin-session.ts';
import { authRoutes } from './connect-routes.ts';
import { connectorOAuth, type ConnectorOAuth } from './connector-oauth.ts';
import { hubSpotConnect, salesforceConnect, type CrmConnect } from './crm-connect.ts';
import { disconnectInstallation, type DisconnectResult } from './disconnect.ts';
import { InstallationTokens } from './installation-tokens.ts';
import type { Fetch } from './oauth-http.ts';
import { OAuthStates } from './oauth-state.ts';

export interface AuthOptions {
  config: Pick<Config, 'publicUrl' | 'oauth' | 'abuseLimits' | 'outbound'>;
  store: Store;
  box: SecretBox;
  logger: Logger;
  /** The CRMs' OAuth endpoints are called through this (tests count calls). */
  fetch?: Fetch;
  manifest?: Manifest;
  /** Clock of token expiry and OAuth state expiry. */
  now?: () => number;
  /** Checks URLs from the CRMs' token answers (src/net); the process's guard for `config.outbound` unless given. */
  outbound?: OutboundGuard | undefined;
}

export interface Auth {
  sessions: AdminSessions;
  tokens: InstallationTokens;
  oauth: ConnectorOAuth;
  disconnect(installationId: string): Promise<DisconnectResult>;
  router: Router;
}

/** Cookies are `Secure` when the public address is https (a plain-http PUBLIC_URL is local development). */
export const secureCookiesFor = (publicUrl: string | undefined): boolean => publicUrl?.startsWith('https:') ?? false;

/** The admin sessions on a store: the admin pages look up what the OAuth callbacks issue. */
export function adminSessionsFor(config: Pick<Config, 'publicUrl'>, db: Queryable): AdminSessions {
  return createAdminSessions({ db, secureCookies: secureCookiesFor(config.publicUrl) });
}

export function createAuth(options: AuthOptions): Auth {
  const { config, store, box, logger } = options;
  const manifest = options.manifest ?? shippedManifest;
  const oauth = connectorOAuth(config, { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.now ? { now: options.now } : {}), manifest, outbound: options.outbound });
  const tokens = new InstallationTokens({ store, box, hubspot: oauth.hubspot, salesforce: oauth.salesforce, logger, ...(options.now ? { now: options.now } : {}) });
  const sessions = adminSessionsFor(config, store);
  const connects: CrmConnect[] = [];
  if (oauth.hubspot) connects.push(hubSpotConnect(oauth.hubspot, manifest.crms.hubspot));
  if (oauth.salesforce) connects.push(salesforceConnect(oauth.salesforce, manifest.crms.salesforce));
  const router = authRoutes({
    store,
    box,
    logger,
    sessions,
    states: new OAuthStates({
      db: store,
      box,
      maxPending: config.abuseLimits.oauthStateMaxPending,
      ...(options.now ? { now: options.now } : {}),
    }),
    tokens,
    connects,
    paths: [
      { crm: 'hubspot', label: 'HubSpot', variables: 'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET', ...pathsOf(manifest.crms.hubspot) },
      { crm: 'salesforce', label: 'Salesforce', variables: 'SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET', ...pathsOf(manifest.crms.salesforce) },
    ],
    secureCookies: secureCookiesFor(config.publicUrl),
    adminPath: manifest.settingsPages.admin,
  });
  return {
    sessions,
    tokens,
    oauth,
    disconnect: (installationId) => disconnectInstallation({ store, box, oauth, tokens, logger }, installationId),
    router,
  };
}

const pathsOf = (crm: { installPath: string; redirectPath: string }) => ({ installPath: crm.installPath, redirectPath: crm.redirectPath });
