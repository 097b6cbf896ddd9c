/**
 * Salesforce's OAuth 2.0 web server flow with PKCE, against the login host chosen per install
 * (production or sandbox): the authorize URL, code exchange (the token response's signature is
 * checked), the identity URL (which org and user), refresh (the org may rotate the refresh token)
 * and revocation.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { OAuthApps } from '../config.ts';
import type { Manifest } from '../manifest.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { outboundRefusalIn } from '../net/outbound-refused.ts';
import { sameText } from './admin-session.ts';
import { OAuthRequestError, oauthRequest, standardOAuthError, type Fetch } from './oauth-http.ts';

export type SalesforceApp = NonNullable<OAuthApps['salesforce']>;
export type SalesforceEnvironment = keyof SalesforceApp['loginUrls'];

/**
 * Refusals that mean this installation's grant is gone (revoked, rotated away, user or org
 * deactivated): it must reconnect. invalid_client(_id) is the operator's configuration instead.
 */
export const SALESFORCE_DEAD_GRANTS = new Set(['invalid_grant', 'inactive_user', 'inactive_org']);

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  instance_url: z.url(),
  id: z.url(),
  issued_at: z.string().min(1).optional(),
  signature: z.string().min(1).optional(),
});

const Identity = z.looseObject({
  organization_id: z.string().regex(/^00D[A-Za-z0-9]{12,15}$/, { error: 'is not a Salesforce org id' }),
  user_id: z.string().min(1),
  username: z.string().min(1),
});

/** The signing-in user's own row of UserPermissionAccess (Salesforce answers for the token's user). */
const PermissionAccess = z.looseObject({
  records: z.array(z.looseObject({ PermissionsCustomizeApplication: z.boolean(), PermissionsModifyAllData: z.boolean() })).length(1, {
    error: 'must hold exactly the signed-in user\'s permissions',
  }),
});
const ADMIN_PERMISSIONS_QUERY = 'SELECT PermissionsCustomizeApplication, PermissionsModifyAllData FROM UserPermissionAccess';
const API_VERSION = '62.0';

/** Salesforce REST errors: `[{ "errorCode": "INSUFFICIENT_ACCESS", "message": ... }]`. */
const restError = (body: unknown) => {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  if (typeof first !== 'object' || first === null) return {};
  const { errorCode, message } = first as { errorCode?: unknown; message?: unknown };
  return { code: typeof errorCode === 'string' ? errorCode : undefined, message: typeof message === 'string' ? message : undefined };
};

export interface SalesforceConnection {
  accessToken: string;
  refreshToken: string;
  instanceUrl: string;
  identityUrl: string;
}

export interface SalesforceIdentity {
  orgId: string;
  userId: string;
  username: string;
}

export interface SalesforceRefresh {
  accessToken: string;
  /** The new one when the org rotates refresh tokens, else undefined (keep the old one). */
  refreshToken: string | undefined;
  instanceUrl: string;
}

export class SalesforceOAuth {
  readonly #app: SalesforceApp;
  readonly #manifest: Manifest['crms']['salesforce'];
  readonly #redirectUri: string;
  readonly #fetch: Fetch;
  readonly #outbound: Pick<OutboundGuard, 'checkAnsweredUrl'>;

