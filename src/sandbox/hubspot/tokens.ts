/**
 * Credentials and the portals they open: private-app tokens (never expire), and OAuth
 * authorization codes, access tokens (expire after the configured TTL) and refresh tokens.
 * `issueAuthorizationCode` is the seam a consent page (`/oauth/authorize`) will call.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  expiredAuthenticationError, invalidAuthenticationError, notFoundError, oauthError,
} from './hubspot-errors.ts';
import { SANDBOX_ADMIN } from './portals.ts';

export const OAuthClient = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUri: z.url(),
});
export type OAuthClient = z.infer<typeof OAuthClient>;

export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read', 'crm.objects.contacts.write',
  'crm.objects.companies.read', 'crm.objects.companies.write',
  'crm.objects.deals.read', 'crm.objects.deals.write',
  'crm.schemas.contacts.read', 'crm.schemas.contacts.write',
  'crm.schemas.deals.read', 'crm.schemas.deals.write',
];

const AUTHORIZATION_CODE_TTL_MS = 10 * 60_000;

/** Who consented: the user the token acts for (token info's `user` and `user_id`). */
export interface GrantUser {
  userId: number;
  email: string;
}

interface Grant {
  /** One installation: the code's exchange and every refresh after it share this id. */
  grantId: string;
  portalId: number;
  clientId: string;
  scopes: string[];
  user: GrantUser;
}

interface AccessToken {
  portalId: number;
  expiresAt: number | undefined;
  clientId: string | undefined;
  scopes: string[];
  grantId: string | undefined;
  user: GrantUser | undefined;
}

export interface TokenResponse {
  token_type: 'bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface TokenVaultOptions {
  tokenTtlSeconds: number;
  clients: OAuthClient[];
  rotateRefreshTokens: boolean;
  now: () => number;
}

export class TokenVault {
  readonly #options: TokenVaultOptions;
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #refreshTokens = new Map<string, Grant>();
  /** Refresh tokens revoked through `DELETE /oauth/v1/refresh-tokens/:t` (tests ask whether a grant was revoked). */
  readonly #revoked = new Map<string, { portalId: number; userId: number }>();
  readonly #codes = new Map<string, Omit<Grant, 'grantId'> & { redirectUri: string; expiresAt: number }>();

  constructor(options: TokenVaultOptions) {
    this.#options = options;
  }

