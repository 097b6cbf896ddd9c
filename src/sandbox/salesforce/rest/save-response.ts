/** Turns the writer's save results into the single-record REST answers and into collection items. */
import { recordUrl, type SaveResult } from '../org/record-writer.ts';
import { restErrorBody, saveResultError, type RecordError } from './salesforce-error.ts';
import { json, majorVersion, type RestContext, type RestResponse } from './rest-types.ts';

/** `POST /sobjects/{Type}`: 201 `{id, success, errors}` with a Location, or 400 with the errors. */
export function createdResponse(ctx: RestContext, sobject: string, result: SaveResult): RestResponse {
  if (!result.success) return json(400, result.errors.map((e) => restErrorBody(e)));
  return json(201, { id: result.id, success: true, errors: [] }, { Location: recordUrl(ctx.version, sobject, result.id) });
}

/** `PATCH /sobjects/{Type}/{id}`: 204, or the errors. */
export function updatedResponse(result: SaveResult): RestResponse {
  if (!result.success) return json(400, result.errors.map((e) => restErrorBody(e)));
  return { status: 204 };
}

/**
 * Upsert by external id: 201 `{id, success, errors, created: true}` when created; when updated,
 * 200 with `created: false` since API 46.0, an empty 204 before.
 */
export function upsertResponse(ctx: RestContext, sobject: string, result: SaveResult): RestResponse {
  if (!result.success) return json(400, result.errors.map((e) => restErrorBody(e)));
  if (result.created) {
    return json(201, { id: result.id, success: true, errors: [], created: true }, { Location: recordUrl(ctx.version, sobject, result.id) });
  }
  return majorVersion(ctx) >= 46 ? json(200, { id: result.id, success: true, errors: [], created: false }) : { status: 204 };
}

/** One item of an sObject Collections answer: errors carry `statusCode`, not `errorCode`. */
export function collectionItem(result: SaveResult, options: { upsert?: boolean } = {}): Record<string, unknown> {
  const item: Record<string, unknown> = result.success
    ? { id: result.id, success: true, errors: [] }
    : { ...(result.id ? { id: result.id } : {}), success: false, errors: result.errors.map(saveResultError) };
  if (options.upsert) item.created = result.success && result.created;
  return item;
}

export const ROLLED_BACK: RecordError = {
  code: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};
