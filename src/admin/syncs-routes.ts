/** The syncs tab: recent syncs, failures and dead letters, and the Retry buttons (src/sync/retry.ts, as `crm-connector retry` does). */
import { Router, type Response } from 'express';
import { HttpError } from '../ingest/http-error.ts';
import { getSyncRecord, countSyncRecordsByStatus, listRecentSyncRecords, type SyncRecord } from '../store/sync-records.ts';
import { retrySyncs, type RetryReport } from '../sync/retry.ts';
import { conversationLink } from '../sync/mapping-planner.ts';
import type { AdminContext } from './context.ts';
import { listDeadLetters } from './dead-letters.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import { noticeFrom, withNotice, type NoticeCode } from './notices.ts';
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

  router.post('/:conversationId/retry', async (req, res) => {
    const installationId = installationOf(res).id;
    const key = { installationId, conversationId: String(req.params.conversationId) };
    if (!(await getSyncRecord(ctx.store, key))) {
      throw new HttpError(404, 'sync_not_found', `This installation has no sync of conversation ${key.conversationId}: only conversations the connector has seen can be retried.`);
    }
    const report = await retrySyncs(ctx.store, ctx.boss, key);
    ctx.logger.info({ installationId, conversationId: req.params.conversationId, requeued: report.requeued.length }, 'sync retried from the admin pages');
    res.redirect(303, withNotice(pathOf(res), retryNotice(report)));
  });

  return router;
}

function retryNotice(report: RetryReport): NoticeCode {
  if (report.requeued.length > 0) return 'retried';
  return report.alreadyQueued.length > 0 ? 'already-queued' : 'retried-none';
}
