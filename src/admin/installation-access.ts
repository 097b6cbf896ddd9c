/**
 * Every `/admin/installations/:id/...` route runs behind this: the session must grant the
 * installation (src/auth's assertInstallationAccess), then it is loaded once for the handler.
 * Another installation's id answers exactly like a missing one (404), so ids cannot be probed.
 */
import type { RequestHandler, Response } from 'express';
import { assertInstallationAccess } from '../auth/admin-session.ts';
import { HttpError } from '../ingest/http-error.ts';
import { getInstallation, type Installation } from '../store/installations.ts';
import type { AdminContext } from './context.ts';
import type { AdminViewer } from './layout.ts';

const notFound = () => new HttpError(404, 'installation_not_found', 'There is no such installation among the ones you can manage.');

export function loadInstallation(ctx: Pick<AdminContext, 'store' | 'box'>): RequestHandler {
  return async (req, res, next) => {
    const id = String(req.params.id);
    assertInstallationAccess(res, id);
    const installation = await getInstallation(ctx.store, ctx.box, id);
    if (!installation) throw notFound();
    res.locals.installation = installation;
    next();
  };
}

/** The installation `loadInstallation` put on the response. */
export function installationOf(res: Response): Installation {
  const installation = res.locals.installation as Installation | undefined;
  if (!installation) throw new Error('route is missing the loadInstallation middleware');
  return installation;
}

/** The signed-in admin, as `requireAdmin` left it. */
export function viewerOf(res: Response): AdminViewer & { installationIds: string[] } {
  const admin = res.locals.admin as { user: string; csrfToken: string; installationIds: string[] } | undefined;
  if (!admin) throw new Error('route is missing the requireAdmin middleware');
  return admin;
}
