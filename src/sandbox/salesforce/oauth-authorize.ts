/**
 * `GET /services/oauth2/authorize`: the web server flow's consent page, so the connect flow
 * completes locally. Checked as Salesforce does: `response_type=code`, a known client id, the
 * exact registered callback URL, `S256` when a code challenge is sent; otherwise an error page
 * and no redirect. `POST` is the user's choice: Allow redirects with `code` (bound to the
 * challenge, checked against the verifier at the token endpoint) and `state`; Deny with
 * `error=access_denied`.
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { OrgRegistry } from './org/org-registry.ts';
import { authorizeErrorPage, allowAccessPage, type AuthorizePageRequest } from './oauth-authorize-page.ts';
import { OAuthError } from './oauth/oauth-error.ts';
import type { TokenVault } from './oauth/token-vault.ts';

const AuthorizeQuery = z.object({
  response_type: z.string().optional(),
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  scope: z.string().default('api refresh_token'),
  state: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
});

const Decision = AuthorizeQuery.extend({ decision: z.enum(['allow', 'deny']), org_id: z.string().optional(), username: z.string().trim().optional() });

type Checked = { ok: true; request: AuthorizePageRequest } | { ok: false; error: string; description: string };

function check(vault: TokenVault, query: z.infer<typeof AuthorizeQuery>): Checked {
  const client = vault.clients.find((c) => c.clientId === query.client_id);
  if (!client) return { ok: false, error: 'invalid_client_id', description: 'client identifier invalid' };
  if (query.redirect_uri !== client.redirectUri) return { ok: false, error: 'redirect_uri_mismatch', description: 'redirect_uri must match configuration' };
  if (query.response_type !== 'code') return { ok: false, error: 'unsupported_response_type', description: 'response_type must be code for the web server flow' };
  if (query.code_challenge !== undefined && (query.code_challenge_method ?? 'S256') !== 'S256') {
    return { ok: false, error: 'invalid_request', description: 'code_challenge_method must be S256' };
  }
  return {
    ok: true,
    request: {
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scope: query.scope,
      state: query.state,
      codeChallenge: query.code_challenge,
      codeChallengeMethod: query.code_challenge === undefined ? undefined : 'S256',
    },
  };
}

function sendError(res: Response, error: string, description: string): void {
  res.status(400).type('html').send(authorizeErrorPage(error, description).toString());
}

export function oauthAuthorizeRoutes(vault: TokenVault, orgs: OrgRegistry): Router {
  const router = Router();

  router.get('/services/oauth2/authorize', (req, res) => {
    const checked = check(vault, AuthorizeQuery.parse(req.query));
    if (!checked.ok) {
      sendError(res, checked.error, checked.description);
      return;
    }
    const choices = orgs.all().map((o) => ({ orgId: o.orgId, username: o.user.username }));
    res.type('html').send(allowAccessPage(checked.request, choices).toString());
  });

  router.post('/services/oauth2/authorize', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    const form = Decision.safeParse(req.body);
    if (!form.success) {
      sendError(res, 'invalid_request', 'choose Allow or Deny');
      return;
    }
    const checked = check(vault, form.data);
    if (!checked.ok) {
      sendError(res, checked.error, checked.description);
      return;
    }
    const { request } = checked;
    const target = new URL(request.redirectUri);
    if (form.data.decision === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'end-user denied authorization');
    } else {
      const username = form.data.username;
      const user = username ? orgs.get(form.data.org_id ?? '')?.userByName(username) : undefined;
      if (username && !user) return sendError(res, 'invalid_request', `no user ${username} in org ${form.data.org_id ?? '(none chosen)'}`);
      try {
        const code = vault.issueAuthorizationCode({
          clientId: request.clientId,
          redirectUri: request.redirectUri,
          orgId: form.data.org_id ?? '',
          ...(user ? { userId: user.userId } : {}),
          ...(request.codeChallenge === undefined ? {} : { codeChallenge: request.codeChallenge, codeChallengeMethod: 'S256' as const }),
          scope: request.scope,
        });
        target.searchParams.set('code', code);
      } catch (error) {
        if (error instanceof OAuthError) return sendError(res, error.error, error.message);
        if (error instanceof z.ZodError) return sendError(res, 'invalid_request', error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        throw error;
      }
    }
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    res.redirect(302, target.toString());
  });

  return router;
}
