/**
 * ContentNote bodies. `Content` is base64 of HTML or plain text in which special characters are
 * escaped; Salesforce refuses a note with an unescaped `&` or `<`, and strips unsafe HTML and
 * line breaks before saving. Derived fields (TextPreview, ContentSize) come from the saved body.
 */
import sanitizeHtml from 'sanitize-html';
import { recordError, type RecordError } from '../rest/salesforce-error.ts';

const ENTITY = /^&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/;
const TAG = /^<(?:\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?\/?>|!--[\s\S]*?-->)/;
const PREVIEW_LENGTH = 255;

const REFUSED = (): RecordError => recordError(
  'FIELD_INTEGRITY_EXCEPTION',
  "Note can't be saved because it contains HTML tags or unescaped characters that are not allowed in a Note.",
  ['Content'],
);

/** The first `&` or `<` that does not start an entity or a tag, if any. */
function firstUnescaped(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '&' && !ENTITY.test(text.slice(i, i + 40))) return i;
    if (c === '<' && !TAG.test(text.slice(i))) return i;
  }
  return -1;
}

export interface SavedNote {
  /** The body as saved, base64 again. */
  content: string;
  textPreview: string;
  contentSize: number;
}

export function saveNoteContent(base64: string): SavedNote | RecordError {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64'));
  } catch {
    return REFUSED();
  }
  if (firstUnescaped(text) >= 0) return REFUSED();
  const saved = sanitizeHtml(text, { disallowedTagsMode: 'discard' }).replace(/\r?\n/g, '');
  const plain = sanitizeHtml(saved.replace(/<\/(p|div|li|h[1-6])>|<br\s*\/?>/gi, ' '), { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
  const bytes = Buffer.from(saved, 'utf8');
  return { content: bytes.toString('base64'), textPreview: plain.slice(0, PREVIEW_LENGTH), contentSize: bytes.length };
}

/** The saved body as text, for the inspection page. */
export const decodeNoteContent = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8');
