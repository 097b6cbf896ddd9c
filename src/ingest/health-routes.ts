/**
 * `GET /healthz`: the process answers. `GET /readyz`: the store answers and is fully migrated.
 * Both are unauthenticated (load balancers probe them), so they say what is wrong in fixed words and
 * never echo a path, a connection string or an error's text: those go to the log.
 */
import express, { type Router } from 'express';
import type { PgBoss } from 'pg-boss';
import { LATEST_MIGRATION, appliedVersion } from '../store/migrations.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { sendError } from './http-error.ts';

export function healthRoutes(ctx: { store: Store; boss: PgBoss; draining(): boolean; logger: Logger }): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (ctx.draining()) {
      sendError(res, 503, 'shutting_down', 'this process is shutting down');
      return;
    }
    let version: number;
    let queueInstalled: boolean;
    try {
      version = await appliedVersion(ctx.store);
      queueInstalled = await ctx.boss.isInstalled();
    } catch (error) {
      ctx.logger.error({ err: error, store: ctx.store.location }, 'readiness check: the store does not answer');
      sendError(res, 503, 'store_unreachable', 'the store does not answer (see the service log)');
      return;
    }
    if (version < LATEST_MIGRATION || !queueInstalled) {
      const what = version < LATEST_MIGRATION ? `migration ${version} of ${LATEST_MIGRATION} applied` : 'the queue schema is not installed';
      sendError(res, 503, 'migrations_pending', `${what}; run crm-connector migrate`);
      return;
    }
    res.json({ status: 'ready', store: ctx.store.kind, migration: version });
  });
  return router;
}
