/** The sandbox platform's express app: Bearer API-key auth, the routes, JSON error bodies everywhere. */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from '../../../log.ts';
import type { ConversationStore } from '../store.ts';
import { ApiError, notFound, sendError } from './api-error.ts';
import { conversationRoutes } from './routes.ts';

export function createPlatformApp(options: { store: ConversationStore; apiKey: string; log: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requireApiKey(options.apiKey));
  app.use(conversationRoutes(options.store));
  app.use((req) => {
    throw notFound(`no route for ${req.method} ${req.path}`);
  });
  app.use(errorBody(options.log));
  return app;
}

function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, new ApiError(401, 'unauthorized', 'missing API key: send the header "Authorization: Bearer <api key>"'));
      return;
    }
    // Compare digests so the comparison takes the same time whatever the key's length.
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendError(res, new ApiError(401, 'unauthorized', 'invalid API key'));
      return;
    }
    next();
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function errorBody(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof ApiError) {
      sendError(res, error);
      return;
    }
    // express's own client errors (a malformed percent-encoding in the path, say) keep their status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(res, new ApiError(status, 'invalid_request', error instanceof Error ? error.message : String(error)));
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, 'platform sandbox request failed');
    sendError(res, new ApiError(500, 'internal_error', 'the sandbox failed to handle this request; see its log'));
  };
}
