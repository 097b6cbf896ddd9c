/**
 * Transcript Markdown → HTML that is safe to put in a CRM note. Transcripts hold visitor-typed
 * text, so raw HTML in them is shown as text (escaped), never interpreted, and the result is
 * sanitised as well: only formatting tags survive, links only to http(s)/mailto, no attributes
 * but href, no scripts, styles or event handlers.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Visitor-typed "<b>hi</b>" or "<script>" reads as typed; it is not markup.
    html: ({ text }) => escapeHtml(text),
    // No remote images in CRM notes (tracking pixels): the alt text stands in.
    image: ({ text }) => escapeHtml(text),
  },
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'strong', 'b', 'em', 'i', 'del', 'a', 'ul', 'ol', 'li', 'code', 'pre', 'blockquote',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
};

export function markdownToSafeHtml(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return sanitizeHtml(html, SANITIZE).trim();
}

/** Plain text shown as HTML: escaped, line breaks kept. */
export function textToSafeHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}
