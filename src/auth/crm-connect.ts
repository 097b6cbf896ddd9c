/**
 * What differs between the CRMs in the connect flow, behind one interface the routes use: how an
 * install URL's query becomes the flow's start (login host, PKCE), the authorize URL, and how a
 * returned code becomes a CRM connection (tokens, the portal/org it opens, who signed in).
 */
import { z } from 'zod';
import type { CrmName } from '../crm/write-plan.ts';
import type { Manifest } from '../manifest.ts';
import type { CrmConnection, CrmSettings } from '../store/installations.ts';
import { USERS_READ_SCOPE, type HubSpotOAuth } from './hubspot-oauth.ts';
import { credentialsOf } from './installation-tokens.ts';
import type { PendingFlow } from './oauth-state.ts';
import { newPkcePair } from './pkce.ts';
import type { SalesforceOAuth } from './salesforce-oauth.ts';

export interface FlowStartFields {
  loginUrl?: string;
  codeVerifier?: string;
  codeChallenge?: string;
}

export interface CompletedConnection {
  connection: CrmConnection;
  /** Who the CRM says signed in: the admin session's user (HubSpot user email, Salesforce username). */
  user: string;
  /** The CRM's id of that user (HubSpot user id, Salesforce user id), when it says. */
  userId: string | undefined;
  /** The refresh token the exchange granted: not revoked when it is the one already stored. */
  refreshToken: string;
  /**
   * Whether the CRM itself says the user administers the account: Salesforce's Customize
   * Application or Modify All Data; a HubSpot super admin. Undefined when the CRM cannot be asked
   * (the HubSpot user did not grant the optional settings.users.read scope).
   */
  crmAdmin(): Promise<boolean | undefined>;
  /** Revokes what the exchange just granted, when the connection is refused afterwards. */
  abandon(): Promise<void>;
}

export interface CrmConnect {
  crm: CrmName;
  label: string;
  installPath: string;
  redirectPath: string;
  /** Throws a ZodError naming the bad query parameter. */
  begin(query: unknown): FlowStartFields;
  authorizeUrl(state: string, start: FlowStartFields): string;
  /** Install URL parameters that start the same flow again (the Salesforce environment). */
  restartQuery(flow: PendingFlow): Record<string, string>;
  complete(code: string, flow: PendingFlow): Promise<CompletedConnection>;
  /** Revokes a grant stored before (one a reinstall replaced), with the settings stored with it. */
  revoke(refreshToken: string, settings: CrmSettings): Promise<void>;
}

export function hubSpotConnect(oauth: HubSpotOAuth, manifest: Manifest['crms']['hubspot']): CrmConnect {
  return {
    crm: 'hubspot',
    label: 'HubSpot',
    installPath: manifest.installPath,
    redirectPath: manifest.redirectPath,
    begin: () => ({}),
    authorizeUrl: (state) => oauth.authorizeUrl(state),
    restartQuery: () => ({}),
    async complete(code) {
      const tokens = await oauth.exchangeCode(code);
      // The token says which portal the user picked on HubSpot's consent screen.
      const info = await oauth.tokenInfo(tokens.accessToken);
      return {
        connection: {
          name: `hubspot:${info.portalId}`,
          crm: 'hubspot',
          crmAccountId: info.portalId,
          crmSettings: { apiUrl: oauth.apiUrl },
          crmCredentials: credentialsOf(tokens),
        },
        user: info.user ?? `HubSpot portal ${info.portalId}`,
        userId: info.userId,
        refreshToken: tokens.refreshToken,
        crmAdmin: async () => {
          if (info.userId === undefined || !info.scopes.includes(USERS_READ_SCOPE)) return undefined;
          return oauth.isSuperAdmin(tokens.accessToken, info.userId);
        },
        abandon: () => oauth.revoke(tokens.refreshToken),
      };
    },
    revoke: (refreshToken) => oauth.revoke(refreshToken),
  };
}

const SalesforceInstallQuery = z.looseObject({
  env: z.enum(['production', 'sandbox'], { error: 'env must be production or sandbox' }).default('production'),
});

export function salesforceConnect(oauth: SalesforceOAuth, manifest: Manifest['crms']['salesforce']): CrmConnect {
  return {
    crm: 'salesforce',
    label: 'Salesforce',
    installPath: manifest.installPath,
    redirectPath: manifest.redirectPath,
    begin(query) {
      const { env } = SalesforceInstallQuery.parse(query);
      const pkce = newPkcePair();
      return { loginUrl: oauth.loginUrl(env), codeVerifier: pkce.verifier, codeChallenge: pkce.challenge };
    },
    authorizeUrl(state, start) {
      if (!start.loginUrl || !start.codeChallenge) throw new Error('a Salesforce flow starts with a login host and a PKCE challenge');
      return oauth.authorizeUrl(start.loginUrl, state, start.codeChallenge);
    },
    restartQuery: (flow): Record<string, string> => (flow.loginUrl === oauth.loginUrl('sandbox') ? { env: 'sandbox' } : {}),
    async complete(code, flow) {
      if (!flow.loginUrl || !flow.codeVerifier) throw new Error('the Salesforce flow lost its login host or PKCE verifier');
      const loginUrl = flow.loginUrl;
      const tokens = await oauth.exchangeCode(loginUrl, code, flow.codeVerifier);
      // The identity URL says which org and user the tokens belong to.
      const identity = await oauth.identity(tokens.identityUrl, tokens.accessToken);
      return {
        connection: {
          name: `salesforce:${identity.orgId}`,
          crm: 'salesforce',
          crmAccountId: identity.orgId,
          crmSettings: { instanceUrl: tokens.instanceUrl, loginUrl },
          crmCredentials: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken },
        },
        user: identity.username,
        userId: identity.userId,
        refreshToken: tokens.refreshToken,
        crmAdmin: () => oauth.canAdministerOrg(tokens.instanceUrl, tokens.accessToken),
        abandon: () => oauth.revoke(loginUrl, tokens.refreshToken),
      };
    },
    revoke: (refreshToken, settings) => oauth.revoke(settings.loginUrl ?? oauth.loginUrl('production'), refreshToken),
  };
}
