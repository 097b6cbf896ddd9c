/** The webhook envelope assumed in ARCHITECTURE.md §4 (Standard Webhooks signing). */
import { z } from 'zod';
import { Conversation } from './schemas.ts';

/** Postgres text and jsonb hold neither NUL nor unpaired surrogates: an id or type with one is a bad event (400), not a failed insert (500). */
const EventText = z.string().min(1).refine((s) => !s.includes('\u0000') && s.isWellFormed(), {
  error: 'must be well-formed Unicode text without NUL (\\u0000) characters',
});

export const KNOWN_EVENT_TYPES = ['conversation.ended', 'criteria.evaluated'] as const;
export const KnownEventType = z.enum(KNOWN_EVENT_TYPES);
export type KnownEventType = z.infer<typeof KnownEventType>;

/** First pass: any event type, so unknown ones can be acknowledged and logged. */
export const WebhookEnvelope = z.looseObject({
  type: EventText,
  timestamp: z.iso.datetime({ offset: true }),
  data: z.looseObject({}),
});

/** Second pass for the two events the connector consumes. `data` may carry the whole conversation. */
export const ConversationEventData = z.looseObject({
  conversation_id: EventText,
  widget_id: EventText,
  conversation: Conversation.optional(),
});
export const ConversationEvent = z.looseObject({
  type: KnownEventType,
  timestamp: z.iso.datetime({ offset: true }),
  data: ConversationEventData,
});
export type ConversationEvent = z.infer<typeof ConversationEvent>;
