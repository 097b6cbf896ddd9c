/**
 * `POST /composite`: up to 25 subrequests (at most 5 of them queries or collections) run in order
 * in one API call and one transaction. `@{ref.path}` in a later url or body reads an earlier
 * answer (`@{NewLead.id}`, `@{Found.records[0].Id}`). With `allOrNone` the first failure rolls
 * everything back and every other subrequest answers PROCESSING_HALTED; without it, only the
 * subrequests that reference a failed one are halted.
 */
import { isPlainObject } from '../org/record-writer.ts';
import { SalesforceApiError, type RestErrorBody } from './salesforce-error.ts';
import { json, type RestContext, type RestResponse, type RestRoute } from './rest-types.ts';

const MAX_SUBREQUESTS = 25;
const MAX_QUERIES_AND_COLLECTIONS = 5;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);
const REFERENCE_ID = /^[A-Za-z0-9_]+$/;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;
const SERVICE_PATH = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)?(?:\?(.*))?$/;

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body: unknown;
  httpHeaders: Record<string, string>;
}

interface SubResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const invalid = (message: string): SalesforceApiError => SalesforceApiError.of(400, 'JSON_PARSER_ERROR', message);

function parseComposite(body: unknown): { allOrNone: boolean; subrequests: Subrequest[] } {
  if (!isPlainObject(body)) throw invalid('The request body must be a JSON object with a "compositeRequest" array');
  const { allOrNone = false, compositeRequest } = body;
  if (typeof allOrNone !== 'boolean') throw invalid('allOrNone must be true or false');
  if (!Array.isArray(compositeRequest) || compositeRequest.length === 0) throw invalid('compositeRequest must be a non-empty array of subrequests');
  if (compositeRequest.length > MAX_SUBREQUESTS) {
    throw SalesforceApiError.of(400, 'LIMIT_EXCEEDED', `Limit Exceeded: a composite request can hold at most ${MAX_SUBREQUESTS} subrequests; this one has ${compositeRequest.length}`);
  }
  const seen = new Set<string>();
  const subrequests = compositeRequest.map((raw, i): Subrequest => {
    const where = `compositeRequest[${i}]`;
    if (!isPlainObject(raw)) throw invalid(`${where} must be an object with method, url and referenceId`);
    const { method, url, referenceId, body: subBody, httpHeaders = {} } = raw;
    if (typeof method !== 'string' || !METHODS.has(method)) throw invalid(`${where}.method must be one of ${[...METHODS].join(', ')} (case-sensitive)`);
    if (typeof url !== 'string' || !url.startsWith('/services/data/')) throw invalid(`${where}.url must be a path starting with /services/data/vXX.X/`);
    if (typeof referenceId !== 'string' || !REFERENCE_ID.test(referenceId)) {
      throw invalid(`${where}.referenceId is required and may hold only letters, digits and underscores`);
    }
    if (seen.has(referenceId)) throw SalesforceApiError.of(400, 'INVALID_INPUT', `Duplicate referenceId provided in the request: ${referenceId}`);
    seen.add(referenceId);
    if (!isPlainObject(httpHeaders) || !Object.values(httpHeaders).every((v) => typeof v === 'string')) throw invalid(`${where}.httpHeaders must map header names to strings`);
    return { method, url, referenceId, body: subBody, httpHeaders: httpHeaders as Record<string, string> };
  });
  const heavy = subrequests.filter((s) => /^\/services\/data\/v[\d.]+\/(query|queryAll|composite\/sobjects)/.test(s.url)).length;
  if (heavy > MAX_QUERIES_AND_COLLECTIONS) {
    throw SalesforceApiError.of(400, 'LIMIT_EXCEEDED', `Limit Exceeded: a composite request can hold at most ${MAX_QUERIES_AND_COLLECTIONS} query or sObject Collections subrequests`);
  }
  return { allOrNone, subrequests };
}

class UnresolvedReference extends Error {}

/** Follows `.name` and `[n]` steps through an earlier answer. */
function lookup(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (current === null || typeof current !== 'object') return undefined;
    current = step.startsWith('.') ? (current as Record<string, unknown>)[step.slice(1)] : (current as unknown[])[Number(step.slice(1, -1))];
  }
  return current;
}

