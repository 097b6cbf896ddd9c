/**
 * The token provider of OAuth installations: hands the adapters a valid access token, refreshes
 * it when it is under 5 minutes from expiry (or after the CRM rejected it), and persists what the
 * CRM returns, including a rotated refresh token.
 *
 * One refresh at a time per installation: in this process, concurrent callers share the refresh
 * in flight (single-flight); across processes the refresh runs holding the installation's token
 * lease (src/auth/token-lease.ts: taken and committed before the CRM is called, no transaction
 * open during the call) and reads the row as the lease is taken, so a process that waited finds
 * the token the other one stored and does not refresh again (which, with rotation, would fail).
 *
 * A refresh the CRM refuses for good marks the installation, with the same compare-and-set write:
 * HubSpot's BAD_REFRESH_TOKEN means the app was uninstalled from the portal (`uninstalled`, tokens
 * wiped); Salesforce's invalid_grant & co. mean `disconnected` with "needs reconnection: …".
 */
import type { CrmCredentials, CrmSettings, Installation, InstallationStatus } from '../store/installations.ts';
import { getInstallation, lockCrmCredentials, setInstallationStatus, updateCrmCredentials } from '../store/installations.ts';
import { CrmError } from '../crm/errors.ts';
import type { HubSpotTokens } from '../crm/hubspot/api.ts';
import type { RotatedTokens, SalesforceTokens } from '../crm/salesforce/session.ts';
import type { CrmName } from '../crm/write-plan.ts';
import type { Logger } from '../log.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { HUBSPOT_DEAD_GRANTS, type HubSpotOAuth } from './hubspot-oauth.ts';
import { OAuthRequestError } from './oauth-http.ts';
import { SALESFORCE_DEAD_GRANTS, type SalesforceOAuth } from './salesforce-oauth.ts';
import { withTokenLease, type HeldTokenLease } from './token-lease.ts';

export const REFRESH_MARGIN_SECONDS = 5 * 60;
/** A refresh asked for without knowing which token was rejected: whatever is stored is. */
const STORED = Symbol('stored token');
export const NEEDS_RECONNECTION = 'needs reconnection';
export const UNINSTALLED_FROM_HUBSPOT = 'uninstalled from HubSpot: install again to resume';

/** The access token this process last saw for an installation. */
interface HeldToken {
  accessToken: string;
  /** Unix ms; undefined when the CRM does not say (Salesforce: refreshed when rejected). */
  expiresAt: number | undefined;
}

export interface InstallationTokensOptions {
  store: Store;
  box: SecretBox;
  /** Absent when the app is not configured: installations of that CRM cannot refresh. */
  hubspot: HubSpotOAuth | undefined;
  salesforce: SalesforceOAuth | undefined;
  logger: Logger;
  now?: () => number;
  /** How long a refresh may hold the token lease before another process may take it over (tests shorten it). */
  leaseSeconds?: number;
}

/** What the Salesforce adapter (src/crm/salesforce/session.ts) takes for one installation. */
export interface SalesforceSessionTokens {
  tokens: SalesforceTokens;
  onTokensRotated(tokens: RotatedTokens): Promise<void>;
  onNeedsReconnection(reason: string): void;
}

type RefreshOutcome = { ok: true; held: HeldToken } | { ok: false; error: CrmError };

export const credentialsOf = (tokens: { accessToken: string; refreshToken: string; expiresAt: number | undefined }): CrmCredentials => ({
  accessToken: tokens.accessToken,
  refreshToken: tokens.refreshToken,
  ...(tokens.expiresAt === undefined ? {} : { expiresAt: new Date(tokens.expiresAt).toISOString() }),
});

export class InstallationTokens {
  readonly #options: InstallationTokensOptions;
  readonly #now: () => number;
  readonly #held = new Map<string, HeldToken>();
  readonly #refreshing = new Map<string, Promise<HeldToken>>();
  readonly #leaseOptions: { leaseSeconds?: number };

  constructor(options: InstallationTokensOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#leaseOptions = options.leaseSeconds === undefined ? {} : { leaseSeconds: options.leaseSeconds };
  }