  constructor(options: {
    app: SalesforceApp;
    manifest: Manifest['crms']['salesforce'];
    redirectUri: string;
    /** Checks the instance and identity URLs of token answers before anything is sent to them (src/net). */
    outbound: Pick<OutboundGuard, 'checkAnsweredUrl'>;
    fetch?: Fetch;
  }) {
    this.#outbound = options.outbound;
    this.#app = options.app;
    this.#manifest = options.manifest;
    this.#redirectUri = options.redirectUri;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The External Client App's credentials (the adapter's session refreshes with them too). */
  get app(): SalesforceApp {
    return this.#app;
  }

  loginUrl(environment: SalesforceEnvironment): string {
    return this.#app.loginUrls[environment];
  }

  authorizeUrl(loginUrl: string, state: string, codeChallenge: string): string {
    const url = new URL('/services/oauth2/authorize', loginUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.#app.clientId);
    url.searchParams.set('redirect_uri', this.#redirectUri);
    url.searchParams.set('scope', this.#manifest.scopes.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  async exchangeCode(loginUrl: string, code: string, codeVerifier: string): Promise<SalesforceConnection> {
    const tokens = await oauthRequest(this.#fetch, {
      what: 'Salesforce code exchange',
      url: new URL('/services/oauth2/token', loginUrl).toString(),
      form: {
        grant_type: 'authorization_code',
        code,
        code_verifier: codeVerifier,
        redirect_uri: this.#redirectUri,
        client_id: this.#app.clientId,
        client_secret: this.#app.clientSecret,
      },
      schema: TokenResponse,
      errorOf: standardOAuthError,
    });
    this.#checkSignature(tokens);
    await this.#checkAnsweredUrls(tokens);
    if (!tokens.refresh_token) {
      throw new OAuthRequestError('rejected', 'Salesforce issued no refresh token: the External Client App must grant the refresh_token scope');
    }
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, instanceUrl: tokens.instance_url, identityUrl: tokens.id };
  }

  async identity(identityUrl: string, accessToken: string): Promise<SalesforceIdentity> {
    const identity = await oauthRequest(this.#fetch, {
      what: 'Salesforce identity lookup',
      url: identityUrl,
      bearer: accessToken,
      schema: Identity,
      errorOf: standardOAuthError,
    });
    return { orgId: identity.organization_id, userId: identity.user_id, username: identity.username };
  }

  /**
   * Whether the token's user may administer the org's connector: Customize Application (what
   * installing a connected app takes) or Modify All Data.
   */
  async canAdministerOrg(instanceUrl: string, accessToken: string): Promise<boolean> {
    const url = new URL(`/services/data/v${API_VERSION}/query`, instanceUrl);
    url.searchParams.set('q', ADMIN_PERMISSIONS_QUERY);
    const answer = await oauthRequest(this.#fetch, { what: 'Salesforce permission check', url: url.toString(), bearer: accessToken, schema: PermissionAccess, errorOf: restError });
    const [permissions] = answer.records;
    return permissions!.PermissionsCustomizeApplication || permissions!.PermissionsModifyAllData;
  }

  async refresh(loginUrl: string, refreshToken: string): Promise<SalesforceRefresh> {
    const tokens = await oauthRequest(this.#fetch, {
      what: 'Salesforce token refresh',
      url: new URL('/services/oauth2/token', loginUrl).toString(),
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.#app.clientId, client_secret: this.#app.clientSecret },
      schema: TokenResponse,
      errorOf: standardOAuthError,
    });
    this.#checkSignature(tokens);
    await this.#checkAnsweredUrls(tokens);
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, instanceUrl: tokens.instance_url };
  }

  /** Revoking the refresh token ends its access tokens too. */
  async revoke(loginUrl: string, token: string): Promise<void> {
    await oauthRequest(this.#fetch, {
      what: 'Salesforce token revocation',
      url: new URL('/services/oauth2/revoke', loginUrl).toString(),
      form: { token },
      errorOf: standardOAuthError,
    });
  }

  /** The instance URL (jsforce's base) and identity URL come from the answer: public https addresses only, as any URL not the operator's. */
  async #checkAnsweredUrls(tokens: z.infer<typeof TokenResponse>): Promise<void> {
    for (const [field, url] of [['instance_url', tokens.instance_url], ['id', tokens.id]] as const) {
      try {
        await this.#outbound.checkAnsweredUrl(url);
      } catch (error) {
        const refusal = outboundRefusalIn(error);
        if (refusal) throw new OAuthRequestError('rejected', `Salesforce token response: ${field} ${refusal.message}`);
        throw new OAuthRequestError('unavailable', `Salesforce token response: ${field}: its host could not be resolved (${(error as Error).message})`, { cause: error });
      }
    }
  }

  /** `signature` = base64(HMAC-SHA256(id + issued_at, client secret)): the answer came from the app's own login server. */
  #checkSignature(tokens: z.infer<typeof TokenResponse>): void {
    if (tokens.signature === undefined || tokens.issued_at === undefined) return;
    const expected = createHmac('sha256', this.#app.clientSecret).update(tokens.id + tokens.issued_at).digest('base64');
    if (!sameText(expected, tokens.signature)) {
      throw new OAuthRequestError('rejected', 'Salesforce token response: the signature does not match (is SALESFORCE_CLIENT_SECRET right?)');
    }
  }
}