/** Replaces references in a string; a string that is exactly one reference takes the value's own type. */
function resolveString(text: string, answers: Map<string, SubResult>): unknown {
  const resolveOne = (ref: string, path: string): unknown => {
    const answer = answers.get(ref);
    const value = answer && answer.httpStatusCode < 300 ? lookup(answer.body, path) : undefined;
    if (value === undefined || value === null || typeof value === 'object') {
      throw new UnresolvedReference(`Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') must be a valid JSON object or array.`);
    }
    return value;
  };
  const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}$/.exec(text);
  if (whole) return resolveOne(whole[1]!, whole[2]!);
  return text.replace(REFERENCE, (_m, ref: string, path: string) => String(resolveOne(ref, path)));
}

function resolveDeep(value: unknown, answers: Map<string, SubResult>): unknown {
  if (typeof value === 'string') return resolveString(value, answers);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, answers));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, answers)]));
  return value;
}

const halted = (message: string): RestErrorBody[] => [{ errorCode: 'PROCESSING_HALTED', message }];
const ROLLED_BACK_MESSAGE = 'The transaction was rolled back since another operation in the same transaction failed.';

function runSubrequest(ctx: RestContext, sub: Subrequest, answers: Map<string, SubResult>): SubResult {
  const fail = (httpStatusCode: number, body: unknown): SubResult => ({ body, httpHeaders: {}, httpStatusCode, referenceId: sub.referenceId });
  let url: string;
  let body: unknown;
  try {
    url = String(resolveString(sub.url, answers));
    body = resolveDeep(sub.body, answers);
  } catch (error) {
    if (error instanceof UnresolvedReference) return fail(400, halted(error.message));
    throw error;
  }
  const target = SERVICE_PATH.exec(url);
  if (!target) return fail(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  const path = target[2] ?? '/';
  if (/^\/composite\/?$/.test(path)) return fail(400, [{ errorCode: 'INVALID_INPUT', message: 'A composite request cannot contain another composite request' }]);
  const fault = ctx.org.faults.take(path);
  if (fault && !fault.afterWrite) {
    ctx.org.stats.refused('injectedFaults');
    return fail(fault.error.status, fault.error.body);
  }
  const headers = Object.fromEntries(Object.entries(sub.httpHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const response = ctx.dispatch({ ...ctx, version: target[1]! }, { method: sub.method, path, query: new URLSearchParams(target[3] ?? ''), body, headers });
  if (fault) return fail(fault.error.status, fault.error.body);
  return { body: response.body ?? null, httpHeaders: response.headers ?? {}, httpStatusCode: response.status, referenceId: sub.referenceId };
}

function runComposite(ctx: RestContext, body: unknown): RestResponse {
  const { allOrNone, subrequests } = parseComposite(body);
  ctx.org.stats.compositeSubrequests(subrequests.length);
  const inner: RestContext = { ...ctx, composite: { allOrNone } };
  const answers = new Map<string, SubResult>();
  const results: SubResult[] = [];
  let failedAt = -1;
  ctx.org.store.transaction(() => {
    for (const [i, sub] of subrequests.entries()) {
      const result = runSubrequest(inner, sub, answers);
      results.push(result);
      answers.set(sub.referenceId, result);
      if (allOrNone && result.httpStatusCode >= 400) {
        failedAt = i;
        break;
      }
    }
  }, () => failedAt < 0);
  if (failedAt >= 0) {
    const compositeResponse = subrequests.map((sub, i) => (i === failedAt
      ? results[i]!
      : { body: halted(ROLLED_BACK_MESSAGE), httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId }));
    return json(200, { compositeResponse });
  }
  return json(200, { compositeResponse: results });
}

export const compositeRoutes: RestRoute[] = [
  {
    pattern: /^\/composite\/?$/,
    methods: {
      GET: (ctx) => {
        const base = `/services/data/v${ctx.version}/composite`;
        return json(200, { sobjects: `${base}/sobjects` });
      },
      POST: (ctx, req) => runComposite(ctx, req.body),
    },
  },
];
