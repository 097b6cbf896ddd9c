/**
 * HubSpot's OAuth v1: the authorize URL (scopes from the manifest), code exchange, refresh,
 * access-token introspection (which portal and user the install is for) and refresh-token
 * revocation (disconnect). Access tokens live 30 minutes; the refresh token may come back the same.
 */
import { z } from 'zod';
import type { OAuthApps } from '../config.ts';
import type { Manifest } from '../manifest.ts';
import { oauthRequest, standardOAuthError, type Fetch } from './oauth-http.ts';

export type HubSpotApp = NonNullable<OAuthApps['hubspot']>;

/**
 * A refresh token HubSpot no longer knows (the app was uninstalled or the token revoked): that
 * installation must reconnect. BAD_CLIENT_ID/SECRET are not listed: they are the operator's
 * configuration, and must not disconnect every installation.
 */
export const HUBSPOT_DEAD_GRANTS = new Set(['BAD_REFRESH_TOKEN', 'invalid_grant']);

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

const AccessTokenInfo = z.looseObject({
  hub_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
  user: z.string().optional(),
  user_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
  scopes: z.array(z.string()).default([]),
});

/** What the user provisioning API says of a user (`GET /settings/v3/users/{userId}`). */
const PortalUser = z.looseObject({
  id: z.union([z.string(), z.number()]),
  email: z.string().optional(),
  superAdmin: z.boolean().default(false),
});

/** The optional scope that lets the connector ask whether a user is a super admin of the portal. */
export const USERS_READ_SCOPE = 'settings.users.read';

/** HubSpot API errors: `{ "status": "error", "message": ..., "category": "MISSING_SCOPES" }`. */
const apiError = (body: unknown) => {
  const { code, message } = standardOAuthError(body);
  const category = typeof body === 'object' && body !== null ? (body as { category?: unknown }).category : undefined;
  return { code: typeof category === 'string' ? category : code, message };
};

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** Unix milliseconds; undefined when the CRM does not say (Salesforce). */
  expiresAt: number | undefined;
}

export interface HubSpotTokenInfo {
  portalId: string;
  /** The signed-in user's email and HubSpot user id. */
  user: string | undefined;
  userId: string | undefined;
  scopes: string[];
}

export class HubSpotOAuth {
  readonly #app: HubSpotApp;
  readonly #manifest: Manifest['crms']['hubspot'];
  readonly #redirectUri: string;
  readonly #fetch: Fetch;
  readonly #now: () => number;

  constructor(options: { app: HubSpotApp; manifest: Manifest['crms']['hubspot']; redirectUri: string; fetch?: Fetch; now?: () => number }) {
    this.#app = options.app;
    this.#manifest = options.manifest;
    this.#redirectUri = options.redirectUri;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  get redirectUri(): string {
    return this.#redirectUri;
  }

  /** Where the portal's API (and the token endpoints) live: HUBSPOT_API_URL. */
  get apiUrl(): string {
    return this.#app.apiUrl;
  }

  authorizeUrl(state: string): string {
    const url = new URL(this.#app.authorizeUrl);
    url.searchParams.set('client_id', this.#app.clientId);
    url.searchParams.set('redirect_uri', this.#redirectUri);
    url.searchParams.set('scope', this.#manifest.scopes.join(' '));
    if (this.#manifest.optionalScopes.length > 0) url.searchParams.set('optional_scope', this.#manifest.optionalScopes.join(' '));
    url.searchParams.set('state', state);
    return url.toString();
  }

  exchangeCode(code: string): Promise<OAuthTokens> {
    return this.#token('HubSpot code exchange', { grant_type: 'authorization_code', code, redirect_uri: this.#redirectUri });
  }

  refresh(refreshToken: string): Promise<OAuthTokens> {
    return this.#token('HubSpot token refresh', { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async tokenInfo(accessToken: string): Promise<HubSpotTokenInfo> {
    const info = await oauthRequest(this.#fetch, {
      what: 'HubSpot access token lookup',
      url: `${this.#app.apiUrl}/oauth/v1/access-tokens/${encodeURIComponent(accessToken)}`,
      schema: AccessTokenInfo,
      errorOf: standardOAuthError,
    });
    return { portalId: String(info.hub_id), user: info.user, userId: info.user_id === undefined ? undefined : String(info.user_id), scopes: info.scopes };
  }

  /** Whether the user is a super admin of the token's portal; needs the token to carry USERS_READ_SCOPE. */
  async isSuperAdmin(accessToken: string, userId: string): Promise<boolean> {
    const user = await oauthRequest(this.#fetch, {
      what: 'HubSpot user lookup',
      url: `${this.#app.apiUrl}/settings/v3/users/${encodeURIComponent(userId)}`,
      bearer: accessToken,
      schema: PortalUser,
      errorOf: apiError,
    });
    return user.superAdmin;
  }

  /** Deletes the refresh token at HubSpot (`DELETE /oauth/v1/refresh-tokens/:token`): it and its access tokens stop working. The app stays installed (uninstalling is a separate API, `appinstalls/…/external-install`). */
  async revoke(refreshToken: string): Promise<void> {
    await oauthRequest(this.#fetch, {
      what: 'HubSpot refresh token revocation',
      url: `${this.#app.apiUrl}/oauth/v1/refresh-tokens/${encodeURIComponent(refreshToken)}`,
      method: 'DELETE',
      errorOf: standardOAuthError,
    });
  }

  async #token(what: string, form: Record<string, string>): Promise<OAuthTokens> {
    const requestedAt = this.#now();
    const tokens = await oauthRequest(this.#fetch, {
      what,
      url: `${this.#app.apiUrl}/oauth/v1/token`,
      form: { ...form, client_id: this.#app.clientId, client_secret: this.#app.clientSecret },
      schema: TokenResponse,
      errorOf: standardOAuthError,
    });
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      // Counted from before the request: the token is never believed to live longer than it does.
      expiresAt: requestedAt + tokens.expires_in * 1000,
    };
  }
}
