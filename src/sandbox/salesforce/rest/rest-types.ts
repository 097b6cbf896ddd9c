/**
 * The REST API as plain functions, `RestRequest` in, `RestResponse` out, with no HTTP in between:
 * express serves them, and composite runs its subrequests through the very same handlers.
 */
import type { RecordWriter } from '../org/record-writer.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';

export interface RestRequest {
  method: string;
  /** Path relative to `/services/data/vXX.X`, still percent-encoded: `/sobjects/Lead/00Q...`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Readonly<Record<string, string | undefined>>;
}

export interface RestResponse {
  status: number;
  /** JSON-serialisable, or a Buffer sent as is (blob fields). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestContext {
  org: SalesforceOrg;
  /** The user the session's token acts for. */
  userId: string;
  /** Where the sandbox listens (`http://127.0.0.1:PORT`): instance and login URL at once. */
  instanceUrl: string;
  /** The API version the caller asked for, `62.0`. */
  version: string;
  writer: RecordWriter;
  /** Set while running composite subrequests; an all-or-none composite makes every collection all-or-none. */
  composite?: { allOrNone: boolean };
  /** Runs another request through the REST routes (composite subrequests), in the context given. */
  dispatch(ctx: RestContext, request: RestRequest): RestResponse;
}

export type RestHandler = (ctx: RestContext, request: RestRequest, params: string[]) => RestResponse;

export interface RestRoute {
  pattern: RegExp;
  methods: Partial<Record<string, RestHandler>>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): RestResponse =>
  headers ? { status, body, headers } : { status, body };

/** Major API version as a number, for behaviour that changed between versions. */
export const majorVersion = (ctx: RestContext): number => Number.parseInt(ctx.version, 10);
