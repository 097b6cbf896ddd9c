/**
 * What every CRM API request goes through before its route: the bearer token picks the portal
 * (or 401), the request is counted, the portal's limits admit it (or 429, with HubSpot's
 * rate-limit headers on every response), then any injected fault applies.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { internalError, rateLimitError, type HubSpotError, type RateLimitPolicy } from './hubspot-errors.ts';
import type { Portal } from './portals.ts';
import { TEN_SECONDS_MS } from './rate-limiter.ts';
import type { SandboxContext } from './sandbox-context.ts';

/** The scopes of the request's token (set by the pipeline's authentication). */
export const scopesOf = (res: Response): readonly string[] => (res.locals.scopes as readonly string[] | undefined) ?? [];

export function portalOf(res: Response): Portal {
  const portal: unknown = res.locals.portal;
  if (!portal) throw new Error('route reached without an authenticated portal');
  return portal as Portal;
}

function groupName(policy: RateLimitPolicy, portalId: number): string {
  return policy === 'SECONDLY' ? `publicapi:search-api-calls-secondly:${portalId}` : `publicapi:api-calls-ten-secondly:${portalId}`;
}

/** Stats key: the path with record ids folded, e.g. `PATCH /crm/v3/objects/deals/{id}`. */
function endpointKey(req: Request): string {
  const path = new URL(req.originalUrl, 'http://sandbox.invalid').pathname.replace(/\/\d+(?=\/|$)/g, '/{id}');
  return `${req.method} ${path}`;
}

const isSearch = (req: Request) => req.method === 'POST' && /\/search\/?$/.test(req.path);

function authenticate(context: SandboxContext): RequestHandler {
  return (req, res, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const { portalId, scopes } = context.tokens.authenticate(token);
    res.locals.portal = context.portals.get(portalId);
    res.locals.scopes = scopes;
    next();
  };
}

function countAndLimit(context: SandboxContext): RequestHandler {
  return (req, res, next) => {
    const portal = portalOf(res);
    const now = context.now();
    const search = isSearch(req);
    portal.stats.recordArrival(endpointKey(req), search, now);
    res.on('finish', () => portal.stats.recordStatus(res.statusCode));
    const admission = portal.limiter.admit(now, search);
    res.set({
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(TEN_SECONDS_MS),
      'X-HubSpot-RateLimit-Max': String(portal.limiter.limits.perTenSeconds),
      'X-HubSpot-RateLimit-Remaining': String(admission.remaining),
    });
    if (!admission.allowed) {
      portal.stats.recordRateLimited(admission.policy);
      throw rateLimitError(admission.policy, groupName(admission.policy, portal.portalId));
    }
    next();
  };
}

/** Makes the route's response, whatever it was, the fault's error instead. */
function replaceResponse(res: Response, error: HubSpotError): void {
  const send = res.json.bind(res);
  res.json = ((_body?: unknown) => send.call(res.status(error.status), error.body)) as Response['json'];
}

function applyFaults(): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const portal = portalOf(res);
    const fault = portal.faults.take(new URL(req.originalUrl, 'http://sandbox.invalid').pathname);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status === undefined) return next();
    portal.stats.recordInjectedFault();
    const error = fault.status === 429
      ? rateLimitError('TEN_SECONDLY_ROLLING', groupName('TEN_SECONDLY_ROLLING', portal.portalId))
      : internalError(fault.status);
    if (!fault.afterWrite) throw error;
    replaceResponse(res, error);
    next();
  };
}

export function apiPipeline(context: SandboxContext): RequestHandler[] {
  return [authenticate(context), countAndLimit(context), applyFaults()];
}