  /**
   * HubSpot adapter tokens for an installation. A private-app token (no refresh token) is handed
   * out as it is; an OAuth installation's token is refreshed before it expires and after a 401.
   */
  hubspot(installation: Installation): HubSpotTokens {
    const { accessToken, refreshToken } = installation.crmCredentials;
    if (!refreshToken) {
      return {
        getAccessToken: async () => {
          if (!accessToken) throw new CrmError('auth', `installation ${installation.id} has no HubSpot token stored: reconnect it`, { code: 'NO_TOKEN' });
          return accessToken;
        },
      };
    }
    this.#seed(installation.id, installation.crmCredentials);
    return {
      getAccessToken: () => this.getAccessToken(installation.id),
      refresh: () => this.refresh(installation.id),
    };
  }

  /**
   * The Salesforce adapter's session options for an installation: the stored tokens and the OAuth
   * app's credentials (a single-tenant installation brings its own), a hook that persists rotated
   * tokens, and one that marks the installation as needing reconnection.
   */
  salesforceSession(installation: Installation): SalesforceSessionTokens {
    const { crmCredentials: credentials, crmSettings: settings } = installation;
    const app = this.#options.salesforce?.app;
    const clientId = settings.clientId ?? app?.clientId;
    const clientSecret = credentials.clientSecret ?? app?.clientSecret;
    return {
      tokens: {
        accessToken: credentials.accessToken ?? '',
        ...(credentials.refreshToken ? { refreshToken: credentials.refreshToken } : {}),
        ...(clientId ? { clientId } : {}),
        ...(clientSecret ? { clientSecret } : {}),
        ...(settings.loginUrl ? { loginUrl: settings.loginUrl } : {}),
      },
      onTokensRotated: (rotated) => this.#persistSalesforceRotation(installation.id, rotated),
      onNeedsReconnection: (reason) => {
        this.markNeedsReconnection(installation.id, reason).catch((error: unknown) =>
          this.#options.logger.error({ installationId: installation.id, err: (error as Error).message }, 'could not mark the installation as needing reconnection'),
        );
      },
    };
  }

