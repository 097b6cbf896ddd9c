/**
 * A local, faithful HubSpot for the demo, e2e tests and benchmarks: the CRM endpoints the
 * connector's adapter calls, with HubSpot's response and error shapes, enforced rate limits,
 * OAuth, several portals, fault injection, and pages to inspect what was written. The
 * unmodified `@hubspot/api-client` talks to it through `basePath`.
 */
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createHubSpotSandboxApp } from './app.ts';
import { FaultSpec } from './faults.ts';
import { resolveOptions, type HubSpotSandboxOptions } from './options.ts';
import { portalState, type PortalState } from './portal-state.ts';
import { PortalRegistry, type PortalUser } from './portals.ts';
import type { RequestStatsSnapshot } from './request-stats.ts';
import type { SandboxContext } from './sandbox-context.ts';
import { TokenVault } from './tokens.ts';
import { describeIssues } from '../../zod-issues.ts';

export type { HubSpotSandboxOptions } from './options.ts';
export type { PortalState } from './portal-state.ts';
export type { RequestStatsSnapshot } from './request-stats.ts';
export type { FaultSpec } from './faults.ts';
export type { PortalUser } from './portals.ts';

export interface PortalCredentials {
  portalId: number;
  privateAppToken: string;
}

export interface HubSpotSandbox {
  /** Base URL to pass as the SDK's `basePath`. */
  url: string;
  defaultPortal: PortalCredentials;
  createPortal(): PortalCredentials;
  /** Objects, associations, custom properties and stats of a portal (default portal if omitted). */
  state(portalId?: number): PortalState;
  stats(portalId?: number): RequestStatsSnapshot;
  /** The portal's next `count` matching API requests fail, are delayed, or both. */
  injectFaults(portalId: number, faults: FaultSpec): void;
  clearFaults(portalId: number): void;
  /** Every OAuth access token of the portal expires now (private-app tokens never expire). */
  expireTokens(portalId: number): void;
  /** What a consent page would hand the redirect URI (for `userId`, a user of the portal; else its first super admin). */
  issueAuthorizationCode(portalId: number, request: { clientId: string; redirectUri: string; scopes?: string[]; userId?: number }): string;
  /** Adds a user to the portal; they can then be picked on the consent page (by email). */
  addUser(portalId: number, user: { email: string; superAdmin?: boolean }): PortalUser;
  /** Whether the connector revoked this refresh token (DELETE /oauth/v1/refresh-tokens/:t), not merely rotated it away. */
  refreshTokenRevoked(token: string): boolean;
  /** How many grants a user of the portal consented to were revoked (a refused sign-in's, for one). */
  revokedGrantsOf(portalId: number, userId: number): number;
  /** A user removes the app in the portal's settings: its grants end; a refresh then answers BAD_REFRESH_TOKEN. */
  uninstallApp(portalId: number, clientId: string): void;
  close(): Promise<void>;
}

export async function startHubSpotSandbox(options: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const resolved = resolveOptions(options);
  const now = () => Date.now();
  const tokens = new TokenVault({
    tokenTtlSeconds: resolved.tokenTtlSeconds, clients: resolved.oauthClients, rotateRefreshTokens: resolved.rotateRefreshTokens, now,
  });
  const portals = new PortalRegistry({ tokens, limits: resolved.limits, now });
  const context: SandboxContext = { portals, tokens, operations: { reverseBatchResults: resolved.reverseBatchResults }, now };
  const first = portals.create();
  const credentials = (portal: PortalCredentials): PortalCredentials => ({ portalId: portal.portalId, privateAppToken: portal.privateAppToken });

  const server = createHubSpotSandboxApp(context, () => first.portalId).listen(resolved.port, resolved.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  return {
    url: `http://${host}:${port}`,
    defaultPortal: credentials(first),
    createPortal: () => credentials(portals.create()),
    state: (portalId = first.portalId) => portalState(portals.get(portalId)),
    stats: (portalId = first.portalId) => portals.get(portalId).stats.snapshot(),
    injectFaults(portalId, faults) {
      const parsed = FaultSpec.safeParse(faults);
      if (!parsed.success) throw new Error(`Invalid fault spec:\n${describeIssues(parsed.error, 'faults').join('\n')}`);
      portals.get(portalId).faults.add(parsed.data);
    },
    clearFaults: (portalId) => portals.get(portalId).faults.clear(),
    expireTokens: (portalId) => tokens.expireAccessTokens(portals.get(portalId).portalId),
    issueAuthorizationCode(portalId, { userId, ...request }) {
      const portal = portals.get(portalId);
      const user = userId === undefined ? undefined : portal.users.get(userId);
      if (userId !== undefined && !user) throw new Error(`HubSpot sandbox portal ${portalId} has no user ${userId}`);
      return tokens.issueAuthorizationCode(portal.portalId, { ...request, user: user && { userId: user.userId, email: user.email } });
    },
    addUser: (portalId, user) => portals.addUser(portalId, user),
    refreshTokenRevoked: (token) => tokens.wasRevoked(token),
    revokedGrantsOf: (portalId, userId) => tokens.revokedGrantsOf(portalId, userId),
    uninstallApp: (portalId, clientId) => {
      tokens.uninstall(portals.get(portalId).portalId, clientId);
    },
    async close() {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      await closed;
    },
  };
}
