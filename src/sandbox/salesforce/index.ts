/**
 * `startSalesforceSandbox`: a local stand-in for Salesforce that unmodified jsforce talks to
 * (`instanceUrl` and `loginUrl` both point at it). Several orgs, each with its own data, tokens,
 * daily API allocation, rules and injected faults; everything a test needs is also reachable
 * over HTTP under `/_sandbox`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../log.ts';
import { createSalesforceApp } from './app.ts';
import { OrgRegistry } from './org/org-registry.ts';
import type { SalesforceOrg } from './org/salesforce-org.ts';
import type { FaultSpec } from './org/faults.ts';
import { OAuthClient, TokenVault, type AuthorizationRequest } from './oauth/token-vault.ts';
import { orgState, orgStats, type OrgState, type OrgStats } from './inspect/org-state.ts';
import type { SandboxControl } from './inspect/sandbox-routes.ts';
import type { OrgRule } from './validation/org-rules.ts';

export interface SalesforceSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** API calls each org may make in a rolling 24 hours (Salesforce's Developer Edition: 15,000). */
  dailyLimit?: number;
  /** Access token lifetime; expired tokens answer 401 INVALID_SESSION_ID and jsforce refreshes. */
  accessTokenTtlSeconds?: number;
  /** Connected apps allowed to use the token endpoint; one with a random secret when omitted. */
  oauthClients?: OAuthClient[];
  /** The clock behind token expiry and the rolling allocation window (tests move it forward). */
  now?: () => number;
  log?: Logger;
}

/** What an org's admin would have after connecting the first OAuth client. */
export interface OrgCredentials {
  orgId: string;
  userId: string;
  username: string;
  instanceUrl: string;
  /** The client the tokens belong to (refreshes must use it). */
  clientId: string;
  accessToken: string;
  refreshToken: string;
}

export interface CreateOrgOptions {
  /**
   * Fields (`Object.Field__c`) the org starts without, as an org set up before the connector's
   * fields existed: the connector then creates them through the Tooling API.
   */
  withoutFields?: readonly string[];
}

export interface SalesforceSandbox {
  url: string;
  oauthClients: readonly OAuthClient[];
  defaultOrg: OrgCredentials;
  createOrg(options?: CreateOrgOptions): OrgCredentials;
  state(orgId: string): OrgState;
  stats(orgId: string): OrgStats;
  injectFaults(orgId: string, spec: FaultSpec): void;
  addRule(orgId: string, rule: OrgRule): void;
  /** Ends the org's access tokens (refresh tokens keep working); returns how many ended. */
  expireTokens(orgId: string): number;
  /** Forgets the org's counted API calls, as if the 24-hour window had moved past them. */
  resetUsage(orgId: string): void;
  issueAuthorizationCode(request: AuthorizationRequest): string;
  /** Adds a user to the org, without Customize Application / Modify All Data unless given; pick them on the consent page by username. */
  addUser(orgId: string, user: { username: string; customizeApplication?: boolean; modifyAllData?: boolean }): { userId: string; username: string };
  /** Whether this refresh token was revoked at /services/oauth2/revoke (not merely rotated away). */
  refreshTokenRevoked(token: string): boolean;
  /** How many grants of this user of the org were revoked (a refused sign-in's, for one). */
  revokedGrantsOf(orgId: string, userId: string): number;
  close(): Promise<void>;
}

const DEFAULT_DAILY_LIMIT = 15_000;
/** Salesforce's default session timeout: two hours. */
const DEFAULT_TOKEN_TTL_SECONDS = 7_200;

export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const log = options.log ?? createLogger({ name: 'salesforce-sandbox' });
  const now = options.now ?? Date.now;
  const clients = (options.oauthClients ?? [{
    clientId: `3MVG9sandbox${randomBytes(6).toString('hex')}`,
    clientSecret: randomBytes(24).toString('hex'),
    redirectUri: 'http://127.0.0.1:3000/oauth/salesforce/callback',
  }]).map((c) => OAuthClient.parse(c));
  if (clients.length === 0) throw new Error('oauthClients: give at least one client, or omit the option for a generated one');
  const dailyLimit = options.dailyLimit ?? DEFAULT_DAILY_LIMIT;
  if (!Number.isInteger(dailyLimit) || dailyLimit < 1) throw new Error(`dailyLimit must be a positive integer, got ${dailyLimit}`);

  let url = '';
  const orgs = new OrgRegistry({ dailyLimit, now });
  const vault = new TokenVault({
    clients,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    now,
    instanceUrl: () => url,
    userOf: (orgId, userId) => {
      const org = orgs.get(orgId);
      if (userId === undefined) return org?.user.userId;
      return org?.users.has(userId) ? userId : undefined;
    },
  });

  const orgOf = (orgId: string): SalesforceOrg => {
    const org = orgs.get(orgId);
    if (!org) throw new Error(`no org ${orgId} in this sandbox`);
    return org;
  };
  const createOrg = (options: CreateOrgOptions = {}): OrgCredentials => {
    const org = orgs.create();
    for (const entry of options.withoutFields ?? []) {
      const [object, fieldName] = entry.split('.');
      const schema = object ? org.schema.sobject(object) : undefined;
      if (!schema || !fieldName || !schema.removeField(fieldName)) throw new Error(`withoutFields: ${entry} is not a field of the sandbox org (Object.Field__c)`);
    }
    const client = clients[0]!;
    const tokens = vault.connect(org.orgId, client.clientId);
    return {
      orgId: org.orgId, userId: org.user.userId, username: org.user.username, instanceUrl: url,
      clientId: client.clientId, accessToken: tokens.access_token, refreshToken: tokens.refresh_token,
    };
  };
  const control: SandboxControl = {
    orgs: () => orgs.all(),
    org: (orgId) => orgs.get(orgId),
    createOrg,
    injectFaults: (orgId, spec) => orgOf(orgId).faults.add(spec as FaultSpec),
    addRule: (orgId, rule) => orgOf(orgId).addRule(rule as OrgRule),
    expireTokens: (orgId) => vault.expireAccessTokens(orgOf(orgId).orgId),
    resetUsage: (orgId) => orgOf(orgId).usage.reset(),
    issueAuthorizationCode: (request) => vault.issueAuthorizationCode(request as AuthorizationRequest),
  };

  const app = createSalesforceApp({ vault, orgs, control, instanceUrl: () => url, log });
  const server = createServer(app);
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  return {
    url,
    oauthClients: clients,
    defaultOrg: createOrg(),
    createOrg,
    state: (orgId) => orgState(orgOf(orgId)),
    stats: (orgId) => orgStats(orgOf(orgId)),
    injectFaults: (orgId, spec) => control.injectFaults(orgId, spec),
    addRule: (orgId, rule) => control.addRule(orgId, rule),
    expireTokens: (orgId) => control.expireTokens(orgId),
    resetUsage: (orgId) => control.resetUsage(orgId),
    issueAuthorizationCode: (request) => vault.issueAuthorizationCode(request),
    addUser: (orgId, user) => {
      const added = orgOf(orgId).addUser(user);
      return { userId: added.userId, username: added.username };
    },
    refreshTokenRevoked: (token) => vault.wasRevoked(token),
    revokedGrantsOf: (orgId, userId) => vault.revokedGrantsOf(orgId, userId),
    close: () => close(server),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive connections from SDK clients would otherwise hold the server open.
    server.closeAllConnections();
  });
}