  /** A valid access token, refreshed first when it expires within 5 minutes. */
  async getAccessToken(installationId: string): Promise<string> {
    const held = this.#held.get(installationId) ?? (await this.#readStored(installationId));
    if (this.#isFresh(held)) return held.accessToken;
    return (await this.#refreshOnce(installationId, undefined)).accessToken;
  }

  /**
   * After the CRM rejected a token (by default the one this process holds; with none held, the
   * stored one): a new token, or the one another process already stored in its place.
   */
  async refresh(installationId: string, rejectedToken?: string): Promise<string> {
    const rejected = rejectedToken ?? this.#held.get(installationId)?.accessToken ?? STORED;
    return (await this.#refreshOnce(installationId, rejected)).accessToken;
  }

  /** Drops what this process holds (after a reconnect or disconnect here). */
  forget(installationId: string): void {
    this.#held.delete(installationId);
  }

  async markNeedsReconnection(installationId: string, reason: string): Promise<void> {
    this.forget(installationId);
    await setInstallationStatus(this.#options.store, installationId, 'disconnected', `${NEEDS_RECONNECTION}: ${reason}`);
    this.#options.logger.warn({ installationId, reason }, 'installation needs reconnection');
  }

  #isFresh(held: HeldToken): boolean {
    return held.expiresAt === undefined || held.expiresAt - this.#now() > REFRESH_MARGIN_SECONDS * 1000;
  }

  /** Keeps the token of the freshest source: what this process refreshed, or what the adapter was built with. */
  #seed(installationId: string, credentials: CrmCredentials): void {
    const candidate = heldOf(credentials);
    const held = this.#held.get(installationId);
    if (candidate && (!held || (candidate.expiresAt ?? 0) > (held.expiresAt ?? 0))) this.#held.set(installationId, candidate);
  }

  async #readStored(installationId: string): Promise<HeldToken> {
    const installation = await getInstallation(this.#options.store, this.#options.box, installationId);
    if (!installation) throw new CrmError('auth', `installation ${installationId} no longer exists`, { code: 'NO_INSTALLATION' });
    if (installation.status !== 'active') throw inactiveError(installationId, installation.status, installation.statusReason);
    const held = heldOf(installation.crmCredentials);
    if (!held) throw new CrmError('auth', `installation ${installationId} has no CRM token stored: reconnect it`, { code: 'NO_TOKEN' });
    this.#held.set(installationId, held);
    return held;
  }

  /** `rejected`: undefined when refreshing because of expiry; STORED when whatever is stored was rejected. */
  #refreshOnce(installationId: string, rejected: string | typeof STORED | undefined): Promise<HeldToken> {
    let pending = this.#refreshing.get(installationId);
    if (!pending) {
      pending = this.#refreshLeased(installationId, rejected).finally(() => this.#refreshing.delete(installationId));
      this.#refreshing.set(installationId, pending);
    }
    return pending;
  }

  async #refreshLeased(installationId: string, rejected: string | typeof STORED | undefined): Promise<HeldToken> {
    const { store, box, logger } = this.#options;
    // Failures are returned, not thrown, so the lease is written (a status) or released before they surface.
    const outcome = await withTokenLease({ store, box, ...this.#leaseOptions }, installationId, async ({ row, write }): Promise<RefreshOutcome> => {
      if (row.status !== 'active') return { ok: false, error: inactiveError(installationId, row.status, row.statusReason) };
      const stored = heldOf(row.crmCredentials);
      // Another process (or an earlier caller here) refreshed while we waited for the lease.
      if (stored && rejected !== STORED && stored.accessToken !== rejected && this.#isFresh(stored)) return { ok: true, held: stored };
      const refreshToken = row.crmCredentials.refreshToken;
      if (!refreshToken) return this.#deadGrant(write, installationId, 'no refresh token is stored', false);
      let next: { credentials: CrmCredentials; settings?: CrmSettings; held: HeldToken };
      try {
        // No transaction is open here: the lease alone keeps other refreshes of this installation out.
        next = await this.#callRefresh(row.crm, row.crmSettings, row.crmCredentials, refreshToken, installationId);
      } catch (error) {
        if (isDeadGrant(error)) return this.#deadGrant(write, installationId, (error as Error).message, row.crm === 'hubspot');
        // Refused for another reason (the app's own credentials): an operator fixes the configuration; the installation stays.
        const kind = error instanceof OAuthRequestError && error.kind === 'rejected' ? 'auth' : 'retryable';
        return { ok: false, error: new CrmError(kind, `token refresh failed: ${(error as Error).message}`, { code: 'REFRESH_FAILED', cause: error }) };
      }
      if (!(await write({ credentials: next.credentials, ...(next.settings ? { settings: next.settings } : {}) }))) {
        // A reinstall or disconnect replaced the tokens while the CRM answered: what we got is not the installation's any more.
        return { ok: false, error: new CrmError('retryable', `installation ${installationId}: its tokens were replaced during the refresh`, { code: 'TOKENS_REPLACED' }) };
      }
      return { ok: true, held: next.held };
    });
    const settled = outcome ?? { ok: false, error: new CrmError('auth', `installation ${installationId} no longer exists`, { code: 'NO_INSTALLATION' }) };
    if (!settled.ok) {
      this.#held.delete(installationId);
      logger.warn({ installationId, kind: settled.error.kind, code: settled.error.code }, settled.error.message);
      throw settled.error;
    }
    this.#held.set(installationId, settled.held);
    return settled.held;
  }

  async #callRefresh(
    crm: CrmName,
    settings: CrmSettings,
    credentials: CrmCredentials,
    refreshToken: string,
    installationId: string,
  ): Promise<{ credentials: CrmCredentials; settings?: CrmSettings; held: HeldToken }> {
    const { hubspot, salesforce } = this.#options;
    if (crm === 'salesforce') {
      if (!salesforce) throw new Error(`installation ${installationId}: SALESFORCE_CLIENT_ID/SECRET are not configured, so its token cannot be refreshed`);
      const loginUrl = settings.loginUrl ?? salesforce.loginUrl('production');
      const tokens = await salesforce.refresh(loginUrl, refreshToken);
      // Rotation: the old refresh token stopped working the moment the new one was issued.
      const nextCredentials = { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? refreshToken };
      return {
        credentials: nextCredentials,
        settings: { ...settings, instanceUrl: tokens.instanceUrl },
        held: { accessToken: tokens.accessToken, expiresAt: undefined },
      };
    }
    if (!hubspot) throw new Error(`installation ${installationId}: HUBSPOT_CLIENT_ID/SECRET are not configured, so its token cannot be refreshed`);
    const tokens = await hubspot.refresh(refreshToken);
    return { credentials: { ...credentials, ...credentialsOf(tokens) }, held: { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt } };
  }

