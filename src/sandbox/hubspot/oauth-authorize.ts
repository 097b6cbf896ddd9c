/**
 * `GET /oauth/authorize`: HubSpot's install screen, so the connect flow completes locally. The
 * request is checked as HubSpot does (known client id, the exact registered redirect URI, scopes
 * present); a bad one gets an error page and no redirect. `POST /oauth/authorize` is the user's
 * choice: Connect redirects with `code` and `state`, Cancel with `error=access_denied`.
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { describeIssues } from '../../zod-issues.ts';
import { authorizeErrorPage, consentPage, type ConsentRequest } from './oauth-authorize-page.ts';
import type { SandboxContext } from './sandbox-context.ts';

const AuthorizeRequest = z.object({
  client_id: z.string({ error: 'client_id is required' }).min(1, { error: 'client_id is required' }),
  redirect_uri: z.url({ error: 'redirect_uri must be an absolute URL' }),
  scope: z.string({ error: 'scope is required' }).trim().min(1, { error: 'scope is required' }),
  optional_scope: z.string().optional(),
  state: z.string().optional(),
});

const Decision = AuthorizeRequest.extend({
  decision: z.enum(['allow', 'deny']),
  portal_id: z.coerce.number().int().optional(),
  user_email: z.string().trim().toLowerCase().optional(),
});

function sendError(res: Response, status: number, message: string): void {
  res.status(status).type('html').send(authorizeErrorPage(message).toString());
}

export function oauthAuthorizeRoutes(context: SandboxContext): Router {
  const router = Router();

  /** The request parsed and its client checked, or undefined once an error page was sent. */
  function check<S extends typeof AuthorizeRequest>(schema: S, input: unknown, res: Response): z.infer<S> | undefined {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      sendError(res, 400, describeIssues(parsed.error).join('; '));
      return undefined;
    }
    try {
      context.tokens.authorizationClient({ clientId: parsed.data.client_id, redirectUri: parsed.data.redirect_uri });
    } catch (error) {
      sendError(res, 400, (error as Error).message);
      return undefined;
    }
    return parsed.data;
  }

  const consentOf = (request: z.infer<typeof AuthorizeRequest>): ConsentRequest => ({
    clientId: request.client_id,
    redirectUri: request.redirect_uri,
    scope: request.scope,
    optionalScope: request.optional_scope,
    state: request.state,
  });

  router.get('/oauth/authorize', (req, res) => {
    const request = check(AuthorizeRequest, req.query, res);
    if (!request) return;
    const portals = context.portals.all().map((p) => p.portalId);
    res.type('html').send(consentPage(consentOf(request), { appId: context.tokens.appId(request.client_id) }, portals).toString());
  });

  router.post('/oauth/authorize', express.urlencoded({ extended: false }), (req, res) => {
    const request = check(Decision, req.body, res);
    if (!request) return;
    const target = new URL(request.redirect_uri);
    if (request.decision === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user did not grant access to the app.');
    } else {
      const portal = request.portal_id === undefined ? undefined : context.portals.find(request.portal_id);
      if (!portal) {
        sendError(res, 400, 'choose one of the listed accounts');
        return;
      }
      const users = [...portal.users.values()];
      const user = request.user_email ? users.find((u) => u.email === request.user_email) : users[0];
      if (!user) {
        sendError(res, 400, `portal ${portal.portalId} has no user ${request.user_email}: add one with the sandbox's addUser`);
        return;
      }
      const scopes = [...request.scope.split(' '), ...(request.optional_scope ?? '').split(' ')].filter((s) => s !== '');
      target.searchParams.set('code', context.tokens.issueAuthorizationCode(portal.portalId, {
        clientId: request.client_id, redirectUri: request.redirect_uri, scopes, user: { userId: user.userId, email: user.email },
      }));
    }
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    res.redirect(302, target.toString());
  });

  return router;
}
