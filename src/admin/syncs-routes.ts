/**
 * The syncs tab: recent syncs, failures and dead letters, the Retry buttons (src/sync/retry.ts, as
 * `crm-connector retry` does) and Forget for one conversation (src/forget, as `crm-connector forget
 * --installation` does, in this installation only).
 */
import { Router, type Request, type Response } from 'express';
import { forgetConversation } from '../forget/forget.ts';
import { HttpError } from '../ingest/http-error.ts';
import { getForgotten } from '../store/forgotten-conversations.ts';
import { getSyncRecord, countSyncRecordsByStatus, listRecentSyncRecords, type SyncRecord } from '../store/sync-records.ts';
import { retrySyncs, type RetryReport } from '../sync/retry.ts';
import { conversationLink } from '../sync/mapping-planner.ts';
import type { AdminContext } from './context.ts';
import { listDeadLetters } from './dead-letters.ts';
import { ForgetForm, parseForm } from './forms.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import { noticeFrom, withNotice, type NoticeCode } from './notices.ts';
import { forgetConfirmPage, forgottenPage, type ForgetConfirmView } from './pages/forget-page.ts';
import { syncsPage } from './pages/syncs-page.ts';
import { sendPage } from './send-page.ts';
import { installationPath } from './paths.ts';

const RECENT = 50;
const FAILURES_SHOWN = 100;

export function syncsRoutes(ctx: AdminContext): Router {
  const router = Router({ mergeParams: true });
  const pathOf = (res: Response) => installationPath(installationOf(res).id, 'syncs');

  router.get('/', async (req, res) => {
    const installation = installationOf(res);
    const [counts, failures, deadLetters, recent] = await Promise.all([
      countSyncRecordsByStatus(ctx.store, installation.id),
      listRecentSyncRecords(ctx.store, installation.id, { statuses: ['failed'], limit: FAILURES_SHOWN }),
      listDeadLetters(ctx.boss, installation.id),
      listRecentSyncRecords(ctx.store, installation.id, { limit: RECENT }),
    ]);
    const recordsById = new Map<string, SyncRecord>();
    for (const letter of deadLetters) {
      const record = await getSyncRecord(ctx.store, { installationId: installation.id, conversationId: letter.conversationId });
      if (record) recordsById.set(letter.conversationId, record);
    }
    sendPage(res, 200, syncsPage({
      viewer: viewerOf(res),
      installation,
      counts,
      failures,
      deadLetters,
      recordsById,
      recent,
      conversationLink: (r) =>
        r.widgetId || !ctx.conversationUrl?.includes('{widget_id}')
          ? conversationLink(ctx.conversationUrl, { id: r.conversationId, widget_id: r.widgetId ?? '' })
          : undefined,
      notice: noticeFrom(req.query),
    }));
  });

  router.post('/retry-failed', async (_req, res) => {
    const report = await retrySyncs(ctx.store, ctx.boss, { installationId: installationOf(res).id, failed: true });
    res.redirect(303, withNotice(pathOf(res), retryNotice(report)));
  });

  /** The sync record of the conversation in the path; 404 when this installation has none. */
  const recordOf = async (req: Request, res: Response, doing: string) => {
    const key = keyOf(req, res);
    const record = await getSyncRecord(ctx.store, key);
    if (!record) {
      throw new HttpError(404, 'sync_not_found', `This installation has no sync of conversation ${key.conversationId}: only conversations the connector has seen can be ${doing}.`);
    }
    return record;
  };

  router.post('/:conversationId/retry', async (req, res) => {
    const { installationId, conversationId } = await recordOf(req, res, 'retried');
    const report = await retrySyncs(ctx.store, ctx.boss, { installationId, conversationId });
    ctx.logger.info({ installationId, conversationId, requeued: report.requeued.length }, 'sync retried from the admin pages');
    res.redirect(303, withNotice(pathOf(res), retryNotice(report)));
  });

  const confirm = async (req: Request, res: Response, status: number, extra: Pick<ForgetConfirmView, 'notice' | 'rejected'> = {}) =>
    sendPage(res, status, forgetConfirmPage({ viewer: viewerOf(res), installation: installationOf(res), record: await recordOf(req, res, 'forgotten'), ...extra }));

  router.get('/:conversationId/forget', (req, res) => confirm(req, res, 200));

  router.post('/:conversationId/forget', async (req, res) => {
    const key = keyOf(req, res);
    await recordOf(req, res, 'forgotten');
    const form = parseForm(ForgetForm, req.body);
    if (!form.ok) return confirm(req, res, 400, { notice: { kind: 'error', text: 'Not forgotten: tick the confirmation.' }, rejected: form });
    try {
      await forgetConversation(ctx.forget, key.installationId, key.conversationId, { keepDeal: form.value.keepDeal, alsoPlatform: false });
    } catch (error) {
      ctx.logger.error({ err: error, installationId: key.installationId }, 'forgetting a conversation from the admin pages failed');
      // Failed after the stored copy went (nothing left to confirm): the audit row says how far it got.
      if (!(await getSyncRecord(ctx.store, key))) return res.redirect(303, forgottenPath(key));
      const text = `Forgetting failed, nothing is lost by trying again: ${(error as Error).message}`;
      return confirm(req, res, 502, { notice: { kind: 'error', text }, rejected: { values: { keepDeal: form.value.keepDeal ? 'on' : '' }, errors: {} } });
    }
    // Ids stay out of the log: it is kept longer than the data (as src/forget logs).
    ctx.logger.info({ installationId: key.installationId, user: viewerOf(res).user, keepDeal: form.value.keepDeal }, 'conversation forgotten from the admin pages');
    res.redirect(303, forgottenPath(key));
  });

  router.get('/:conversationId/forgotten', async (req, res) => {
    const key = keyOf(req, res);
    const forgotten = await getForgotten(ctx.store, key);
    if (!forgotten) throw new HttpError(404, 'not_forgotten', `Conversation ${key.conversationId} has not been forgotten in this installation.`);
    sendPage(res, 200, forgottenPage({ viewer: viewerOf(res), installation: installationOf(res), conversationId: key.conversationId, forgotten }));
  });

  return router;
}

const keyOf = (req: Request, res: Response) => ({ installationId: installationOf(res).id, conversationId: String(req.params.conversationId) });

const forgottenPath = (key: { installationId: string; conversationId: string }) =>
  installationPath(key.installationId, 'syncs', encodeURIComponent(key.conversationId), 'forgotten');

function retryNotice(report: RetryReport): NoticeCode {
  if (report.requeued.length > 0) return 'retried';
  return report.alreadyQueued.length > 0 ? 'already-queued' : 'retried-none';
}
