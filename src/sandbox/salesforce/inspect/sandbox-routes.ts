/**
 * The sandbox's own control API under `/_sandbox` (no Salesforce equivalent): the inspection page,
 * org state and stats, and the test levers (create orgs, inject faults, add rules, expire tokens,
 * reset the allocation, mint authorization codes). Errors answer `{"error":{"code","message"}}`.
 */
import express, { type ErrorRequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { describeIssues } from '../../../zod-issues.ts';
import type { Logger } from '../../../log.ts';
import { OAuthError } from '../oauth/oauth-error.ts';
import { InvalidRuleError } from '../validation/org-rules.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import { orgState, orgStats } from './org-state.ts';
import { sandboxPage } from './sandbox-page.ts';

/** What the control API needs from the sandbox; the programmatic API offers the same levers. */
export interface SandboxControl {
  orgs(): SalesforceOrg[];
  org(orgId: string): SalesforceOrg | undefined;
  createOrg(): unknown;
  injectFaults(orgId: string, spec: unknown): void;
  addRule(orgId: string, rule: unknown): void;
  expireTokens(orgId: string): number;
  resetUsage(orgId: string): void;
  issueAuthorizationCode(request: unknown): string;
}

class ControlError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

export function sandboxRoutes(control: SandboxControl, log: Logger): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  const orgOf = (orgId: string): SalesforceOrg => {
    const org = control.org(orgId);
    if (!org) throw new ControlError(404, 'not_found', `no org ${orgId} in this sandbox; GET /_sandbox/orgs lists them`);
    return org;
  };

  router.get('/', (_req, res) => {
    res.type('html').send(sandboxPage(control.orgs()));
  });
  router.get('/orgs', (_req, res) => {
    res.json(control.orgs().map((o) => ({ orgId: o.orgId, username: o.user.username, apiUsage: { used: o.usage.used(), limit: o.usage.limit } })));
  });
  router.post('/orgs', (_req, res) => {
    res.status(201).json(control.createOrg());
  });
  router.get('/orgs/:orgId/state', (req, res) => {
    res.json(orgState(orgOf(req.params.orgId)));
  });
  router.get('/orgs/:orgId/stats', (req, res) => {
    res.json(orgStats(orgOf(req.params.orgId)));
  });
  router.post('/orgs/:orgId/faults', (req, res) => {
    control.injectFaults(orgOf(req.params.orgId).orgId, req.body);
    res.status(201).json({ pendingFaults: orgOf(req.params.orgId).faults.pending() });
  });
  router.delete('/orgs/:orgId/faults', (req, res) => {
    orgOf(req.params.orgId).faults.clear();
    res.status(204).end();
  });
  router.post('/orgs/:orgId/rules', (req, res) => {
    control.addRule(orgOf(req.params.orgId).orgId, req.body);
    res.status(201).json({ rules: orgOf(req.params.orgId).rules });
  });
  router.delete('/orgs/:orgId/rules', (req, res) => {
    orgOf(req.params.orgId).clearRules();
    res.status(204).end();
  });
  router.post('/orgs/:orgId/expire-tokens', (req, res) => {
    res.json({ expiredAccessTokens: control.expireTokens(orgOf(req.params.orgId).orgId) });
  });
  router.post('/orgs/:orgId/reset-usage', (req, res) => {
    control.resetUsage(orgOf(req.params.orgId).orgId);
    res.status(204).end();
  });
  router.post('/orgs/:orgId/authorization-codes', (req, res) => {
    const body: unknown = req.body;
    const request = typeof body === 'object' && body !== null ? { ...body, orgId: orgOf(req.params.orgId).orgId } : body;
    res.status(201).json({ code: control.issueAuthorizationCode(request) });
  });
  router.use((req) => {
    throw new ControlError(404, 'not_found', `no sandbox route for ${req.method} ${req.baseUrl}${req.path}`);
  });
  router.use(controlErrors(log));
  return router;
}

const controlErrors = (log: Logger): ErrorRequestHandler => (error: unknown, req, res, _next) => {
  if (error instanceof ControlError) return sendError(res, error.status, error.code, error.message);
  if (error instanceof z.ZodError) return sendError(res, 400, 'invalid_request', describeIssues(error).join('; '));
  if (error instanceof InvalidRuleError) return sendError(res, 400, 'invalid_request', error.message);
  if (error instanceof OAuthError) return sendError(res, error.status, error.error, error.message);
  // express's own client errors (malformed JSON body, say) keep their status.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendError(res, status, 'invalid_request', error instanceof Error ? error.message : String(error));
  }
  log.error({ err: error, method: req.method, path: req.path }, 'salesforce sandbox control request failed');
  return sendError(res, 500, 'internal_error', 'the sandbox failed to handle this request; see its log');
};
