/**
 * The connect flow's routes, at the manifest's paths:
 *
 *   GET <installPath>?purpose=install|login|reconnect[&installation=<id>][&env=sandbox]
 *       → stores the flow (state row, PKCE verifier), sets the browser binding cookie, redirects
 *         to the CRM's consent page;
 *   GET <redirectPath>?code&state  (or ?error=access_denied&state)
 *       → consumes the state, exchanges the code, learns the portal/org and user, checks the user
 *         may administer it (src/auth/admin-rights.ts), creates or reconnects its installation,
 *         issues the admin session for it and redirects to its admin page.
 *
 * `login` is the admin pages' sign-in: the same flow (the CRM vouches for the user's access to
 * the portal/org), and an install when the portal/org has no installation yet. A sign-in never
 * replaces an installation's tokens (its own grant is revoked); an install or reconnect by an
 * admin does, and then revokes the grant it replaced. A refused user changes nothing.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { findInstallationByCrmAccount, getInstallation, saveCrmConnection, type Installation } from '../store/installations.ts';
import { claimOwnership } from '../store/installation-admins.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { ANY_WIDGET, ensureBinding } from '../store/widget-bindings.ts';
import { describeIssues } from '../zod-issues.ts';
import type { AdminSessions } from './admin-session.ts';
import { adminVerdict, crmUserOf, type AdminVerdict } from './admin-rights.ts';
import { sendConnectProblem } from './connect-page.ts';
import { siteCookie, type SiteCookie } from './cookies.ts';
import type { CompletedConnection, CrmConnect } from './crm-connect.ts';
import type { InstallationTokens } from './installation-tokens.ts';
import { OAuthRequestError } from './oauth-http.ts';
import { newBrowserBinding, OAuthPurpose, OAuthStateError, STATE_TTL_SECONDS, type OAuthStates, type PendingFlow } from './oauth-state.ts';

/** The browser binding of flows in progress (random; its hash is in each state row). `__Host-cc_oauth` under https. */
export const OAUTH_COOKIE = 'cc_oauth';
const oauthCookie = (deps: Pick<AuthRouteDeps, 'secureCookies'>): SiteCookie => siteCookie(OAUTH_COOKIE, { secure: deps.secureCookies });

export interface AuthRouteDeps {
  store: Store;
  box: SecretBox;
  logger: Logger;
  sessions: AdminSessions;
  states: OAuthStates;
  tokens: InstallationTokens;
  /** The configured CRMs' flows; a CRM without one answers that it is not set up. */
  connects: CrmConnect[];
  /** Install and redirect paths of every CRM, configured or not. */
  paths: { crm: CrmConnect['crm']; label: string; installPath: string; redirectPath: string; variables: string }[];
  secureCookies: boolean;
  /** Where a connected installation's page lives: `<adminPath>/installations/<id>`. */
  adminPath: string;
}

const InstallQuery = z
  .looseObject({
    purpose: OAuthPurpose.default('install'),
    installation: z.string().min(1, { error: 'must be an installation id' }).optional(),
  })
  .refine((q) => q.purpose !== 'reconnect' || q.installation !== undefined, {
    path: ['installation'],
    error: 'is required with purpose=reconnect (the installation to reconnect)',
  });

