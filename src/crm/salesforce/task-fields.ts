/**
 * The fields of the completed Task that logs a conversation as a call: Subject, Description (the
 * plain-text transcript, cut to Salesforce's 32,000 characters with a visible marker and a link to
 * the full conversation, so the write is never refused for its size), Status, ActivityDate and
 * TaskSubtype. The mapping's own Task properties override these defaults.
 */
import type { NoteBody, ScalarValue } from '../write-plan.ts';
import { oneLine } from './one-line.ts';

export const MAX_TASK_DESCRIPTION = 32_000;
export const MAX_TASK_SUBJECT = 255;
/** How far back from the limit a cut may move to end on a line break or space. */
const CUT_LOOKBACK = 300;

function truncationMarker(shown: number, total: number, sourceUrl: string | undefined): string {
  const link = sourceUrl ? ` Full conversation: ${sourceUrl}` : '';
  return `\n\n[Transcript truncated: ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters shown.${link}]`;
}

/** The text as a Task Description: unchanged when it fits, else cut on a word boundary plus the marker. */
export function taskDescription(body: NoteBody): string {
  const text = body.text;
  if (text.length <= MAX_TASK_DESCRIPTION) return text;
  // Reserve room for the longest marker this text can get (counts no longer than the total).
  const room = MAX_TASK_DESCRIPTION - truncationMarker(text.length, text.length, body.sourceUrl).length;
  let cut = room;
  const window = text.slice(room - CUT_LOOKBACK, room);
  const boundary = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
  if (boundary >= 0) cut = room - CUT_LOOKBACK + boundary;
  // Never end on the first half of a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  const shown = text.slice(0, cut).trimEnd();
  return shown + truncationMarker(shown.length, text.length, body.sourceUrl);
}

export const taskSubject = (title: string): string => oneLine(title, MAX_TASK_SUBJECT, 'Website conversation');

/**
 * Defaults of a conversation Task. `TaskSubtype` can only be set when the Task is created
 * (Salesforce refuses it on update), so it is left out of updates.
 */
export function taskDefaults(body: NoteBody, occurredAt: string | undefined, creating: boolean): Record<string, ScalarValue> {
  return {
    Subject: taskSubject(body.title),
    Description: taskDescription(body),
    Status: 'Completed',
    ...(occurredAt && /^\d{4}-\d{2}-\d{2}/.test(occurredAt) && { ActivityDate: occurredAt.slice(0, 10) }),
    ...(creating && { TaskSubtype: 'Call' }),
  };
}
