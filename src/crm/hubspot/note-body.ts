/**
 * Fits a transcript body into HubSpot's engagement body limit (65,536 characters): either
 * ordered parts ("Transcript (part 2 of 3)"), or one part cut short with a visible marker and a
 * link back to the full conversation. Either way HubSpot never rejects the write for its size.
 */
import type { NoteBody } from '../write-plan.ts';
import { splitHtml } from './html-split.ts';

export type NoteOverflow = 'split' | 'truncate';

export interface FittedBody {
  /** HTML per part, heading included; one element when the body fits. */
  parts: string[];
  /** Part titles (for engagements with a title field). */
  titles: string[];
  truncated: boolean;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const partTitle = (title: string, index: number, count: number): string =>
  count > 1 ? `${title} (part ${index + 1} of ${count})` : title;

const heading = (title: string): string => `<p><strong>${escapeHtml(title)}</strong></p>`;

function truncationMarker(shown: number, total: number, sourceUrl: string | undefined): string {
  const link = sourceUrl ? ` <a href="${escapeHtml(sourceUrl)}">Open the full conversation</a>` : '';
  return `<p><em>Transcript truncated: ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters shown.</em>${link}</p>`;
}

export function fitBody(body: NoteBody, limit: number, overflow: NoteOverflow): FittedBody {
  const whole = heading(body.title) + body.html;
  if (whole.length <= limit) return { parts: [whole], titles: [body.title], truncated: false };

  if (overflow === 'truncate') {
    // Room for the worst-case marker: the counts are at most as long as the total's digits.
    const marker = truncationMarker(body.html.length, body.html.length, body.sourceUrl);
    const [first = ''] = splitHtml(body.html, limit - heading(body.title).length - marker.length);
    return {
      parts: [heading(body.title) + first + truncationMarker(first.length, body.html.length, body.sourceUrl)],
      titles: [body.title],
      truncated: true,
    };
  }

  // Reserve the longest heading any part could get, so no part's heading pushes it over.
  const reserve = heading(partTitle(body.title, 9_998, 9_999)).length;
  const chunks = splitHtml(body.html, limit - reserve);
  const titles = chunks.map((_, i) => partTitle(body.title, i, chunks.length));
  return { parts: chunks.map((chunk, i) => heading(titles[i]!) + chunk), titles, truncated: false };
}
