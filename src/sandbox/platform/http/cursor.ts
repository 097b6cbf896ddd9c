/**
 * List cursors: an opaque keyset token (base64url JSON of the last row's started_at + id and the
 * filters it was issued for). Keyset rather than offset, so a walk stays exact while
 * conversations are inserted or deleted between pages; bound to its filters, so reusing it with
 * other filters is an error instead of a silently wrong page.
 */
import { z } from 'zod';
import type { ListFilters, ListPosition } from '../store.ts';
import { badRequest } from './api-error.ts';

const CursorPayload = z.object({
  v: z.literal(1),
  after: z.object({ started_at_ms: z.number().int(), id: z.string().min(1) }),
  filters: z.string(),
});

/** The filters in a fixed shape, so two equal filter sets compare equal as strings. */
const fingerprint = (f: ListFilters): string =>
  JSON.stringify([f.widgetId ?? null, f.outcome ?? null, f.sinceMs ?? null, f.untilMs ?? null]);

export function encodeCursor(after: ListPosition, filters: ListFilters): string {
  const payload: z.infer<typeof CursorPayload> = {
    v: 1,
    after: { started_at_ms: after.startedAtMs, id: after.id },
    filters: fingerprint(filters),
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(token: string, filters: ListFilters): ListPosition {
  let payload: z.infer<typeof CursorPayload>;
  try {
    payload = CursorPayload.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw badRequest('cursor is not a cursor this API issued: pass next_cursor from the previous response unchanged', 'invalid_cursor');
  }
  if (payload.filters !== fingerprint(filters)) {
    throw badRequest(
      'cursor was issued for different filters: repeat widget_id, outcome, since and until exactly as in the request that returned it',
      'invalid_cursor',
    );
  }
  return { startedAtMs: payload.after.started_at_ms, id: payload.after.id };
}
