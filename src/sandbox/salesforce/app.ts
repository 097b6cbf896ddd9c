/** The sandbox's express app: OAuth and identity, the REST API, and the `/_sandbox` control pages. */
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../../log.ts';
import { oauthRoutes } from './oauth/oauth-routes.ts';
import { oauthAuthorizeRoutes } from './oauth-authorize.ts';
import type { TokenVault } from './oauth/token-vault.ts';
import type { OrgRegistry } from './org/org-registry.ts';
import { restRoutes } from './rest/rest-http.ts';
import { notFound, SalesforceApiError } from './rest/salesforce-error.ts';
import { sandboxRoutes, type SandboxControl } from './inspect/sandbox-routes.ts';

export function createSalesforceApp(options: {
  vault: TokenVault;
  orgs: OrgRegistry;
  control: SandboxControl;
  instanceUrl: () => string;
  log: Logger;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(oauthRoutes(options.vault, options.orgs, options.instanceUrl), oauthAuthorizeRoutes(options.vault, options.orgs));
  app.use('/services/data', restRoutes(options));
  app.use('/_sandbox', sandboxRoutes(options.control, options.log));
  app.use((_req, res) => {
    const error = notFound();
    res.status(error.status).json(error.body);
  });
  app.use(lastResort(options.log));
  return app;
}

/** Errors no route answered: a body express could not read keeps its 4xx; anything else is a logged 500. */
function lastResort(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = (error as { status?: unknown }).status;
    const answer = typeof status === 'number' && status >= 400 && status < 500
      ? SalesforceApiError.of(status, status === 413 ? 'REQUEST_TOO_LARGE' : 'JSON_PARSER_ERROR', error instanceof Error ? error.message : String(error))
      : SalesforceApiError.of(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred in the Salesforce sandbox; see its log.');
    if (answer.status === 500) log.error({ err: error, method: req.method, path: req.path }, 'salesforce sandbox request failed');
    res.status(answer.status).json(answer.body);
  };
}
