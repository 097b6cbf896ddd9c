/**
 * The Composite resource: up to 25 subrequests in ONE API call, later ones referring to earlier
 * results with `@{referenceId.id}`. Always sent with `allOrNone: false`, so one failing
 * subrequest only stops those that depend on it.
 */
import { CrmError } from '../errors.ts';
import type { SalesforceApi } from './api.ts';
import { CompositeResponse, type CompositeSubresponse } from './responses.ts';

export const MAX_COMPOSITE_SUBREQUESTS = 25;
/** Of the 25, at most 5 may be queries or sObject Collections requests. */
export const MAX_COMPOSITE_QUERIES = 5;

export interface Subrequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under the versioned data root: `/sobjects/Lead`, `/query?q=…`. */
  path: string;
  /** Letters, digits and `_`, starting with a letter; unique within the request. */
  referenceId: string;
  body?: unknown;
}

/** A reference to the `id` of an earlier subrequest's result. */
export const idReference = (referenceId: string): string => `@{${referenceId}.id}`;

/** Sends the subrequests as one Composite call; answers by referenceId, every subrequest accounted for. */
export async function sendComposite(
  api: SalesforceApi,
  subrequests: Subrequest[],
  what: string,
  idempotent: boolean,
): Promise<Map<string, CompositeSubresponse>> {
  if (subrequests.length === 0) return new Map();
  if (subrequests.length > MAX_COMPOSITE_SUBREQUESTS) {
    throw new Error(`a Composite request holds at most ${MAX_COMPOSITE_SUBREQUESTS} subrequests, got ${subrequests.length}`);
  }
  const response = await api.call({
    method: 'POST',
    path: '/composite',
    body: {
      allOrNone: false,
      compositeRequest: subrequests.map((s) => ({
        method: s.method,
        url: api.dataPath(s.path),
        referenceId: s.referenceId,
        ...(s.body !== undefined && { body: s.body }),
      })),
    },
    schema: CompositeResponse,
    idempotent,
    what,
  });
  const byReference = new Map(response.compositeResponse.map((r) => [r.referenceId, r]));
  const missing = subrequests.filter((s) => !byReference.has(s.referenceId));
  if (missing.length > 0) {
    throw new CrmError('retryable', `Salesforce's answer to ${what} has no result for ${missing.map((s) => s.referenceId).join(', ')}`, {
      code: 'NO_OUTCOME',
    });
  }
  return byReference;
}

export const succeeded = (answer: CompositeSubresponse): boolean => answer.httpStatusCode >= 200 && answer.httpStatusCode < 300;
