/**
 * The authenticated link to one Salesforce org: a jsforce Connection (explicit API version and
 * instance URL) and the OAuth refresh, done here rather than by jsforce's own refresh delegate.
 *
 * Why not jsforce's delegate (read in node_modules/jsforce/lib): its default refresh function
 * calls `_establish()` without the rotated `refresh_token` (the token response only reaches the
 * `refresh` event's second argument), it wraps the OAuth error so `invalid_grant` can no longer be
 * told from a network failure, and `HttpApi.request` re-sends a 401 after every refresh without
 * bound, so a freshly issued token that is still rejected loops. Here: one refresh per org at a
 * time (concurrent 401s share one promise; a 401 on an already replaced token just retries),
 * the rotated refresh token is persisted before the calls go on, `invalid_grant` marks the
 * installation as needing reconnection, and each call retries at most once after a refresh.
 */
import { Connection, OAuth2 } from 'jsforce';
import { CrmError } from '../errors.ts';
import type { Logger } from '../../log.ts';
import { TokenResponse } from './responses.ts';

export interface SalesforceTokens {
  accessToken: string;
  /** Without it (and a client id) an expired access token means the installation must reconnect. */
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  /** OAuth host of the org (`https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain). */
  loginUrl?: string;
  /**
   * A token provider that refreshes for the session (the service's, which holds the installation's
   * row lock so several processes never spend one rotating refresh token twice). Given the token
   * Salesforce rejected, it answers a valid one: new, or the one another process already stored.
   * It throws an `auth` CrmError when the grant is gone (and has then recorded that itself).
   * When set, refreshToken/clientId/clientSecret are not used.
   */
  refresh?: (rejectedToken: string) => Promise<string>;
}

/** What to persist after a refresh: the refresh token is the rotated one when the org rotates them. */
export interface RotatedTokens {
  accessToken: string;
  refreshToken: string | undefined;
  instanceUrl: string;
}

export interface SessionOptions {
  instanceUrl: string;
  apiVersion: string;
  tokens: SalesforceTokens;
  onTokensRotated?: (tokens: RotatedTokens) => void | Promise<void>;
  onNeedsReconnection?: (reason: string) => void;
  log: Logger;
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute path on the instance, e.g. `/services/data/v62.0/composite`. */
  path: string;
  body?: unknown;
  timeoutMs: number;
}

export interface ApiUsage {
  used: number;
  limit: number;
}

const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';

/** OAuth errors a retry cannot fix: the grant is gone or the connected app is misconfigured. */
const isGrantFailure = (error: unknown): boolean =>
  error instanceof Error && /^(invalid_|inactive_|unsupported_|unauthorized_|ERROR_HTTP_4)/.test(error.name);

