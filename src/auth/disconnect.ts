/**
 * Disconnecting an installation (the admin's button): revoke the refresh token at the CRM (HubSpot
 * `DELETE /oauth/v1/refresh-tokens/:t`, Salesforce `POST /services/oauth2/revoke`), wipe the stored
 * tokens and mark it `disconnected`, holding the installation's token lease so a refresh running
 * elsewhere cannot write tokens back. From then on its webhooks are acknowledged and ignored and
 * its sync jobs fail as auth errors; the installation itself (platform settings, webhook secret,
 * bindings, sync records) stays, so reconnecting the same portal/org picks up where it left off.
 * Every admin session managing it ends too.
 */
import type { Logger } from '../log.ts';
import { endInstallationSessions } from '../store/admin-sessions.ts';
import { setInstallationStatus, updateCrmCredentials, type CrmSettings } from '../store/installations.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import type { CrmName } from '../crm/write-plan.ts';
import type { ConnectorOAuth } from './connector-oauth.ts';
import type { InstallationTokens } from './installation-tokens.ts';
import { OAuthRequestError } from './oauth-http.ts';
import { withTokenLease } from './token-lease.ts';

export interface DisconnectDeps {
  store: Store;
  box: SecretBox;
  oauth: ConnectorOAuth;
  tokens: InstallationTokens;
  logger: Logger;
}

export interface DisconnectResult {
  /** False when the CRM could not be told (unreachable, or no OAuth app configured): the tokens are wiped here anyway. */
  revoked: boolean;
  detail: string;
}

export class UnknownInstallationError extends Error {
  constructor(id: string) {
    super(`no installation ${JSON.stringify(id)}`);
    this.name = 'UnknownInstallationError';
  }
}

export const DISCONNECTED_BY_ADMIN = 'disconnected by an admin: reconnect it to sync again';

export async function disconnectInstallation(deps: DisconnectDeps, installationId: string): Promise<DisconnectResult> {
  // Revoked holding the token lease, with no transaction open while the CRM answers; a refresh that
  // took the lease first finishes (or expires) before, and cannot write its tokens back after.
  const result = await withTokenLease(deps, installationId, async ({ row, write }) => {
    const refreshToken = row.crmCredentials.refreshToken;
    const revocation = refreshToken
      ? await revokeGrant(deps.oauth, row.crm, row.crmSettings, refreshToken)
      : { revoked: false, detail: 'no refresh token was stored (a private-app or already disconnected installation): nothing to revoke' };
    if (!(await write({ credentials: {}, status: { status: 'disconnected', reason: DISCONNECTED_BY_ADMIN } }))) {
      // Only a lease that expired mid-call gets here: wipe anyway, the admin asked for it.
      await updateCrmCredentials(deps.store, deps.box, installationId, {});
      await setInstallationStatus(deps.store, installationId, 'disconnected', DISCONNECTED_BY_ADMIN);
    }
    return revocation;
  });
  if (!result) throw new UnknownInstallationError(installationId);
  deps.tokens.forget(installationId);
  // Whoever managed it must sign in again (which reconnects it), including the admin who pressed the button.
  const sessionsEnded = await endInstallationSessions(deps.store, installationId);
  deps.logger.info({ installationId, revoked: result.revoked, sessionsEnded }, `installation disconnected: ${result.detail}`);
  return result;
}

/** Revokes a refresh token at its CRM; never throws: what could not be done is in `detail`. */
export async function revokeGrant(oauth: ConnectorOAuth, crm: CrmName, settings: CrmSettings, refreshToken: string): Promise<DisconnectResult> {
  try {
    if (crm === 'hubspot') {
      if (!oauth.hubspot) return { revoked: false, detail: 'HUBSPOT_CLIENT_ID is not configured, so the token could not be revoked at HubSpot' };
      await oauth.hubspot.revoke(refreshToken);
      return { revoked: true, detail: 'the refresh token was revoked at HubSpot' };
    }
    if (!oauth.salesforce) return { revoked: false, detail: 'SALESFORCE_CLIENT_ID is not configured, so the token could not be revoked at Salesforce' };
    await oauth.salesforce.revoke(settings.loginUrl ?? oauth.salesforce.loginUrl('production'), refreshToken);
    return { revoked: true, detail: 'the refresh token was revoked at Salesforce' };
  } catch (error) {
    if (error instanceof OAuthRequestError && error.kind === 'rejected') {
      // The CRM no longer knows the token (already uninstalled or rotated away): nothing is left to revoke.
      return { revoked: true, detail: `the CRM no longer accepted the refresh token (${error.message})` };
    }
    return { revoked: false, detail: `the CRM could not be reached to revoke the token (${(error as Error).message}); it was wiped here` };
  }
}
