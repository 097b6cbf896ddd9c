/**
 * The sandbox's authorization server state: connected-app clients, authorization codes (with
 * PKCE), access tokens (expire after a TTL) and refresh tokens (rotated on every use: the old one
 * is then refused with `invalid_grant`). `issueAuthorizationCode` is the seam a consent page
 * (`/services/oauth2/authorize`) calls once the user approves.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { expiredToken, invalidClientCredentials, invalidClientId, OAuthError, redirectMismatch } from './oauth-error.ts';

export const OAuthClient = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUri: z.url(),
});
export type OAuthClient = z.infer<typeof OAuthClient>;

export const AuthorizationRequest = z.object({
  clientId: z.string().min(1),
  redirectUri: z.string().min(1),
  orgId: z.string().min(1),
  /** Who consents: a user of the org; its administrator when omitted. */
  userId: z.string().min(1).optional(),
  /** base64url(SHA-256(code_verifier)); omit only for clients that do not use PKCE. */
  codeChallenge: z.string().min(43).max(128).regex(/^[A-Za-z0-9_-]+$/, 'a code challenge is base64url without padding').optional(),
  codeChallengeMethod: z.literal('S256').default('S256'),
  scope: z.string().default('api refresh_token'),
});
export type AuthorizationRequest = z.input<typeof AuthorizationRequest>;

/** The org and user a token opens. */
export interface Session {
  orgId: string;
  userId: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
}

interface Grant extends Session {
  /** One installation: its code exchange and every refresh after it. */
  grantId: string;
  clientId: string;
  scope: string;
}

const CODE_TTL_MS = 15 * 60_000;
const random = (bytes: number): string => randomBytes(bytes).toString('base64url');
const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(sha256(a), sha256(b));

export interface TokenVaultOptions {
  clients: OAuthClient[];
  accessTokenTtlSeconds: number;
  now: () => number;
  /** Where the sandbox listens; known once the server is up. */
  instanceUrl: () => string;
  /**
   * The id of the user who consents: `userId` when it is a user of the org, else (no userId) the
   * org's administrator; undefined when there is no such org or user.
   */
  userOf: (orgId: string, userId?: string) => string | undefined;
}

export class TokenVault {
  readonly #options: TokenVaultOptions;
  readonly #codes = new Map<string, Omit<Grant, 'grantId'> & { redirectUri: string; codeChallenge: string | undefined; expiresAt: number; used: boolean }>();
  readonly #accessTokens = new Map<string, Grant & { expiresAt: number }>();
  readonly #refreshTokens = new Map<string, Grant>();
  /** Refresh tokens revoked at `/services/oauth2/revoke` (tests ask whether a grant was revoked, not rotated). */
  readonly #revoked = new Map<string, Session>();

  constructor(options: TokenVaultOptions) {
    this.#options = options;
  }

  get clients(): readonly OAuthClient[] {
    return this.#options.clients;
  }