  /**
   * The CRM refused the grant for good. On HubSpot that means the app was uninstalled from the
   * portal (HubSpot refresh tokens do not expire; uninstalling or revoking answers BAD_REFRESH_TOKEN):
   * the tokens are wiped and the installation waits for an install. Elsewhere it needs reconnection.
   */
  async #deadGrant(write: HeldTokenLease['write'], installationId: string, why: string, uninstalled: boolean): Promise<RefreshOutcome> {
    if (uninstalled) {
      await write({ credentials: {}, status: { status: 'uninstalled', reason: UNINSTALLED_FROM_HUBSPOT } });
      this.#options.logger.warn({ installationId, why }, 'installation uninstalled from HubSpot: tokens wiped');
      return { ok: false, error: inactiveError(installationId, 'uninstalled', UNINSTALLED_FROM_HUBSPOT) };
    }
    const reason = `${NEEDS_RECONNECTION}: the CRM refused to refresh the access token (${why})`;
    await write({ status: { status: 'disconnected', reason } });
    return { ok: false, error: new CrmError('auth', `installation ${installationId} ${reason}`, { code: 'NEEDS_RECONNECTION', status: 401 }) };
  }

  async #persistSalesforceRotation(installationId: string, rotated: RotatedTokens): Promise<void> {
    const { store, box } = this.#options;
    await store.transaction(async (tx) => {
      const row = await lockCrmCredentials(tx, box, installationId);
      if (!row || row.status !== 'active') return;
      await updateCrmCredentials(tx, box, installationId, {
        ...row.crmCredentials,
        accessToken: rotated.accessToken,
        ...(rotated.refreshToken ? { refreshToken: rotated.refreshToken } : {}),
      });
      await tx.query('UPDATE installations SET crm_settings = $2::jsonb WHERE id = $1', [
        installationId,
        JSON.stringify({ ...row.crmSettings, instanceUrl: rotated.instanceUrl }),
      ]);
    });
  }
}

function heldOf(credentials: CrmCredentials): HeldToken | undefined {
  if (!credentials.accessToken) return undefined;
  const expiresAt = credentials.expiresAt === undefined ? undefined : Date.parse(credentials.expiresAt);
  return { accessToken: credentials.accessToken, expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt };
}

function isDeadGrant(error: unknown): boolean {
  if (!(error instanceof OAuthRequestError) || error.kind !== 'rejected') return false;
  return error.code !== undefined && (HUBSPOT_DEAD_GRANTS.has(error.code) || SALESFORCE_DEAD_GRANTS.has(error.code));
}

/** Why an installation that is not active hands out no token. */
function inactiveError(installationId: string, status: Exclude<InstallationStatus, 'active'>, reason: string | null): CrmError {
  if (status === 'uninstalled') {
    return new CrmError('auth', `installation ${installationId} was ${UNINSTALLED_FROM_HUBSPOT}`, { code: 'UNINSTALLED', status: 401 });
  }
  return new CrmError('auth', `installation ${installationId} is disconnected${reason ? ` (${reason})` : ''}: reconnect it from the admin pages`, {
    code: 'DISCONNECTED',
    status: 401,
  });
}
