/**
 * OAuth v1: the token endpoint (form-encoded, authorization_code and refresh_token grants),
 * token introspection and refresh-token revocation. A consent page (`GET /oauth/authorize`)
 * belongs on this router too: it would call `tokens.issueAuthorizationCode` and redirect.
 */
import express, { Router } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { internalError } from '../hubspot-errors.ts';
import type { SandboxContext } from '../sandbox-context.ts';

const TOKEN_PATH = '/oauth/v1/token';

function formFields(body: unknown): Record<string, string | undefined> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? value : undefined]));
}

export function oauthRoutes(context: SandboxContext): Router {
  const router = Router();

  router.post(TOKEN_PATH, express.urlencoded({ extended: false }), async (req, res) => {
    const form = formFields(req.body);
    // A refresh of a portal's installation meets the faults injected for the token endpoint (pathPrefix /oauth/v1/token).
    const portalId = form.grant_type === 'refresh_token' ? context.tokens.portalOfRefreshToken(form.refresh_token) : undefined;
    const fault = portalId === undefined ? undefined : context.portals.find(portalId)?.faults.take(TOKEN_PATH, { explicitOnly: true });
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined) throw internalError(fault.status);
    res.json(context.tokens.grant(form));
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