/** A Standard Webhooks secret for a new installation, shown to its admin to paste into the platform. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export function authRoutes(deps: AuthRouteDeps): Router {
  const router = express.Router();
  for (const path of deps.paths) {
    const connect = deps.connects.find((c) => c.crm === path.crm);
    if (connect) {
      router.get(path.installPath, (req, res) => beginFlow(deps, connect, req, res));
      router.get(path.redirectPath, (req, res) => completeFlow(deps, connect, req, res));
      continue;
    }
    const notSetUp = (_req: Request, res: Response) =>
      sendConnectProblem(res, {
        status: 503,
        title: `${path.label} is not set up`,
        message: `This server has no ${path.label} app configured: its operator sets ${path.variables} and PUBLIC_URL.`,
      });
    router.get(path.installPath, notSetUp);
    router.get(path.redirectPath, notSetUp);
  }
  return router;
}

async function beginFlow(deps: AuthRouteDeps, connect: CrmConnect, req: Request, res: Response): Promise<void> {
  const query = InstallQuery.safeParse(req.query);
  let start: ReturnType<CrmConnect['begin']>;
  try {
    if (!query.success) throw query.error;
    start = connect.begin(req.query);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    sendConnectProblem(res, { status: 400, title: 'This connect link is not valid', message: describeIssues(error).join('; '), retryHref: connect.installPath });
    return;
  }
  const { purpose, installation: installationId } = query.data;
  if (installationId !== undefined) {
    const installation = await getInstallation(deps.store, deps.box, installationId);
    if (installation?.crm !== connect.crm) {
      sendConnectProblem(res, { status: 404, title: 'No such installation', message: `There is no ${connect.label} installation ${installationId} to reconnect.` });
      return;
    }
  }
  const browserCookie = oauthCookie(deps);
  const browser = browserCookie.read(req) ?? newBrowserBinding();
  const state = await deps.states.create({
    crm: connect.crm,
    purpose,
    installationId,
    loginUrl: start.loginUrl,
    codeVerifier: start.codeVerifier,
    browser,
  });
  browserCookie.set(res, browser, STATE_TTL_SECONDS);
  res.set('Cache-Control', 'no-store');
  res.redirect(302, connect.authorizeUrl(state, start));
}

async function completeFlow(deps: AuthRouteDeps, connect: CrmConnect, req: Request, res: Response): Promise<void> {
  const param = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
  const browserCookie = oauthCookie(deps);
  const browser = browserCookie.read(req);
  // Whatever the outcome, this callback ends the browser's flow: the binding is not left behind.
  browserCookie.clear(res);
  let flow: PendingFlow;
  try {
    flow = await deps.states.consume(param('state'), { crm: connect.crm, browser });
  } catch (error) {
    if (!(error instanceof OAuthStateError)) throw error;
    deps.logger.warn({ crm: connect.crm, reason: error.reason }, 'OAuth callback refused: bad state');
    sendConnectProblem(res, { status: 400, title: `${connect.label} connection not completed`, message: error.message, retryHref: connect.installPath });
    return;
  }
  const retryHref = installHref(connect, flow);
  const denied = param('error');
  if (denied !== undefined) {
    const description = param('error_description');
    sendConnectProblem(res, {
      status: 403,
      title: `${connect.label} access was not granted`,
      message: `${connect.label} answered "${denied}"${description ? ` (${description})` : ''}: the connector was not given access, so nothing was connected or changed.`,
      retryHref,
    });
    return;
  }
  const code = param('code');
  if (!code) {
    sendConnectProblem(res, { status: 400, title: `${connect.label} connection not completed`, message: `${connect.label} sent no authorization code.`, retryHref });
    return;
  }

  let completed: CompletedConnection;
  try {
    completed = await connect.complete(code, flow);
  } catch (error) {
    if (!(error instanceof OAuthRequestError)) throw error;
    deps.logger.warn({ crm: connect.crm, kind: error.kind, code: error.code }, `OAuth code exchange failed: ${error.message}`);
    sendConnectProblem(res, {
      status: error.kind === 'rejected' ? 400 : 502,
      title: `${connect.label} connection not completed`,
      message: error.message,
      retryHref,
    });
    return;
  }

  const { connection } = completed;
  const existing = await findInstallationByCrmAccount(deps.store, deps.box, connection.crm, connection.crmAccountId);
  const storedRefreshToken = existing?.crmCredentials.refreshToken;
  // The flow's own grant when it is not kept; not when it is the stored one (HubSpot may hand a user the same refresh token again).
  const dropGrant = async () => {
    if (completed.refreshToken === storedRefreshToken) return;
    await completed.abandon().catch((error: unknown) => deps.logger.warn({ crm: connect.crm, err: (error as Error).message }, 'could not revoke the unused grant'));
  };
  if (flow.purpose === 'reconnect' && existing?.id !== flow.installationId) {
    await dropGrant();
    sendConnectProblem(res, {
      status: 409,
      title: 'A different account was chosen',
      message: `You signed in to ${connect.label} account ${connection.crmAccountId}, which is not the account of the installation being reconnected. Nothing was changed: start again and choose that installation's account.`,
      retryHref,
    });
    return;
  }

  let verdict: AdminVerdict;
  try {
    verdict = await adminVerdict(deps.store, completed, existing);
  } catch (error) {
    if (!(error instanceof OAuthRequestError)) throw error;
    await dropGrant();
    deps.logger.warn({ crm: connect.crm, kind: error.kind, code: error.code }, `admin check failed: ${error.message}`);
    sendConnectProblem(res, {
      status: 502,
      title: `${connect.label} could not confirm your admin rights`,
      message: `${error.message}. Nothing was changed: try again.`,
      retryHref,
    });
    return;
  }
  if (!verdict.admin) {
    await dropGrant();
    deps.logger.warn({ crm: connect.crm, crmAccountId: connection.crmAccountId, installationId: existing?.id, purpose: flow.purpose }, 'OAuth flow refused: the user is not an admin');
    sendConnectProblem(res, { status: 403, title: 'You are not an admin of this installation', message: `${verdict.why} Nothing was changed.` });
    return;
  }

  let installation: Installation;
  let created = false;
  if (existing && flow.purpose === 'login') {
    // Signing in vouches for the user; it connects nothing: the installation keeps the tokens it has.
    await dropGrant();
    // An installation from before owners were recorded gets the first admin the CRM vouches for.
    if (verdict.via === 'crm') await claimOwnership(deps.store, existing.id, crmUserOf(completed));
    installation = existing;
  } else {
    try {
      ({ installation, created } = await deps.store.transaction(async (tx) => {
        const saved = await saveCrmConnection(tx, deps.box, connection, newWebhookSecret);
        // Installed by someone else since the check above: their installation is not ours to overwrite.
        if (!existing && !saved.created) throw new ConcurrentInstallError();
        // Like the single-tenant installation: every widget, default mapping, until the admin binds widgets themselves.
        if (saved.created) await ensureBinding(tx, { installationId: saved.installation.id, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
        await claimOwnership(tx, saved.installation.id, crmUserOf(completed));
        return saved;
      }));
    } catch (error) {
      if (!(error instanceof ConcurrentInstallError)) throw error;
      await dropGrant();
      sendConnectProblem(res, { status: 409, title: 'Installed meanwhile', message: `${connect.label} account ${connection.crmAccountId} was installed by someone else a moment ago. Nothing was changed: sign in instead.`, retryHref });
      return;
    }
    deps.tokens.forget(installation.id);
    // Revoked only now that the new grant is stored: had saving failed, the old one would still be working.
    if (existing && storedRefreshToken && storedRefreshToken !== completed.refreshToken) {
      await connect.revoke(storedRefreshToken, existing.crmSettings).then(
        () => deps.logger.info({ installationId: installation.id }, 'the replaced grant was revoked'),
        (error: unknown) => deps.logger.warn({ installationId: installation.id, err: (error as Error).message }, 'could not revoke the replaced grant'),
      );
    }
  }
  // A new session for what this sign-in proved, replacing the one the browser carried (no merging).
  // userId: the CRM user id, for pages that act as this user (src/admin's Admins page records who added whom).
  await deps.sessions.issue(req, res, { installationIds: [installation.id], user: completed.user, userId: completed.userId });
  deps.logger.info(
    { installationId: installation.id, crm: connection.crm, crmAccountId: connection.crmAccountId, purpose: flow.purpose, created, via: verdict.via },
    created ? 'installation created by OAuth' : flow.purpose === 'login' && existing ? 'admin signed in by OAuth' : 'installation connected by OAuth',
  );
  res.set({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
  res.redirect(303, `${deps.adminPath}/installations/${encodeURIComponent(installation.id)}`);
}

class ConcurrentInstallError extends Error {}

/** The install URL that starts the same kind of flow again. */
function installHref(connect: CrmConnect, flow: PendingFlow): string {
  const query = new URLSearchParams({ ...connect.restartQuery(flow), purpose: flow.purpose });
  if (flow.installationId) query.set('installation', flow.installationId);
  return `${connect.installPath}?${query.toString()}`;
}
