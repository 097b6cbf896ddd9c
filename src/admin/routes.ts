/**
 * `/admin`: server-rendered pages behind the admin session (src/auth/admin-session.ts). Only the
 * sign-in page is public; every other page needs a session, every installation page checks the
 * session grants that installation, and every POST carries the session's CSRF token.
 */
import express, { Router, type ErrorRequestHandler } from 'express';
import { HttpError } from '../ingest/http-error.ts';
import { countSyncRecordsByStatus } from '../store/sync-records.ts';
import { listInstallationSummaries } from '../store/installations.ts';
import { deleteInstallation } from '../lifecycle/delete-installation.ts';
import { adminsRoutes } from './admins-routes.ts';
import { backfillRoutes } from './backfill-routes.ts';
import type { AdminContext } from './context.ts';
import { installationOf, loadInstallation, viewerOf } from './installation-access.ts';
import { mappingsRoutes } from './mappings-routes.ts';
import { noticeFrom, withNotice } from './notices.ts';
import { DeleteInstallationForm, parseForm } from './forms.ts';
import { deleteInstallationPage } from './pages/delete-installation-page.ts';
import { errorPage } from './pages/error-page.ts';
import { loginPage } from './pages/login-page.ts';
import { overviewPage } from './pages/overview-page.ts';
import { limiterOf } from './rate-limit-view.ts';
import { adminSecurityHeaders } from './security-headers.ts';
import { sendPage } from './send-page.ts';
import { settingsRoutes } from './settings-routes.ts';
import { syncsRoutes } from './syncs-routes.ts';
import { ADMIN_PATH, installationPath, LOGIN_PATH } from './paths.ts';

/** Form posts are a few fields; anything bigger is not from these pages. */
const FORM_LIMIT = '32kb';

export function adminRoutes(ctx: AdminContext): Router {
  const admin = Router();
  admin.use(adminSecurityHeaders);

  admin.use(ctx.sessions.requireAdmin);
  admin.use(express.urlencoded({ extended: false, limit: FORM_LIMIT }));
  admin.use(ctx.sessions.verifyCsrf);

  admin.get('/', async (req, res) => {
    const viewer = viewerOf(res);
    const installations = await listInstallationSummaries(ctx.store, viewer.installationIds);
    const limiters = ctx.limiters?.stats() ?? [];
    const rows = await Promise.all(installations.map(async (installation) => ({
      installation,
      counts: await countSyncRecordsByStatus(ctx.store, installation.id),
      limiter: limiterOf(limiters, installation),
    })));
    sendPage(res, 200, overviewPage({
      viewer,
      rows,
      limitsHere: ctx.limiters !== undefined,
      connectable: ctx.signInCrms,
      notice: noticeFrom(req.query),
      now: Date.now(),
    }));
  });

  admin.post('/logout', async (req, res) => {
    await ctx.sessions.signOut(req, res);
    res.redirect(303, LOGIN_PATH);
  });

  const installation = Router({ mergeParams: true });
  installation.get('/', (_req, res) => res.redirect(303, installationPath(installationOf(res).id, 'syncs')));
  installation.use('/settings', settingsRoutes(ctx));
  installation.use('/mappings', mappingsRoutes(ctx));
  installation.use('/syncs', syncsRoutes(ctx));
  installation.use('/backfill', backfillRoutes(ctx));
  installation.use('/admins', adminsRoutes(ctx));
  installation.post('/disconnect', async (req, res) => {
    const { id } = installationOf(res);
    const { revoked } = await ctx.disconnect(id);
    ctx.logger.info({ installationId: id, user: viewerOf(res).user, revoked }, 'installation disconnected from the admin pages');
    // Disconnecting ended every session managing it, this one included: signing in again reconnects.
    await ctx.sessions.signOut(req, res);
    res.redirect(303, withNotice(LOGIN_PATH, revoked ? 'disconnected' : 'disconnected-not-revoked'));
  });
  installation.get('/delete', (_req, res) => {
    sendPage(res, 200, deleteInstallationPage({ viewer: viewerOf(res), installation: installationOf(res) }));
  });
  installation.post('/delete', async (req, res) => {
    const target = installationOf(res);
    const form = parseForm(DeleteInstallationForm, req.body);
    if (!form.ok || form.value.confirmName !== target.name) {
      const error = `must be ${target.name}, the installation's name`;
      sendPage(res, 400, deleteInstallationPage({ viewer: viewerOf(res), installation: target, error }));
      return;
    }
    const audit = await deleteInstallation({ store: ctx.store, boss: ctx.boss, disconnect: ctx.disconnect, logger: ctx.logger }, target.id);
    ctx.logger.info({ installationId: target.id, user: viewerOf(res).user }, 'installation deleted from the admin pages');
    // Deleting disconnected it first, which ended every session managing it, this one included.
    await ctx.sessions.signOut(req, res);
    res.redirect(303, withNotice(LOGIN_PATH, audit?.tokensRevoked === false ? 'installation-deleted-not-revoked' : 'installation-deleted'));
  });
  admin.use('/installations/:id', loadInstallation(ctx), installation);

  admin.use((req) => {
    throw new HttpError(404, 'not_found', `There is no admin page at ${req.path}.`);
  });
  admin.use(adminErrorPage(ctx));

  const router = Router();
  // The only public page; matched before the session check.
  router.get(LOGIN_PATH, adminSecurityHeaders, (req, res) => sendPage(res, 200, loginPage(ctx.signInCrms, noticeFrom(req.query))));
  router.use(ADMIN_PATH, admin);
  return router;
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Not allowed', 404: 'Not found', 409: 'Not possible now', 413: 'Too large' };

function adminErrorPage(ctx: Pick<AdminContext, 'logger'>): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const viewer = res.locals.admin ? viewerOf(res) : undefined;
    const status = error instanceof HttpError ? error.status : (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = error instanceof HttpError ? error.message : 'The request could not be read.';
      sendPage(res, status, errorPage(TITLES[status] ?? 'Request refused', message, viewer));
      return;
    }
    ctx.logger.error({ err: error, method: req.method, path: req.path }, 'admin page failed');
    sendPage(res, 500, errorPage('Something went wrong', 'The page could not be shown. The details are in the service log.', viewer));
  };
}
