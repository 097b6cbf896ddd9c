/**
 * The service: store + queue (the "backend"), the HTTP server and the sync worker, by role.
 * `startService` is what `crm-connector serve` runs and what the demo and e2e tests run in-process.
 *
 * Roles: `web` takes webhooks and enqueues, `worker` runs sync jobs (and the queue's maintenance),
 * `all` both. Every role answers /healthz, /readyz and /metrics on its own PORT. Shutdown: stop
 * taking webhooks (503 while draining, then the listener closes), let in-flight jobs finish for up
 * to SHUTDOWN_TIMEOUT_SECONDS, release the rest back to the queue, close the store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { PgBoss } from 'pg-boss';
import { startAdminPages, type AdminPages } from './admin/index.ts';
import { startBackfills, type BackfillService } from './backfill/service.ts';
import { createAuth } from './auth/auth-service.ts';
import type { Config, HttpTimeouts } from './config.ts';
import { openRateLimiters } from './crm/shared-budget-setup.ts';
import { openAbuseLimiters } from './http/abuse-limiters.ts';
import { abuseLimitRoutes, oauthCapacityRefusal, signInPathsOf } from './http/abuse-routes.ts';
import { healthRoutes } from './ingest/health-routes.ts';
import { errorResponder, sendError } from './ingest/http-error.ts';
import { WebhookSecretCache } from './ingest/webhook-secret-cache.ts';
import { webhookRoutes } from './ingest/webhook-routes.ts';
import { createLogger, type Logger } from './log.ts';
import { manifest } from './manifest.ts';
import { metricsRoutes } from './observability/metrics-route.ts';
import type { ServiceRole } from './server-commands.ts';
import { getWebhookSecrets } from './store/installations.ts';
import { migrate } from './store/migrations.ts';
import { startQueue } from './store/queue.ts';
import type { SecretBox } from './store/secret-box.ts';
import { loadSecretBox } from './store/secret-key.ts';
import { applySingleTenant } from './store/single-tenant.ts';
import { openStore, type Store } from './store/store.ts';
import { createOutboundGuard, type OutboundGuardOptions } from './net/outbound-guard.ts';
import { buildDefaultDependencies, type SyncDependencies } from './sync/dependencies.ts';
import { startSyncWorker } from './sync/worker.ts';

export type { ServiceRole };

export interface Backend {
  store: Store;
  box: SecretBox;
  boss: PgBoss;
  /** Migrations applied by this start. */
  migrated: number[];
  close(options?: { graceful: boolean; timeoutMs: number }): Promise<void>;
}

