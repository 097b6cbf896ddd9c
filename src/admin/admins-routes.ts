/** The Admins tab: list, add and remove the admins of a HubSpot installation (src/auth/admin-rights.ts uses them). */
import { Router, type Request, type Response } from 'express';
import { HttpError } from '../ingest/http-error.ts';
import { endUserSessions } from '../store/admin-sessions.ts';
import { addInstallationAdmin, listInstallationAdmins, removeInstallationAdmin } from '../store/installation-admins.ts';
import type { AdminContext } from './context.ts';
import { AddAdminForm, parseForm, RemoveAdminForm } from './forms.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import { noticeFrom, withNotice } from './notices.ts';
import { adminsPage } from './pages/admins-page.ts';
import { installationPath } from './paths.ts';
import { sendPage } from './send-page.ts';

export function adminsRoutes(ctx: AdminContext): Router {
  const router = Router({ mergeParams: true });
  const pathOf = (res: Response) => installationPath(installationOf(res).id, 'admins');

  const render = async (req: Request, res: Response, status: number, rejected?: AdminsRejected) => {
    const installation = installationOf(res);
    sendPage(res, status, adminsPage({
      viewer: viewerOf(res),
      installation,
      admins: await listInstallationAdmins(ctx.store, installation.id),
      notice: rejected ? { kind: 'error', text: 'Not added: correct the field marked below.' } : noticeFrom(req.query),
      rejected,
    }));
  };
  /** Salesforce decides its admins itself (permissions), so only HubSpot installations have a list to change. */
  const requireHubSpot = (res: Response) => {
    if (installationOf(res).crm !== 'hubspot') throw new HttpError(409, 'not_hubspot', "A Salesforce installation's admins are the org's users with Customize Application or Modify All Data: change them in Salesforce.");
  };

  router.get('/', (req, res) => render(req, res, 200));

  router.post('/', async (req, res) => {
    requireHubSpot(res);
    const form = parseForm(AddAdminForm, req.body);
    if (!form.ok) return render(req, res, 400, form);
    const installation = installationOf(res);
    const result = await addInstallationAdmin(ctx.store, installation.id, form.value.who, viewerOf(res).user);
    ctx.logger.info({ installationId: installation.id, by: viewerOf(res).user, result }, 'installation admin added on the admin pages');
    res.redirect(303, withNotice(pathOf(res), result === 'added' ? 'admin-added' : 'admin-exists'));
  });

  router.post('/remove', async (req, res) => {
    requireHubSpot(res);
    const form = parseForm(RemoveAdminForm, req.body);
    if (!form.ok) throw new HttpError(400, 'bad_form', `adminId ${form.errors.adminId ?? 'is not valid'}`);
    const installation = installationOf(res);
    const removed = (await listInstallationAdmins(ctx.store, installation.id)).find((admin) => admin.id === form.value.adminId);
    const result = await removeInstallationAdmin(ctx.store, installation.id, form.value.adminId);
    if (result === 'missing') throw new HttpError(404, 'admin_not_found', 'There is no such admin of this installation.');
    // Removed means signed out too: a session they hold now stops working (a super admin can sign in again).
    if (result === 'removed' && removed) await endUserSessions(ctx.store, installation.id, removed);
    ctx.logger.info({ installationId: installation.id, by: viewerOf(res).user, result }, 'installation admin removal on the admin pages');
    res.redirect(303, withNotice(pathOf(res), result === 'removed' ? 'admin-removed' : 'admin-owner'));
  });

  return router;
}

type AdminsRejected = { values: Record<string, string>; errors: Record<string, string> };
