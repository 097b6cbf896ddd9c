/**
 * `POST /webhooks/platform/:installationId` and `POST /webhooks/platform` (the single-tenant
 * `default` installation). Order matters, cheapest refusal first: the per-installation rate limit
 * 429 (src/http/abuse-routes.ts, mounted ahead), a declared Content-Length over the limit 413
 * before anything is read, unknown installation 404 (secrets from the in-process cache), a body
 * that grows over the limit as it streams 413 (the connection is closed), signature 401 (verified
 * on the raw bytes), malformed body 400 with the path, then the durable write and 2xx. Nothing
 * before the durable write reads the database except a cache miss. Unknown event types are
 * acknowledged (202) so the platform keeps the endpoint on.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { webhooksReceived, webhooksRejected } from '../observability/metrics.ts';
import { ConversationEvent, ConversationEventData, KnownEventType, WebhookEnvelope } from '../platform/webhook-event.ts';
import { DEFAULT_INSTALLATION } from '../store/single-tenant.ts';
import type { Store } from '../store/store.ts';
import { webhookSecretsChanged } from '../store/webhook-secret-changes.ts';
import { describeIssues } from '../zod-issues.ts';
import { acceptEvent, type IncomingEvent } from './accept-event.ts';
import { payloadTooLarge, sendError } from './http-error.ts';
import { BodyTooLargeError, readLimitedBody } from './request-body.ts';
import type { WebhookSecretCache } from './webhook-secret-cache.ts';
import { verifyWebhook } from './webhook-verifier.ts';

export interface WebhookContext {
  store: Store;
  boss: PgBoss;
  /** Installations' webhook secrets, cached in this process. */
  secrets: WebhookSecretCache;
  maxBodyBytes: number;
  logger: Logger;
  /** True once shutdown began: new webhooks get 503 so the sender redelivers them to a live process. */
  draining(): boolean;
}

/**
 * The connector only needs the ids from `data`: the Conversations API is the source of truth, so
 * an embedded conversation, complete or not, is neither required nor a reason to reject.
 */
const ConversationEventIds = ConversationEvent.extend({ data: ConversationEventData.omit({ conversation: true }) });

export function webhookRoutes(ctx: WebhookContext): Router {
  const router = express.Router();
  const receive = async (req: Request, res: Response, installationId: string) => {
    if (ctx.draining()) {
      webhooksRejected.inc({ reason: 'shutting_down' });
      res.set('Retry-After', '5');
      sendError(res, 503, 'shutting_down', 'this process is shutting down; redeliver later');
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > ctx.maxBodyBytes) {
      webhooksRejected.inc({ reason: 'payload_too_large' });
      payloadTooLarge(res, ctx.maxBodyBytes);
      return;
    }
    let secrets = await ctx.secrets.get(installationId);
    if (!secrets) {
      webhooksRejected.inc({ reason: 'installation_not_found' });
      sendError(res, 404, 'installation_not_found', `no installation ${JSON.stringify(installationId)}`);
      return;
    }
    let body: Buffer;
    try {
      body = await readLimitedBody(req, ctx.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      webhooksRejected.inc({ reason: 'payload_too_large' });
      payloadTooLarge(res, ctx.maxBodyBytes);
      return;
    }
    let verification = verifyWebhook(secrets, body, req.headers);
    if (!verification.ok && verification.code === 'invalid_signature') {
      // Perhaps rotated by another process since they were cached; reloaded at most every few seconds.
      const fresh = await ctx.secrets.refreshAfterFailure(installationId, secrets);
      if (fresh) {
        secrets = fresh;
        verification = verifyWebhook(secrets, body, req.headers);
      }
    }
    if (!verification.ok) {
      webhooksRejected.inc({ reason: verification.code });
      ctx.logger.warn({ installationId, code: verification.code }, `webhook rejected: ${verification.message}`);
      sendError(res, 401, verification.code, verification.message);
      return;
    }
    const log = ctx.logger.child({ installationId, webhookId: verification.webhookId });
    const parsed = parseEvent(body);
    if (!parsed.ok) {
      webhooksRejected.inc({ reason: parsed.code });
      log.warn(`webhook body rejected: ${parsed.message}`);
      sendError(res, 400, parsed.code, parsed.message);
      return;
    }
    const acceptance = await acceptEvent(ctx.store, ctx.boss, installationId, verification.webhookId, parsed.event);
    if (acceptance.status === 'installation_gone') {
      webhookSecretsChanged(installationId);
      webhooksRejected.inc({ reason: 'installation_not_found' });
      sendError(res, 404, 'installation_not_found', `no installation ${JSON.stringify(installationId)}`);
      return;
    }
    webhooksReceived.inc({ outcome: acceptance.status });
    const details = { type: parsed.event.type, ...(parsed.event.kind === 'conversation' ? { conversationId: parsed.event.conversationId } : {}), ...acceptance };
    if (acceptance.status === 'ignored') log.info(details, `webhook ignored: ${acceptance.reason}`);
    else log.debug(details, 'webhook accepted');
    res.status(acceptance.status === 'duplicate' ? 200 : 202).json(acceptance);
  };
  router.post('/webhooks/platform', (req, res) => receive(req, res, DEFAULT_INSTALLATION));
  router.post('/webhooks/platform/:installationId', (req, res) => receive(req, res, String(req.params.installationId)));
  return router;
}

type ParsedEvent = { ok: true; event: IncomingEvent } | { ok: false; code: 'invalid_json' | 'invalid_event'; message: string };

function parseEvent(body: Buffer): ParsedEvent {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'invalid_json', message: `body is not JSON: ${(error as Error).message}` };
  }
  const envelope = WebhookEnvelope.safeParse(json);
  if (!envelope.success) return invalid(envelope.error);
  if (!KnownEventType.safeParse(envelope.data.type).success) {
    return { ok: true, event: { kind: 'unknown', type: envelope.data.type } };
  }
  const event = ConversationEventIds.safeParse(json);
  if (!event.success) return invalid(event.error);
  return {
    ok: true,
    event: { kind: 'conversation', type: event.data.type, conversationId: event.data.data.conversation_id, widgetId: event.data.data.widget_id },
  };
}

const invalid = (error: z.ZodError): ParsedEvent => ({
  ok: false,
  code: 'invalid_event',
  message: `the event does not match the webhook envelope: ${describeIssues(error).join('; ')}`,
});
