/** The settings tab: platform API settings, the webhook to paste into the platform, widget bindings. */
import { Router, type Request, type Response } from 'express';
import { OutboundRefusedError } from '../net/outbound-refused.ts';
import { PlatformKeyRequiredError, updatePlatformSettings } from '../store/installations.ts';
import { deleteBinding, listBindings, upsertBinding } from '../store/widget-bindings.ts';
import type { AdminContext } from './context.ts';
import { BindingForm, parseForm, PlatformSettingsForm } from './forms.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import { mappingChoiceProblem, mappingChoices, scopeOf } from './mapping-choices.ts';
import { noticeFrom, withNotice } from './notices.ts';
import { settingsPage, type RejectedForm } from './pages/settings-page.ts';
import { checkPlatformSettings } from './platform-check.ts';
import { sendPage } from './send-page.ts';
import { installationPath } from './paths.ts';

export function settingsRoutes(ctx: AdminContext): Router {
  const router = Router({ mergeParams: true });
  const pathOf = (res: Response) => installationPath(installationOf(res).id, 'settings');

  const render = async (req: Request, res: Response, status: number, rejected?: RejectedForm) => {
    const installation = installationOf(res);
    const base = ctx.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    sendPage(res, status, settingsPage({
      viewer: viewerOf(res),
      installation,
      webhookUrl: `${base.replace(/\/+$/, '')}/webhooks/platform/${encodeURIComponent(installation.id)}`,
      bindings: await listBindings(ctx.store, installation.id),
      mappingChoices: mappingChoices(ctx.mappings, scopeOf(installation)),
      notice: rejected ? { kind: 'error', text: 'Not saved: correct the field marked below.' } : noticeFrom(req.query),
      rejected,
    }));
  };

  router.get('/', (req, res) => render(req, res, 200));

  router.post('/platform', async (req, res) => {
    const installation = installationOf(res);
    const form = parseForm(PlatformSettingsForm, req.body);
    if (!form.ok) return render(req, res, 400, { form: 'platform', ...form });
    const refuse = (field: 'apiUrl' | 'apiKey', error: string) =>
      render(req, res, 400, { form: 'platform', values: { apiUrl: form.value.apiUrl }, errors: { [field]: error } });
    let apiUrl: string;
    try {
      apiUrl = ctx.outbound.checkBaseUrl(form.value.apiUrl);
    } catch (error) {
      if (error instanceof OutboundRefusedError) return refuse('apiUrl', error.message);
      throw error;
    }
    const apiKey = form.value.apiKey ?? installation.platform.apiKey;
    if (!apiKey) return refuse('apiKey', 'is required: no key is stored yet');
    try {
      await updatePlatformSettings(ctx.store, ctx.box, installation.id, { apiUrl, apiKey: form.value.apiKey });
    } catch (error) {
      // The store refuses to keep the stored key for a new address; the admin types it again.
      if (error instanceof PlatformKeyRequiredError) return refuse('apiKey', error.message);
      throw error;
    }
    ctx.logger.info({ installationId: installation.id, apiUrl, keyChanged: form.value.apiKey !== undefined }, 'platform settings changed on the admin pages');
    res.redirect(303, withNotice(pathOf(res), await checkPlatformSettings(ctx.outbound, apiUrl, apiKey)));
  });

  router.post('/bindings', async (req, res) => {
    const installation = installationOf(res);
    const form = parseForm(BindingForm, req.body);
    if (!form.ok) return render(req, res, 400, { form: 'binding', ...form });
    const problem = form.value.mappingFile ? mappingChoiceProblem(ctx.mappings, scopeOf(installation), form.value.mappingFile) : undefined;
    if (problem) {
      const values = { widgetId: form.value.widgetId, mappingFile: form.value.mappingFile ?? '' };
      return render(req, res, 400, { form: 'binding', values, errors: { mappingFile: problem } });
    }
    await upsertBinding(ctx.store, { installationId: installation.id, ...form.value });
    res.redirect(303, withNotice(pathOf(res), 'binding-saved'));
  });

  router.post('/bindings/remove', async (req, res) => {
    const installation = installationOf(res);
    const form = parseForm(BindingForm.pick({ widgetId: true }), req.body);
    if (!form.ok) return render(req, res, 400, { form: 'binding', ...form });
    await deleteBinding(ctx.store, installation.id, form.value.widgetId);
    res.redirect(303, withNotice(pathOf(res), 'binding-removed'));
  });

  return router;
}
