/**
 * The body of a ContentNote. Salesforce stores it as a file (`Content` is base64) and refuses
 * or mangles anything but a small, well-formed HTML subset: text must be escaped with the five
 * basic entities (`&amp; &lt; &gt; &quot; &#39;`, never `&apos;` or named entities such as
 * `&nbsp;`: other characters stay bare Unicode), and raw line breaks are stripped (so they become
 * `<br />` inside `<pre>` and spaces elsewhere).
 *
 * The mapping layer already sanitised the HTML; it is parsed once more here with sanitize-html
 * (decoding every entity and re-escaping only `& < > "`), limited to the tags notes render.
 */
import sanitizeHtml from 'sanitize-html';
import type { NoteBody } from '../write-plan.ts';
import { oneLine } from './one-line.ts';

const NOTE_TAGS = ['p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'ul', 'ol', 'li', 'a', 'pre', 'code', 'blockquote'];

/** ContentNote.Title is required and at most 255 characters. */
export const MAX_NOTE_TITLE = 255;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: NOTE_TAGS,
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  // Headings and rules have no note equivalent: keep their text as paragraphs / a line break.
  transformTags: { h1: 'p', h2: 'p', h3: 'p', h4: 'p', h5: 'p', h6: 'p', hr: 'br', div: 'p' },
  selfClosing: ['br'],
  parser: { decodeEntities: true },
};

/** HTML a ContentNote accepts, from the plan's (sanitised) transcript HTML. */
export function contentNoteHtml(html: string): string {
  const sanitized = sanitizeHtml(html, SANITIZE);
  // sanitize-html escapes `<` and `>` in text and attribute values, so every `<…>` left is a tag.
  const tokens = sanitized.split(/(<[^>]*>)/);
  let preDepth = 0;
  let out = '';
  tokens.forEach((token, i) => {
    if (token.startsWith('<')) {
      if (/^<pre[\s>]/i.test(token)) preDepth += 1;
      else if (/^<\/pre>/i.test(token)) preDepth = Math.max(0, preDepth - 1);
      out += token;
      return;
    }
    let text = token.replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/\r\n?/g, '\n');
    if (preDepth > 0) {
      text = text.replace(/\n/g, '<br />');
    } else if (/^\s*\n\s*$/.test(text) && isBlockTag(tokens[i - 1]) && isBlockTag(tokens[i + 1])) {
      // Source formatting between blocks (`</p>\n<p>`): not content.
      text = '';
    } else {
      text = text.replace(/\s*\n\s*/g, ' ');
    }
    out += text;
  });
  return out;
}

const BLOCK_TAG = /^<\/?(p|ul|ol|li|pre|blockquote|br)[\s/>]/i;
const isBlockTag = (token: string | undefined): boolean => token !== undefined && BLOCK_TAG.test(token);

const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** `Title` and base64 `Content` of the note for a transcript body. */
export function contentNoteFields(body: NoteBody): { Title: string; Content: string } {
  const title = oneLine(body.title, MAX_NOTE_TITLE, 'Website conversation');
  const html = contentNoteHtml(body.html) || `<p>${escapeText(title)}</p>`;
  return { Title: title, Content: Buffer.from(html, 'utf8').toString('base64') };
}
