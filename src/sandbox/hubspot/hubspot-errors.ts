/**
 * HubSpot's error responses. Routes throw a HubSpotError; the app's error handler sends its
 * status and body unchanged, so every failure path has the shape a client sees from HubSpot.
 */
import { randomUUID } from 'node:crypto';

export type ErrorBody = Record<string, unknown>;

export class HubSpotError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(typeof body.message === 'string' ? body.message : `HubSpot error ${status}`);
    this.name = 'HubSpotError';
    this.status = status;
    this.body = body;
  }
}

/** One item of `errors[]` in a VALIDATION_ERROR body. */
export interface ErrorDetail {
  message: string;
  code?: string;
  context?: Record<string, string[]>;
  in?: string;
}

function standardBody(category: string, message: string, extra: ErrorBody = {}): ErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function validationError(message: string, extra: { errors?: ErrorDetail[]; context?: Record<string, string[]>; subCategory?: string } = {}): HubSpotError {
  return new HubSpotError(400, standardBody('VALIDATION_ERROR', message, extra));
}

/** A property value HubSpot refused, as listed in "Property values were not valid: [...]". */
export interface PropertyIssue {
  propertyName: string;
  code: string;
  message: string;
  value: string;
}

/** HubSpot's body for rejected property values: the legacy JSON list in `message` plus `errors[]`. */
export function propertyValuesError(issues: PropertyIssue[], portalId: number): HubSpotError {
  const legacy = issues.map((issue) => ({
    isValid: false,
    message: issue.message,
    error: issue.code,
    name: issue.propertyName,
    localizedErrorMessage: issue.message,
    propertyValue: issue.value,
    portalId,
  }));
  return validationError(`Property values were not valid: ${JSON.stringify(legacy)}`, {
    errors: issues.map((issue) => ({ message: issue.message, code: issue.code, context: { propertyName: [issue.propertyName] } })),
  });
}

export function conflictError(message: string, errors?: ErrorDetail[]): HubSpotError {
  return new HubSpotError(409, standardBody('CONFLICT', message, errors ? { errors } : {}));
}

export function alreadyExistsError(message: string): HubSpotError {
  return new HubSpotError(409, standardBody('OBJECT_ALREADY_EXISTS', message));
}

export function notFoundError(message: string, context?: Record<string, string[]>): HubSpotError {
  return new HubSpotError(404, standardBody('OBJECT_NOT_FOUND', message, context ? { context } : {}));
}

export function invalidAuthenticationError(): HubSpotError {
  return new HubSpotError(401, standardBody('INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'));
}

export function expiredAuthenticationError(expiredForMs: number): HubSpotError {
  const minutes = Math.max(0, Math.floor(expiredForMs / 60_000));
  return new HubSpotError(401, standardBody('EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${minutes} minute(s) ago.`));
}

export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY';

export function rateLimitError(policy: RateLimitPolicy, groupName: string): HubSpotError {
  const window = policy === 'TEN_SECONDLY_ROLLING' ? 'ten_secondly_rolling' : 'secondly';
  return new HubSpotError(429, {
    status: 'error',
    message: `You have reached your ${window} limit.`,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: policy,
    groupName,
  });
}

export function internalError(status: number): HubSpotError {
  return new HubSpotError(status, standardBody('INTERNAL_ERROR', 'internal error'));
}

/** A call the token's scopes do not cover (HubSpot answers 403 MISSING_SCOPES). */
export function missingScopesError(requiredScopes: string[]): HubSpotError {
  return new HubSpotError(403, standardBody('MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call.", {
    errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes } }],
  }));
}

/** The OAuth endpoints use their own shape: the error code sits in `status`. */
export function oauthError(status: string, message: string, httpStatus = 400): HubSpotError {
  return new HubSpotError(httpStatus, { status, message, correlationId: randomUUID() });
}
