/** The sandbox's express app: HubSpot's API families behind the API pipeline, plus `/_sandbox`. */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { createLogger } from '../../log.ts';
import { apiPipeline } from './api-pipeline.ts';
import { HubSpotError, internalError, notFoundError, validationError } from './hubspot-errors.ts';
import { accountInfoRoutes } from './routes/account-info.ts';
import { associationRoutes } from './routes/associations.ts';
import { inspectionRoutes } from './routes/inspection.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { oauthAuthorizeRoutes } from './oauth-authorize.ts';
import { objectRoutes } from './routes/objects.ts';
import { propertyRoutes } from './routes/properties.ts';
import { userRoutes } from './routes/users.ts';
import type { SandboxContext } from './sandbox-context.ts';

const log = createLogger({ name: 'hubspot-sandbox' });

/** HubSpot allows about 100 notes of 65,536 characters in one batch; leave room for that. */
const JSON_BODY_LIMIT = '50mb';

const unknownRoute: RequestHandler = (req) => {
  throw notFoundError(`No HubSpot sandbox endpoint for ${req.method} ${req.path}.`);
};

function toHubSpotError(error: unknown): HubSpotError {
  if (error instanceof HubSpotError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return validationError(`Invalid input JSON: ${(error as Error).message}`);
  if (type === 'entity.too.large') return new HubSpotError(413, { status: 'error', message: 'Request body too large', category: 'VALIDATION_ERROR' });
  log.error({ err: error }, 'HubSpot sandbox route failed');
  return internalError(500);
}

const sendError: ErrorRequestHandler = (error, _req, res, _next) => {
  const hubspotError = toHubSpotError(error);
  res.status(hubspotError.status).json(hubspotError.body);
};

export function createHubSpotSandboxApp(context: SandboxContext, defaultPortalId: () => number): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  app.use(inspectionRoutes(context, defaultPortalId));
  app.use(oauthRoutes(context), oauthAuthorizeRoutes(context));
  app.use(['/crm', '/account-info', '/settings'], ...apiPipeline(context));
  app.use(objectRoutes(context), associationRoutes(), propertyRoutes(context), accountInfoRoutes(), userRoutes());
  app.use(unknownRoute);
  app.use(sendError);
  return app;
}
