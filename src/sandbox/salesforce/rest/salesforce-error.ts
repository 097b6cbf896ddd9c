/**
 * Salesforce's two error shapes. A request the API refuses as a whole answers with a JSON array
 * `[{message, errorCode, fields?}]`; a record refused inside a save result (sObject Collections)
 * carries `{statusCode, message, fields}` instead. Both come from one `RecordError`.
 */

export interface RecordError {
  code: string;
  message: string;
  fields: string[];
  /** Extra members Salesforce adds for some codes (DUPLICATES_DETECTED's `duplicateResult`). */
  extra?: Record<string, unknown>;
}

export interface RestErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
  [extra: string]: unknown;
}

export const recordError = (code: string, message: string, fields: string[] = [], extra?: Record<string, unknown>): RecordError =>
  extra ? { code, message, fields, extra } : { code, message, fields };

export function restErrorBody(error: RecordError, withFields = true): RestErrorBody {
  const body: RestErrorBody = { message: error.message, errorCode: error.code };
  if (withFields) body.fields = error.fields;
  return { ...error.extra, ...body };
}

export function saveResultError(error: RecordError): Record<string, unknown> {
  return { ...error.extra, statusCode: error.code, message: error.message, fields: error.fields };
}

/** A request-level refusal: the HTTP status and the errors the body lists. */
export class SalesforceApiError extends Error {
  readonly status: number;
  readonly body: RestErrorBody[];

  constructor(status: number, body: RestErrorBody[]) {
    super(body.map((b) => `${b.errorCode}: ${b.message}`).join('; '));
    this.name = 'SalesforceApiError';
    this.status = status;
    this.body = body;
  }

  static of(status: number, errorCode: string, message: string, fields?: string[]): SalesforceApiError {
    return new SalesforceApiError(status, [fields ? { message, errorCode, fields } : { message, errorCode }]);
  }

  static fromRecordErrors(status: number, errors: RecordError[]): SalesforceApiError {
    return new SalesforceApiError(status, errors.map((e) => restErrorBody(e)));
  }
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

export const notFound = (message = NOT_FOUND_MESSAGE): SalesforceApiError => SalesforceApiError.of(404, 'NOT_FOUND', message);
export const invalidSession = (): SalesforceApiError => SalesforceApiError.of(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
export const requestLimitExceeded = (): SalesforceApiError => SalesforceApiError.of(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
export const jsonParserError = (message: string): SalesforceApiError => SalesforceApiError.of(400, 'JSON_PARSER_ERROR', message);
export const methodNotAllowed = (method: string, allowed: string[]): SalesforceApiError =>
  SalesforceApiError.of(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`);
