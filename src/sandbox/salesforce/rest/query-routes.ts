/**
 * `GET /query?q=` and `GET /query/{locator}` (query more). Results come in batches of 2,000
 * (or the `Sforce-Query-Options: batchSize=N` the caller asked for, 200 to 2,000); the rest
 * waits behind `nextRecordsUrl`.
 */
import { parseSoql } from '../soql/soql-parser.ts';
import { runQuery } from '../soql/soql-evaluator.ts';
import { USER_PERMISSION_ACCESS, userPermissionAccess } from '../soql/user-permission-access.ts';
import { SalesforceApiError } from './salesforce-error.ts';
import { json, type RestContext, type RestRequest, type RestResponse, type RestRoute } from './rest-types.ts';

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;

function batchSize(request: RestRequest): number {
  const match = /batchSize=(\d+)/i.exec(request.headers['sforce-query-options'] ?? '');
  if (!match) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(match[1])));
}

function page(ctx: RestContext, records: unknown[], offset: number, totalSize: number, size: number): RestResponse {
  const batch = records.slice(offset, offset + size);
  const end = offset + batch.length;
  if (end >= records.length) return json(200, { totalSize, done: true, records: batch });
  const locator = ctx.org.queryCursors.open(records, end);
  return json(200, { totalSize, done: false, nextRecordsUrl: `/services/data/v${ctx.version}/query/${locator}`, records: batch });
}

export const queryRoutes: RestRoute[] = [
  {
    pattern: /^\/query\/?$/,
    methods: {
      GET: (ctx, req) => {
        const soql = req.query.get('q');
        if (soql === null || soql.trim() === '') {
          throw SalesforceApiError.of(400, 'MALFORMED_QUERY', 'A query string has to be specified');
        }
        const query = parseSoql(soql);
        if (query.from.name.toLowerCase() === USER_PERMISSION_ACCESS.toLowerCase()) {
          const user = ctx.org.users.get(ctx.userId);
          if (!user) throw SalesforceApiError.of(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
          const records = userPermissionAccess(query, user);
          return json(200, { totalSize: records.length, done: true, records });
        }
        const outcome = runQuery(ctx.org, ctx.version, query);
        return page(ctx, outcome.records, 0, outcome.totalSize, batchSize(req));
      },
    },
  },
  {
    pattern: /^\/query\/([^/]+)\/?$/,
    methods: {
      GET: (ctx, req, [locator]) => {
        const cursor = ctx.org.queryCursors.take(locator!);
        if (!cursor) throw SalesforceApiError.of(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        return page(ctx, cursor.records, cursor.offset, cursor.records.length, batchSize(req));
      },
    },
  },
];
