/** Finds the handler for a version-relative REST path and turns refusals into Salesforce error bodies. */
import { collectionRoutes } from './collection-routes.ts';
import { compositeRoutes } from './composite-routes.ts';
import { orgRoutes } from './org-routes.ts';
import { queryRoutes } from './query-routes.ts';
import { methodNotAllowed, notFound, SalesforceApiError } from './salesforce-error.ts';
import { sobjectRoutes } from './sobject-routes.ts';
import { toolingRoutes } from './tooling-routes.ts';
import type { RestContext, RestRequest, RestResponse, RestRoute } from './rest-types.ts';
import { SoqlError } from '../soql/soql-error.ts';

const ROUTES: readonly RestRoute[] = [...orgRoutes, ...sobjectRoutes, ...queryRoutes, ...collectionRoutes, ...compositeRoutes, ...toolingRoutes];

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

export function dispatchRest(ctx: RestContext, request: RestRequest): RestResponse {
  try {
    for (const route of ROUTES) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      const handler = route.methods[request.method];
      if (!handler) throw methodNotAllowed(request.method, Object.keys(route.methods));
      return handler(ctx, request, match.slice(1).map(decodeSegment));
    }
    throw notFound();
  } catch (error) {
    if (error instanceof SalesforceApiError) return { status: error.status, body: error.body };
    if (error instanceof SoqlError) {
      const api = error.toApiError();
      return { status: api.status, body: api.body };
    }
    throw error;
  }
}
