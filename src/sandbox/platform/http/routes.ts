/** The Conversations API routes (shared/spec/conversations-api.md) plus the sandbox's usage listing. */
import { Router } from 'express';
import { TranscriptFormat, type Conversation } from '../../../platform/schemas.ts';
import type { ConversationStore } from '../store.ts';
import { renderTranscript } from '../transcript-export.ts';
import { badRequest, notFound } from './api-error.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { parseListQuery } from './list-query.ts';

export function conversationRoutes(store: ConversationStore): Router {
  const router = Router();

  router.get('/api/v1/conversations', (req, res) => {
    const query = parseListQuery(req.query as Record<string, unknown>);
    const after = query.cursor === null ? null : decodeCursor(query.cursor, query.filters);
    const { rows, hasMore } = store.list(query.filters, after, query.limit);
    const last = rows.at(-1);
    const nextCursor = hasMore && last ? encodeCursor({ startedAtMs: Date.parse(last.started_at), id: last.id }, query.filters) : null;
    res.json({ data: rows, next_cursor: nextCursor });
  });

  router.get('/api/v1/conversations/:id', (req, res) => {
    res.json(findConversation(store, req.params.id));
  });

  router.get('/api/v1/conversations/:id/transcript', (req, res) => {
    const raw = req.query.format ?? 'txt';
    const format = TranscriptFormat.safeParse(raw);
    if (!format.success) {
      throw badRequest(`format must be one of ${TranscriptFormat.options.join(', ')} (default txt); got ${JSON.stringify(raw)}`);
    }
    const rendered = renderTranscript(findConversation(store, req.params.id), format.data);
    res.type(rendered.contentType).send(rendered.body);
  });

  router.delete('/api/v1/conversations/:id', (req, res) => {
    if (!store.delete(req.params.id)) throw notFound(`conversation ${req.params.id} does not exist`);
    res.status(204).end();
  });

  // Sandbox extension: billing usage, to show that a deleted conversation's record stays, anonymised.
  router.get('/api/v1/usage', (_req, res) => {
    res.json({ data: store.usage() });
  });

  return router;
}

function findConversation(store: ConversationStore, id: string): Conversation {
  const conversation = store.get(id);
  if (!conversation) throw notFound(`conversation ${id} does not exist`);
  return conversation;
}
