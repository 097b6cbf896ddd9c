/**
 * `GET /metrics` in Prometheus text format, on every role's HTTP port. With METRICS_TOKEN set, a
 * scrape must send `Authorization: Bearer <token>` (compared in constant time); without it the
 * endpoint is open, as usual behind a private network. Multi-tenant mode requires the token
 * (src/config.ts): the labels name CRM accounts, which tenants must not learn about each other.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import type { PgBoss } from 'pg-boss';
import { sendError } from '../ingest/http-error.ts';
import type { Logger } from '../log.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE } from '../sync/sync-job.ts';
import { metricsRegistry, queueJobs } from './metrics.ts';

export interface MetricsRouteOptions {
  boss: PgBoss;
  /** METRICS_TOKEN; undefined leaves /metrics open. */
  token: string | undefined;
  logger: Logger;
}

export function metricsRoutes(options: MetricsRouteOptions): Router {
  const router = express.Router();
  const authorized = bearerCheck(options.token);
  router.get('/metrics', async (req, res) => {
    if (!authorized(req.headers.authorization)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      sendError(res, 401, 'unauthorized', 'send Authorization: Bearer <METRICS_TOKEN> to read /metrics');
      return;
    }
    await refreshQueueGauge(options.boss, options.logger);
    res.set('Content-Type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  return router;
}

/** The queues' counts as pg-boss keeps them (recomputed at most once a minute, so scrapes stay cheap). */
async function refreshQueueGauge(boss: PgBoss, logger: Logger): Promise<void> {
  for (const queue of [SYNC_QUEUE, SYNC_DEAD_LETTER_QUEUE]) {
    try {
      const [stats] = await boss.getQueueStats(queue, { force: true });
      if (!stats) continue;
      queueJobs.set({ queue, state: 'ready' }, stats.readyCount);
      queueJobs.set({ queue, state: 'deferred' }, stats.deferredCount);
      queueJobs.set({ queue, state: 'active' }, stats.activeCount);
      queueJobs.set({ queue, state: 'failed' }, stats.failedCount);
    } catch (error) {
      // A scrape still answers with everything else; the gauge keeps its last values.
      logger.warn({ err: error, queue }, 'could not read queue statistics for /metrics');
    }
  }
}

function bearerCheck(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  // Digests have equal length whatever was sent, which timingSafeEqual needs.
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    return timingSafeEqual(createHash('sha256').update(match[1].trim()).digest(), expected);
  };
}
