/**
 * Serves the REST API over HTTP under `/services/data`. Each call is checked in Salesforce's
 * order: session (401 INVALID_SESSION_ID), injected faults, the daily allocation (403
 * REQUEST_LIMIT_EXCEEDED), then it counts as one API call, whatever it does inside (a composite
 * of 25 subrequests or a collection of 200 records is still one). Every answer after the session
 * check carries `Sforce-Limit-Info: api-usage=N/MAX`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../../log.ts';
import type { OrgRegistry } from '../org/org-registry.ts';
import { RecordWriter } from '../org/record-writer.ts';
import { apiFamily } from '../org/request-stats.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import type { TokenVault } from '../oauth/token-vault.ts';
import { dispatchRest } from './rest-dispatcher.ts';
import { invalidSession, jsonParserError, notFound, requestLimitExceeded, SalesforceApiError } from './salesforce-error.ts';
import type { RestContext, RestResponse } from './rest-types.ts';

const VERSION = /^\/v(\d+\.\d)(\/.*)?$/;
const SUPPORTED_VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'];
const RELEASE_NAMES: Record<string, string> = {
  '58.0': "Summer '23", '59.0': "Winter '24", '60.0': "Spring '24", '61.0': "Summer '24", '62.0': "Winter '25", '63.0': "Spring '25", '64.0': "Summer '25",
};
const MAX_BODY = '50mb';

function send(res: Response, response: RestResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.set(name, value);
  if (response.body === undefined || response.status === 204) {
    res.end();
  } else if (Buffer.isBuffer(response.body)) {
    res.send(response.body);
  } else {
    res.type('application/json;charset=UTF-8').send(JSON.stringify(response.body));
  }
}

const sendError = (res: Response, error: SalesforceApiError): void => send(res, { status: error.status, body: error.body });

function parseBody(req: Request): unknown {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw jsonParserError(`Unexpected character in the request body: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function sessionOf(req: Request, vault: TokenVault, orgs: OrgRegistry): { org: SalesforceOrg; userId: string } | undefined {
  const token = req.get('authorization')?.match(/^(?:Bearer|OAuth)\s+(\S+)\s*$/i)?.[1];
  const session = token ? vault.authenticate(token) : undefined;
  const org = session ? orgs.get(session.orgId) : undefined;
  return org && session ? { org, userId: session.userId } : undefined;
}

export function restRoutes(options: { vault: TokenVault; orgs: OrgRegistry; instanceUrl: () => string; log: Logger }): Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: MAX_BODY }));

  // The versions list needs no session and does not count against the allocation.
  router.get(['/', ''], (_req, res) => {
    res.json(SUPPORTED_VERSIONS.map((version) => ({ label: RELEASE_NAMES[version], url: `/services/data/v${version}`, version })));
  });

  router.use(async (req, res) => {
    const match = VERSION.exec(req.path);
    if (!match) {
      sendError(res, notFound());
      return;
    }
    const session = sessionOf(req, options.vault, options.orgs);
    if (!session) {
      sendError(res, invalidSession());
      return;
    }
    const { org } = session;
    const version = match[1]!;
    const path = match[2] ?? '/';
    const limitHeader = (): void => {
      res.set('Sforce-Limit-Info', org.usage.header());
    };

    const fault = org.faults.take(path);
    if (fault) {
      org.stats.refused('injectedFaults');
      if (fault.delayMs > 0) await sleep(fault.delayMs);
    }
    if (fault && !fault.afterWrite) {
      limitHeader();
      sendError(res, fault.error);
      return;
    }
    if (!org.usage.tryConsume()) {
      org.stats.refused('limitExceeded');
      limitHeader();
      sendError(res, requestLimitExceeded());
      return;
    }
    org.stats.call(apiFamily(path, req.body));
    limitHeader();

    let response: RestResponse;
    try {
      const ctx: RestContext = {
        org, userId: session.userId, version, instanceUrl: options.instanceUrl(), writer: new RecordWriter(org, version), dispatch: (inner, request) => dispatchRest(inner, request),
      };
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      response = dispatchRest(ctx, { method: req.method, path, query: new URL(req.originalUrl, 'http://sandbox').searchParams, body: parseBody(req), headers });
    } catch (error) {
      if (error instanceof SalesforceApiError) {
        sendError(res, error);
        return;
      }
      options.log.error({ err: error, method: req.method, path }, 'salesforce sandbox request failed');
      sendError(res, SalesforceApiError.of(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred in the Salesforce sandbox; see its log.'));
      return;
    }
    send(res, fault ? { status: fault.error.status, body: fault.error.body } : response);
  });

  return router;
}