/** Opens the store, applies migrations, loads the secret key and starts the queue (installing its schema). */
export async function openBackend(config: Config, options: { maintain: boolean; logger: Logger }): Promise<Backend> {
  const store = await openStore(config, options.logger);
  try {
    const migrated = await migrate(store);
    if (migrated.length > 0) options.logger.info({ migrated, store: store.location }, 'store migrated');
    const box = await loadSecretBox(config, options.logger);
    const boss = await startQueue(store, config.sync, { maintain: options.maintain }, options.logger);
    return {
      store,
      box,
      boss,
      migrated,
      async close({ graceful, timeoutMs } = { graceful: false, timeoutMs: 1000 }) {
        try {
          await boss.stop({ graceful, timeout: timeoutMs });
        } finally {
          await store.close();
        }
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

export interface StartServiceOptions {
  config: Config;
  role?: ServiceRole;
  /** The mapping engine, CRM adapters and platform client; defaults to buildDefaultDependencies(config). */
  deps?: SyncDependencies;
  /** Test seams of the outbound guard (a resolver, an address classifier); its policy is always `config.outbound`. */
  outbound?: OutboundGuardOptions;
  logger?: Logger;
}

export interface RunningService {
  /** Where the HTTP server listens (a loopback address when bound to all interfaces). */
  url: string;
  role: ServiceRole;
  store: Store;
  boss: PgBoss;
  box: SecretBox;
  /** Idempotent; resolves once the listener, the worker and the store are closed. */
  close(): Promise<void>;
}

export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const { config } = options;
  const role = options.role ?? 'all';
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const runsWorker = role !== 'web';
  // Every request to an address an admin or a CRM answer chose goes through this guard (src/net).
  const outbound = createOutboundGuard(config.outbound, options.outbound);
  // Resolved before anything opens: a worker that cannot sync must fail at start, not on its first job.
  // Per-CRM-account budgets, shared through Postgres by every worker process (src/crm/shared-budget-setup.ts).
  const limiters = runsWorker && !options.deps ? openRateLimiters(config, logger) : undefined;
  let deps: SyncDependencies | undefined;
  // One token provider per process, shared by the adapters and the connect routes; it needs the store, opened below.
  let auth: ReturnType<typeof createAuth> | undefined;
  try {
    deps = runsWorker ? (options.deps ?? (await buildDefaultDependencies(config, { logger, limiters: limiters?.registry, tokens: () => auth?.tokens, outbound }))) : undefined;
  } catch (error) {
    await limiters?.close();
    throw error;
  }
  // Dependencies the caller passed in are the caller's to close.
  const closeDeps = async () => {
    if (!options.deps) deps?.close?.();
    await limiters?.close();
    await outbound.close();
  };
  let backend: Backend;
  try {
    backend = await openBackend(config, { maintain: runsWorker, logger });
  } catch (error) {
    await closeDeps();
    throw error;
  }
  const shutdownMs = config.shutdownTimeoutSeconds * 1000;
  let draining = false;
  let admin: AdminPages | undefined;
  let backfills: BackfillService | undefined;
  const webhookSecrets = new WebhookSecretCache({ load: (id) => getWebhookSecrets(backend.store, backend.box, id) });
  try {
    auth = createAuth({ config, store: backend.store, box: backend.box, logger, outbound });
    if (config.singleTenant) {
      const installation = await applySingleTenant(backend.store, backend.box, config.singleTenant);
      logger.info({ installationId: installation.id, crm: installation.crm }, 'single-tenant installation configured from the environment');
    }
    if (backend.store.kind === 'embedded' && role === 'web') {
      logger.warn('role web on the embedded store: sync jobs wait in the queue until a process with role worker or all opens this data directory');
    }
    const worker = deps
      ? await startSyncWorker({ ...backend, deps, tuning: config.sync, logger })
      : undefined;
    // Backfills walk inside the service; processes that sync also resume walks a crash or shutdown interrupted.
    backfills = await startBackfills(config, backend, { logger, interruptAs: 'running', watch: runsWorker, outbound });
    const app = express();
    app.disable('x-powered-by');
    // Which X-Forwarded-For hops to believe for req.ip, the key of the per-address limits (TRUST_PROXY).
    app.set('trust proxy', config.trustProxy);
    const isDraining = () => draining;
    app.use(healthRoutes({ ...backend, draining: isDraining, logger }));
    app.use(metricsRoutes({ boss: backend.boss, token: config.metricsToken, logger }));
    if (role !== 'worker') {
      app.use(abuseLimitRoutes(openAbuseLimiters(backend.store, config.abuseLimits), config.abuseLimits, manifest));
      app.use(webhookRoutes({ ...backend, secrets: webhookSecrets, maxBodyBytes: config.webhookMaxBodyBytes, logger, draining: isDraining }));
      app.use(auth.router);
      app.use(signInPathsOf(manifest), oauthCapacityRefusal);
      admin = await startAdminPages({
        config, ...backend, sessions: auth.sessions, disconnect: auth.disconnect, limiters: limiters?.registry, backfills: backfills.manager, logger, outbound,
      });
      app.use(admin.router);
    }
    app.use((req, res) => sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`));
    app.use(errorResponder(logger, { maxBodyBytes: config.webhookMaxBodyBytes }));
    const server = await listen(app, config.port, config.host, config.httpTimeouts);
    const url = urlOf(server);
    logger.info({ url, role, store: backend.store.kind, location: backend.store.location }, 'crm-connector started');

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        await closeServer(server, shutdownMs);
        worker?.stop();
        await backfills?.close();
        await backend.close({ graceful: true, timeoutMs: shutdownMs });
        admin?.close();
        webhookSecrets.close();
        await closeDeps();
        logger.info('crm-connector stopped');
      })());
    return { url, role, store: backend.store, boss: backend.boss, box: backend.box, close };
  } catch (error) {
    admin?.close();
    webhookSecrets.close();
    await backfills?.close();
    await backend.close();
    await closeDeps();
    throw error;
  }
}

/**
 * How often node looks for connections past their headers or request timeout. Its default, 30 s,
 * would let a client that never finishes its headers stay up to 30 s past HTTP_HEADERS_TIMEOUT_SECONDS.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

function listen(app: express.Express, port: number, host: string, timeouts: HttpTimeouts): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, timeouts.headersMs),
      },
      app,
    );
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? ' (is another process listening there? set PORT)' : '';
      reject(new Error(`cannot listen on ${host}:${port}: ${error.message}${hint}`, { cause: error }));
    });
  });
}

function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** Stops accepting connections, lets requests in progress finish, and cuts what is left at the deadline. */
async function closeServer(server: Server, deadlineMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
  try {
    await closed;
  } finally {
    clearTimeout(deadline);
  }
}