  #client(clientId: string | undefined): OAuthClient | undefined {
    return this.#options.clients.find((c) => c.clientId === clientId);
  }

  /** HubSpot app ids are numbers; each configured client is one app. */
  appId(clientId: string | undefined): number {
    return 1_000_001 + this.#options.clients.findIndex((c) => c.clientId === clientId);
  }

  issuePrivateAppToken(portalId: number): string {
    const token = `pat-na1-${randomUUID()}`;
    this.#accessTokens.set(token, { portalId, expiresAt: undefined, clientId: undefined, scopes: DEFAULT_SCOPES, grantId: undefined, user: undefined });
    return token;
  }

  /** The portal a bearer token opens and the scopes it carries, or HubSpot's 401. */
  authenticate(token: string | undefined): { portalId: number; scopes: readonly string[] } {
    const record = token === undefined ? undefined : this.#accessTokens.get(token);
    if (!record) throw invalidAuthenticationError();
    const now = this.#options.now();
    if (record.expiresAt !== undefined && now >= record.expiresAt) throw expiredAuthenticationError(now - record.expiresAt);
    return { portalId: record.portalId, scopes: record.scopes };
  }

  /** The registered client an authorization request names; throws when it is unknown or its redirect URI is not the registered one. */
  authorizationClient(request: { clientId: string; redirectUri: string }): OAuthClient {
    const client = this.#client(request.clientId);
    if (!client) throw new Error(`unknown OAuth client ${request.clientId}: configure it in oauthClients`);
    if (client.redirectUri !== request.redirectUri) throw new Error(`redirect URI ${request.redirectUri} is not the one registered for ${request.clientId}`);
    return client;
  }

  /** `user`: who consented; the portal's first super admin when not said. */
  issueAuthorizationCode(portalId: number, request: { clientId: string; redirectUri: string; scopes?: string[] | undefined; user?: GrantUser | undefined }): string {
    const client = this.authorizationClient(request);
    const code = randomUUID();
    const user = request.user ?? { userId: SANDBOX_ADMIN.userId, email: SANDBOX_ADMIN.email };
    this.#codes.set(code, {
      portalId, clientId: client.clientId, scopes: request.scopes ?? DEFAULT_SCOPES, redirectUri: client.redirectUri, user,
      expiresAt: this.#options.now() + AUTHORIZATION_CODE_TTL_MS,
    });
    return code;
  }

  #issueTokens(grant: Grant, refreshToken: string): TokenResponse {
    const accessToken = `C${randomBytes(48).toString('base64url')}`;
    const ttl = this.#options.tokenTtlSeconds;
    this.#accessTokens.set(accessToken, { ...grant, expiresAt: this.#options.now() + ttl * 1000 });
    this.#refreshTokens.set(refreshToken, grant);
    return { token_type: 'bearer', access_token: accessToken, refresh_token: refreshToken, expires_in: ttl };
  }

  /** `POST /oauth/v1/token`: the form fields in, HubSpot's token response or OAuth error out. */
  grant(form: Record<string, string | undefined>): TokenResponse {
    const grantType = form.grant_type;
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw oauthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    const client = this.#client(form.client_id);
    if (!client) throw oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
    if (form.client_secret !== client.clientSecret) throw oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');

    if (grantType === 'authorization_code') {
      if (form.redirect_uri !== client.redirectUri) throw oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match the redirect URI registered for this app');
      const code = form.code === undefined ? undefined : this.#codes.get(form.code);
      if (!code || code.clientId !== client.clientId || code.expiresAt <= this.#options.now()) {
        throw oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
      }
      this.#codes.delete(form.code ?? ''); // codes are single-use
      const { portalId, clientId, scopes, user } = code;
      return this.#issueTokens({ grantId: randomUUID(), portalId, clientId, scopes, user }, `na1-${randomUUID()}`);
    }

    const presented = form.refresh_token;
    const grant = presented === undefined ? undefined : this.#refreshTokens.get(presented);
    if (!presented || !grant || grant.clientId !== client.clientId) throw oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
    if (!this.#options.rotateRefreshTokens) return this.#issueTokens(grant, presented);
    // Rotation: the presented token stops working, so a client that loses the new one is locked out.
    this.#refreshTokens.delete(presented);
    return this.#issueTokens(grant, `na1-${randomUUID()}`);
  }

  accessTokenInfo(token: string): Record<string, unknown> {
    const record = this.#accessTokens.get(token);
    const now = this.#options.now();
    if (!record || record.clientId === undefined || (record.expiresAt ?? 0) <= now) throw notFoundError('Access token not found or expired');
    return {
      token, user: record.user?.email, user_id: record.user?.userId, hub_id: record.portalId, hub_domain: `portal-${record.portalId}.sandbox`,
      app_id: this.appId(record.clientId), scopes: record.scopes, token_type: 'access',
      expires_in: Math.floor(((record.expiresAt ?? now) - now) / 1000),
    };
  }

  refreshTokenInfo(token: string): Record<string, unknown> {
    const grant = this.#refreshTokens.get(token);
    if (!grant) throw notFoundError('Refresh token not found');
    return {
      token, user: grant.user.email, user_id: grant.user.userId, hub_id: grant.portalId, hub_domain: `portal-${grant.portalId}.sandbox`,
      client_id: grant.clientId, scopes: grant.scopes, token_type: 'refresh',
    };
  }

  /** Revokes a refresh token and every access token of its installation (the app is disconnected). */
  revokeRefreshToken(token: string): void {
    const grant = this.#refreshTokens.get(token);
    if (!grant) throw notFoundError('Refresh token not found');
    this.#refreshTokens.delete(token);
    this.#revoked.set(token, { portalId: grant.portalId, userId: grant.user.userId });
    for (const [accessToken, record] of this.#accessTokens) {
      if (record.grantId === grant.grantId) this.#accessTokens.delete(accessToken);
    }
  }

  /** Whether this refresh token was revoked (not merely rotated away or never issued). */
  wasRevoked(token: string): boolean {
    return this.#revoked.has(token);
  }

  /** How many grants of this user in this portal were revoked. */
  revokedGrantsOf(portalId: number, userId: number): number {
    return [...this.#revoked.values()].filter((r) => r.portalId === portalId && r.userId === userId).length;
  }

  /** The portal of the installation a refresh token belongs to, if it is live. */
  portalOfRefreshToken(token: string | undefined): number | undefined {
    return token === undefined ? undefined : this.#refreshTokens.get(token)?.portalId;
  }

  /**
   * The app is uninstalled from the portal (a user removed it in HubSpot's settings): every OAuth
   * grant of it ends, so a refresh answers BAD_REFRESH_TOKEN as HubSpot's does.
   */
  uninstall(portalId: number, clientId: string): number {
    let ended = 0;
    for (const [token, grant] of this.#refreshTokens) {
      if (grant.portalId === portalId && grant.clientId === clientId) {
        this.#refreshTokens.delete(token);
        ended++;
      }
    }
    for (const [token, record] of this.#accessTokens) {
      if (record.portalId === portalId && record.clientId === clientId) this.#accessTokens.delete(token);
    }
    return ended;
  }

  /** Expires every OAuth access token of a portal now (private-app tokens do not expire). */
  expireAccessTokens(portalId: number): void {
    const now = this.#options.now();
    for (const record of this.#accessTokens.values()) {
      if (record.portalId === portalId && record.expiresAt !== undefined) record.expiresAt = Math.min(record.expiresAt, now);
    }
  }
}
