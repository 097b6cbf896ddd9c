/**
 * The backfill tab: starts a backfill in this process (src/backfill/manager.ts, as
 * `crm-connector backfill` does), lists the installation's backfills with their progress, and
 * pauses, resumes or cancels one. A backfill id of another installation answers 404.
 */
import { Router, type Request, type Response } from 'express';
import { cancelBackfill, pauseBackfill } from '../backfill/manager.ts';
import { BackfillParamsError } from '../backfill/params.ts';
import { listBackfillProgress } from '../backfill/progress.ts';
import { HttpError } from '../ingest/http-error.ts';
import { BackfillConflictError, getBackfill } from '../store/backfills.ts';
import type { AdminContext } from './context.ts';
import { BackfillForm, parseForm, type FieldErrors } from './forms.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import type { Notice } from './layout.ts';
import { noticeFrom, withNotice } from './notices.ts';
import { backfillPage, type BackfillView } from './pages/backfill-page.ts';
import { installationPath } from './paths.ts';
import { sendPage } from './send-page.ts';

export function backfillRoutes(ctx: AdminContext): Router {
  const router = Router({ mergeParams: true });
  const pathOf = (res: Response) => installationPath(installationOf(res).id, 'backfill');

  const render = async (req: Request, res: Response, status: number, extra: Pick<BackfillView, 'notice' | 'rejected'> = {}) => {
    const installation = installationOf(res);
    sendPage(res, status, backfillPage({
      viewer: viewerOf(res),
      installation,
      backfills: await listBackfillProgress(ctx.store, installation.id),
      canStart: ctx.backfills !== undefined,
      notice: extra.notice ?? noticeFrom(req.query),
      rejected: extra.rejected,
      now: Date.now(),
    }));
  };
  const managerOf = () => {
    if (!ctx.backfills) throw new HttpError(409, 'backfills_unavailable', 'This process runs no backfills: use `crm-connector backfill`.');
    return ctx.backfills;
  };
  /** The backfill named in the path, only if it belongs to this installation. */
  const backfillOf = async (req: Request, res: Response) => {
    const backfill = await getBackfill(ctx.store, String(req.params.backfillId));
    if (!backfill || backfill.installationId !== installationOf(res).id) {
      throw new HttpError(404, 'backfill_not_found', 'This installation has no such backfill.');
    }
    return backfill;
  };
  /** The store refused the change (the backfill moved on meanwhile): the page again, saying why. */
  const refused = (req: Request, res: Response, error: unknown) =>
    render(req, res, 409, { notice: { kind: 'error', text: `Nothing changed: ${(error as Error).message}.` } });

  router.get('/', (req, res) => render(req, res, 200));

  router.post('/', async (req, res) => {
    const installation = installationOf(res);
    const manager = managerOf();
    const form = parseForm(BackfillForm, req.body);
    if (!form.ok) return render(req, res, 400, { notice: NOT_STARTED, rejected: form });
    const values = Object.fromEntries(Object.entries(req.body as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    try {
      const run = await manager.start({
        installationId: installation.id,
        params: form.value,
        startedBy: 'admin',
      });
      ctx.logger.info({ installationId: installation.id, backfillId: run.backfill.id, user: viewerOf(res).user }, 'backfill started from the admin pages');
    } catch (error) {
      if (error instanceof BackfillParamsError) {
        const { errors, unplaced } = fieldErrorsOf(error.issues);
        const notice = unplaced.length > 0 ? { kind: 'error' as const, text: `Not started: ${unplaced.join('; ')}.` } : NOT_STARTED;
        return render(req, res, 400, { notice, rejected: { values, errors } });
      }
      // Another backfill running, the installation disconnected or without platform settings: said in the service's words.
      return render(req, res, error instanceof BackfillConflictError ? 409 : 400, {
        notice: { kind: 'error', text: `Not started: ${(error as Error).message}.` },
        rejected: { values, errors: {} },
      });
    }
    res.redirect(303, withNotice(pathOf(res), 'backfill-started'));
  });

  router.post('/:backfillId/pause', async (req, res) => {
    const backfill = await backfillOf(req, res);
    try {
      await pauseBackfill(ctx.store, backfill.id);
    } catch (error) {
      return refused(req, res, error);
    }
    res.redirect(303, withNotice(pathOf(res), 'backfill-paused'));
  });

  router.post('/:backfillId/resume', async (req, res) => {
    const backfill = await backfillOf(req, res);
    const manager = managerOf();
    try {
      const { backfill: now } = await manager.resume(backfill.id);
      // Paused a moment ago, its walk in this process has not reached its next page yet: resuming now would be lost.
      if (now.status !== 'running') throw new Error(`backfill ${backfill.id} is still finishing its current page: resume it again in a moment`);
    } catch (error) {
      return refused(req, res, error);
    }
    res.redirect(303, withNotice(pathOf(res), 'backfill-resumed'));
  });

  router.post('/:backfillId/cancel', async (req, res) => {
    const backfill = await backfillOf(req, res);
    try {
      await cancelBackfill(ctx.store, backfill.id);
    } catch (error) {
      return refused(req, res, error);
    }
    res.redirect(303, withNotice(pathOf(res), 'backfill-cancelled'));
  });

  return router;
}

const NOT_STARTED: Notice = { kind: 'error', text: 'Not started: correct the field marked below.' };

/** The parameter each issue names first ("since must be before until ...", "widget_id must not be empty") → its form field. */
const FIELDS: Record<string, string> = { since: 'since', until: 'until', widgetId: 'widgetId', widget_id: 'widgetId', outcome: 'outcome' };

function fieldErrorsOf(issues: readonly string[]): { errors: FieldErrors; unplaced: string[] } {
  const errors: FieldErrors = {};
  const unplaced: string[] = [];
  for (const issue of issues) {
    const [first = '', ...rest] = issue.split(' ');
    const field = FIELDS[first];
    if (field) errors[field] ??= rest.join(' ');
    else unplaced.push(issue);
  }
  return { errors, unplaced };
}
