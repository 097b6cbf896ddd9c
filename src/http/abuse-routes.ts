/**
 * Where the abuse limits apply, by path, ahead of the routes they protect: the sign-in routes
 * (every CRM's install and OAuth callback paths, and the admin sign-in page) per client address,
 * the webhook route per installation. `oauthCapacityRefusal` renders the OAuth-state cap
 * (src/auth/oauth-state.ts) as a page; it is mounted after the connect routes.
 */
import { createHash } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type Router } from 'express';
import { OAuthStateCapacityError } from '../auth/oauth-state.ts';
import { sendConnectProblem } from '../auth/connect-page.ts';
import type { AbuseLimits } from '../config.ts';
import { sendError } from '../ingest/http-error.ts';
import type { Manifest } from '../manifest.ts';
import { webhooksRejected } from '../observability/metrics.ts';
import { DEFAULT_INSTALLATION } from '../store/single-tenant.ts';
import type { AbuseLimiters } from './abuse-limiters.ts';
import { clientAddressKey } from './client-address.ts';
import { limitRequests } from './rate-limit-middleware.ts';

const WEBHOOK_PATHS = ['/webhooks/platform', '/webhooks/platform/:installationId'];

/** The paths anyone may call without a session, each a way to make the server store or fetch something. */
export const signInPathsOf = (manifest: Manifest): string[] => [
  ...Object.values(manifest.crms).flatMap((crm) => [crm.installPath, crm.redirectPath]),
  manifest.settingsPages.login,
];

export function abuseLimitRoutes(limiters: AbuseLimiters, limits: AbuseLimits, manifest: Manifest): Router {
  const router = express.Router();
  router.all(
    signInPathsOf(manifest),
    limitRequests(limiters.signIn, clientAddressKey, (_req, res, retryAfterSeconds) =>
      sendConnectProblem(res, {
        status: 429,
        title: 'Too many sign-in attempts',
        message: `Your network made more than ${limits.signInPer10Minutes} install or sign-in requests in 10 minutes. Try again in ${waitText(retryAfterSeconds)}.`,
      }),
    ),
  );
  router.post(
    WEBHOOK_PATHS,
    limitRequests(limiters.webhooks, webhookKey, (req, res, retryAfterSeconds) => {
      webhooksRejected.inc({ reason: 'rate_limited' });
      sendError(
        res,
        429,
        'rate_limited',
        `installation ${JSON.stringify(installationOf(req))} received more than ${limits.webhooksPerMinute} webhooks in a minute (WEBHOOK_RATE_LIMIT_PER_MINUTE); redeliver in ${retryAfterSeconds} s`,
      );
    }),
  );
  return router;
}

/** The OAuth-state table is full (over all clients): a page saying so, 503 with Retry-After. */
export const oauthCapacityRefusal: ErrorRequestHandler = (error, _req, res, next) => {
  if (!(error instanceof OAuthStateCapacityError) || res.headersSent) {
    next(error);
    return;
  }
  res.set('Retry-After', String(error.retryAfterSeconds));
  sendConnectProblem(res, { status: 503, title: 'Sign-in is busy', message: `The connector could not start your sign-in: ${error.message}.` });
};

const installationOf = (req: Request): string => (typeof req.params.installationId === 'string' ? req.params.installationId : DEFAULT_INSTALLATION);

/** Installation ids are short; a long made-up one is hashed so the key fits the table's varchar(255). */
function webhookKey(req: Request): string {
  const id = installationOf(req);
  return id.length <= 64 ? id : `sha256:${createHash('sha256').update(id).digest('base64url')}`;
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