export class SalesforceSession {
  readonly #options: SessionOptions;
  readonly #connection: Connection;
  readonly #oauth: OAuth2 | undefined;
  #refreshToken: string | undefined;
  #refreshing: Promise<void> | undefined;
  #reconnectReason: string | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
    // No oauth2 client and no refreshToken on the Connection: jsforce then has no refresh
    // delegate and hands 401s back to us (see the module comment).
    this.#connection = new Connection({
      instanceUrl: options.instanceUrl,
      accessToken: options.tokens.accessToken,
      version: options.apiVersion,
    });
    this.#refreshToken = options.tokens.refreshToken;
    this.#oauth = options.tokens.clientId
      ? new OAuth2({
          loginUrl: options.tokens.loginUrl ?? DEFAULT_LOGIN_URL,
          clientId: options.tokens.clientId,
          ...(options.tokens.clientSecret !== undefined && { clientSecret: options.tokens.clientSecret }),
        })
      : undefined;
  }

  get instanceUrl(): string {
    return this.#connection.instanceUrl;
  }

  /** The token the next call is sent with. */
  get accessToken(): string {
    return this.#connection.accessToken ?? '';
  }

  /** Set once the org cannot be called until an admin reconnects it. */
  get reconnectReason(): string | undefined {
    return this.#reconnectReason;
  }

  /** Daily API usage from the last `Sforce-Limit-Info` header jsforce parsed, if any. */
  apiUsage(): ApiUsage | undefined {
    const usage = this.#connection.limitInfo.apiUsage;
    return usage ? { used: usage.used, limit: usage.limit } : undefined;
  }

  /** Sends one request with the current token. jsforce's own retries are off: the caller owns retrying. */
  send(request: RawRequest): Promise<unknown> {
    return this.#connection.request(
      {
        method: request.method,
        url: `${this.#connection.instanceUrl}${request.path}`,
        ...(request.body !== undefined && {
          body: JSON.stringify(request.body),
          headers: { 'content-type': 'application/json' },
        }),
      },
      { retry: { maxRetries: 0 }, timeout: request.timeoutMs },
    );
  }

  /**
   * Salesforce rejected `usedToken`. Refreshes unless another call already replaced it;
   * concurrent callers share the one refresh in flight.
   */
  async refreshAfterRejection(usedToken: string): Promise<void> {
    if (this.#reconnectReason) throw this.reconnectionError();
    if (this.accessToken !== usedToken) return;
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
  }

  /** Marks the installation as needing reconnection (once) and returns the auth error to throw. */
  needsReconnection(reason: string, code = 'NEEDS_RECONNECTION', options: { recorded?: boolean } = {}): CrmError {
    if (!this.#reconnectReason) {
      this.#reconnectReason = reason;
      this.#options.log.warn({ instanceUrl: this.instanceUrl, reason }, 'Salesforce installation needs reconnection');
      if (!options.recorded) this.#options.onNeedsReconnection?.(reason);
    }
    return new CrmError('auth', reason, { code, status: 401 });
  }

  async #refreshThrough(delegate: (rejectedToken: string) => Promise<string>): Promise<void> {
    let accessToken: string;
    try {
      accessToken = await delegate(this.accessToken);
    } catch (error) {
      // The provider classified it and, for a dead grant, already marked the installation.
      if (error instanceof CrmError && error.kind === 'auth') throw this.needsReconnection(error.message, error.code, { recorded: true });
      if (error instanceof CrmError) throw error;
      throw new CrmError('retryable', `Salesforce token refresh failed: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'REFRESH_FAILED',
        cause: error,
      });
    }
    this.#connection.accessToken = accessToken;
  }

  reconnectionError(): CrmError {
    return new CrmError('auth', `the Salesforce connection needs to be reconnected: ${this.#reconnectReason}`, {
      code: 'NEEDS_RECONNECTION',
      status: 401,
    });
  }

  /** No access token yet (an installation stored with only a refresh token): get one before the first call. */
  async ensureAccessToken(): Promise<void> {
    if (this.accessToken === '') await this.refreshAfterRejection('');
  }

  async #refresh(): Promise<void> {
    const delegate = this.#options.tokens.refresh;
    if (delegate) return this.#refreshThrough(delegate);
    if (!this.#oauth || !this.#refreshToken) {
      throw this.needsReconnection('Salesforce rejected the access token and no refresh token is configured: reconnect the installation');
    }
    let raw: unknown;
    try {
      raw = await this.#oauth.refreshToken(this.#refreshToken);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (isGrantFailure(error)) {
        const code = error instanceof Error && error.name === 'invalid_grant' ? 'INVALID_GRANT' : 'REFRESH_REJECTED';
        throw this.needsReconnection(`Salesforce refused to refresh the access token (${reason}): reconnect the installation`, code);
      }
      throw new CrmError('retryable', `Salesforce token refresh failed: ${reason}`, { code: 'REFRESH_FAILED', cause: error });
    }
    const parsed = TokenResponse.safeParse(raw);
    if (!parsed.success) {
      throw new CrmError('retryable', 'Salesforce answered the token refresh without an access token', { code: 'REFRESH_FAILED' });
    }
    const tokens = parsed.data;
    this.#connection.accessToken = tokens.access_token;
    if (tokens.instance_url) this.#connection.instanceUrl = tokens.instance_url;
    // Orgs with refresh token rotation invalidate the old one now: keep and persist the new one.
    if (tokens.refresh_token) this.#refreshToken = tokens.refresh_token;
    const rotated: RotatedTokens = { accessToken: tokens.access_token, refreshToken: this.#refreshToken, instanceUrl: this.instanceUrl };
    try {
      await this.#options.onTokensRotated?.(rotated);
    } catch (error) {
      // The new tokens still work in this process; losing them on restart means reconnecting.
      this.#options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not persist rotated Salesforce tokens');
    }
  }
}
