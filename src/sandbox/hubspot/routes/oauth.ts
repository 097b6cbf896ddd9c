/**
 * OAuth v1: the token endpoint (form-encoded, authorization_code and refresh_token grants),
 * token introspection and refresh-token revocation. A consent page (`GET /oauth/authorize`)
 * belongs on this router too: it would call `tokens.issueAuthorizationCode` and redirect.
 */
import express, { Router } from 'express';
import type { SandboxContext } from '../sandbox-context.ts';

function formFields(body: unknown): Record<string, string | undefined> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? value : undefined]));
}

export function oauthRoutes(context: SandboxContext): Router {
  const router = Router();

  router.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res) => {
    res.json(context.tokens.grant(formFields(req.body)));
  });

  router.get('/oauth/v1/access-tokens/:token', (req, res) => {
    res.json(context.tokens.accessTokenInfo(req.params.token));
  });

  router.get('/oauth/v1/refresh-tokens/:token', (req, res) => {
    res.json(context.tokens.refreshTokenInfo(req.params.token));
  });

  router.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
    context.tokens.revokeRefreshToken(req.params.token);
    res.status(204).end();
  });

  return router;
}