  #client(clientId: string | undefined): OAuthClient {
    const client = this.#options.clients.find((c) => c.clientId === clientId);
    if (!client) throw invalidClientId();
    return client;
  }

  #authenticateClient(clientId: string | undefined, clientSecret: string | undefined): OAuthClient {
    const client = this.#client(clientId);
    if (clientSecret === undefined || !sameSecret(clientSecret, client.clientSecret)) throw invalidClientCredentials();
    return client;
  }

  /** Mints a single-use authorization code (valid 15 minutes) for a client and org, as a consent would. */
  issueAuthorizationCode(request: AuthorizationRequest): string {
    const parsed = AuthorizationRequest.parse(request);
    const client = this.#client(parsed.clientId);
    if (parsed.redirectUri !== client.redirectUri) throw redirectMismatch();
    const userId = this.#options.userOf(parsed.orgId, parsed.userId);
    if (!userId) throw new OAuthError('invalid_request', `no org ${parsed.orgId}${parsed.userId ? ` with user ${parsed.userId}` : ''} in this sandbox`);
    const code = `aPrx${random(48)}`;
    this.#codes.set(code, {
      orgId: parsed.orgId, userId, clientId: client.clientId, scope: parsed.scope, redirectUri: parsed.redirectUri,
      codeChallenge: parsed.codeChallenge, expiresAt: this.#options.now() + CODE_TTL_MS, used: false,
    });
    return code;
  }

  /** `grant_type=authorization_code`: checks client, code, redirect URI and PKCE verifier. */
  exchangeCode(params: Record<string, string | undefined>): TokenResponse {
    const client = this.#authenticateClient(params.client_id, params.client_secret);
    const code = params.code === undefined ? undefined : this.#codes.get(params.code);
    if (!code || code.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'invalid authorization code');
    if (code.used || code.expiresAt <= this.#options.now()) throw new OAuthError('invalid_grant', 'expired authorization code');
    // A code is spent by its first exchange attempt, successful or not.
    code.used = true;
    if (params.redirect_uri !== code.redirectUri) throw redirectMismatch();
    if (code.codeChallenge !== undefined) {
      const verifier = params.code_verifier;
      if (!verifier || !sameSecret(sha256(verifier).toString('base64url'), code.codeChallenge)) {
        throw new OAuthError('invalid_grant', 'invalid code verifier');
      }
    }
    const grant: Grant = { grantId: random(12), orgId: code.orgId, userId: code.userId, clientId: client.clientId, scope: code.scope };
    return this.#tokens(grant, client);
  }

  /** `grant_type=refresh_token`: a new access token and a rotated refresh token; the old one stops working. */
  refresh(params: Record<string, string | undefined>): TokenResponse {
    const client = this.#authenticateClient(params.client_id, params.client_secret);
    const token = params.refresh_token;
    const grant = token === undefined ? undefined : this.#refreshTokens.get(token);
    if (!grant || grant.clientId !== client.clientId) throw expiredToken();
    this.#refreshTokens.delete(token!);
    return this.#tokens(grant, client);
  }

  /** Tokens for an org created programmatically, as if its admin had just connected `clientId`. */
  connect(orgId: string, clientId: string): TokenResponse {
    const client = this.#client(clientId);
    const userId = this.#options.userOf(orgId);
    if (!userId) throw new OAuthError('invalid_request', `no org ${orgId} in this sandbox`);
    return this.#tokens({ grantId: random(12), orgId, userId, clientId, scope: 'api refresh_token' }, client);
  }

  #tokens(grant: Grant, client: OAuthClient): TokenResponse {
    const now = this.#options.now();
    const accessToken = `${grant.orgId.slice(0, 15)}!${random(72)}`;
    this.#accessTokens.set(accessToken, { ...grant, expiresAt: now + this.#options.accessTokenTtlSeconds * 1000 });
    const id = `${this.#options.instanceUrl()}/id/${grant.orgId}/${grant.userId}`;
    const issuedAt = String(now);
    const refreshToken = `5Aep${random(64)}`;
    this.#refreshTokens.set(refreshToken, grant);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      signature: createHmac('sha256', client.clientSecret).update(id + issuedAt).digest('base64'),
      scope: grant.scope,
      instance_url: this.#options.instanceUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }

  /** The session an access token opens, if it is known and not expired. */
  authenticate(accessToken: string): Session | undefined {
    const token = this.#accessTokens.get(accessToken);
    if (!token) return undefined;
    if (token.expiresAt <= this.#options.now()) {
      this.#accessTokens.delete(accessToken);
      return undefined;
    }
    return { orgId: token.orgId, userId: token.userId };
  }

  /** Revokes an access token, or a refresh token with every access token of its grant. */
  revoke(token: string): void {
    const refresh = this.#refreshTokens.get(token);
    if (refresh) {
      this.#refreshTokens.delete(token);
      this.#revoked.set(token, { orgId: refresh.orgId, userId: refresh.userId });
      for (const [key, access] of this.#accessTokens) if (access.grantId === refresh.grantId) this.#accessTokens.delete(key);
      return;
    }
    if (!this.#accessTokens.delete(token)) throw new OAuthError('unsupported_token_type', 'this token type is not supported');
  }

  wasRevoked(refreshToken: string): boolean {
    return this.#revoked.has(refreshToken);
  }

  /** How many grants of this user of the org were revoked. */
  revokedGrantsOf(orgId: string, userId: string): number {
    return [...this.#revoked.values()].filter((r) => r.orgId === orgId && r.userId === userId).length;
  }

  /** Ends every access token of an org (refresh tokens keep working), as a session timeout would. */
  expireAccessTokens(orgId: string): number {
    let ended = 0;
    for (const [key, access] of this.#accessTokens) {
      if (access.orgId === orgId) {
        this.#accessTokens.delete(key);
        ended++;
      }
    }
    return ended;
  }
}
