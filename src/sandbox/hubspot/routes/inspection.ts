/**
 * `/_sandbox`: sandbox-only endpoints, outside HubSpot's API (no token, no rate limit): the
 * inspection page, portal state and stats as JSON, and the controls fault tests drive from
 * another process (create portals, inject faults, expire tokens, issue authorization codes).
 */
import { Router } from 'express';
import { z } from 'zod';
import { FaultSpec } from '../faults.ts';
import { notFoundError, validationError } from '../hubspot-errors.ts';
import { inspectionPage } from '../inspection-page.ts';
import { portalState } from '../portal-state.ts';
import type { Portal } from '../portals.ts';
import { parseBody } from '../request-parsing.ts';
import type { SandboxContext } from '../sandbox-context.ts';

const AuthorizationCodeRequest = z.object({
  clientId: z.string().min(1),
  redirectUri: z.string().min(1),
  scopes: z.array(z.string()).optional(),
});

export function inspectionRoutes(context: SandboxContext, defaultPortalId: () => number): Router {
  const router = Router();
  const portalParam = (raw: unknown): Portal => {
    const portal = context.portals.find(Number(raw));
    if (!portal) throw notFoundError(`No portal ${String(raw)} in this sandbox.`);
    return portal;
  };

  router.get('/_sandbox', (req, res) => {
    const portal = portalParam(req.query.portalId ?? defaultPortalId());
    res.type('html').send(inspectionPage(portalState(portal), context.portals.all().map((p) => p.portalId)));
  });

  router.get('/_sandbox/portals', (_req, res) => {
    res.json({ results: context.portals.all().map((p) => ({ portalId: p.portalId })) });
  });

  router.post('/_sandbox/portals', (_req, res) => {
    const { portalId, privateAppToken } = context.portals.create();
    res.status(201).json({ portalId, privateAppToken });
  });

  router.get('/_sandbox/portals/:portalId/state', (req, res) => {
    res.json(portalState(portalParam(req.params.portalId)));
  });

  router.get('/_sandbox/portals/:portalId/stats', (req, res) => {
    res.json(portalParam(req.params.portalId).stats.snapshot());
  });

  router.post('/_sandbox/portals/:portalId/faults', (req, res) => {
    portalParam(req.params.portalId).faults.add(parseBody(FaultSpec, req.body));
    res.status(204).end();
  });

  router.delete('/_sandbox/portals/:portalId/faults', (req, res) => {
    portalParam(req.params.portalId).faults.clear();
    res.status(204).end();
  });

  router.post('/_sandbox/portals/:portalId/expire-tokens', (req, res) => {
    context.tokens.expireAccessTokens(portalParam(req.params.portalId).portalId);
    res.status(204).end();
  });

  router.post('/_sandbox/portals/:portalId/authorization-codes', (req, res) => {
    const portal = portalParam(req.params.portalId);
    const request = parseBody(AuthorizationCodeRequest, req.body);
    try {
      res.status(201).json({ code: context.tokens.issueAuthorizationCode(portal.portalId, request) });
    } catch (error) {
      throw validationError(error instanceof Error ? error.message : String(error));
    }
  });

  return router;
}
