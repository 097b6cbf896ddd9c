/**
 * Splits sanitised HTML into parts of at most `budget` characters, cutting only between
 * elements, so every part is well-formed HTML on its own. An element too big for one part is
 * cut between its children and re-wrapped in its own tags (a long list becomes several lists);
 * text too big for one part is cut at whitespace, never inside a character reference.
 *
 * Works on the output of sanitize-html (attribute values have `<`/`>` escaped, no scripts or
 * comments with markup in them), not on arbitrary HTML.
 */

type HtmlNode =
  | { kind: 'text'; html: string }
  | { kind: 'atom'; html: string }
  | { kind: 'element'; html: string; open: string; close: string; inner: string };

const TAG = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>/g;
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Below this many characters for its content, re-wrapping an element is not worth its tags. */
const MIN_INNER_BUDGET = 64;
const TOO_LARGE = '[…]';

/** The top-level nodes of an HTML fragment. */
function topLevelNodes(html: string): HtmlNode[] {
  const nodes: HtmlNode[] = [];
  let depth = 0;
  let textStart = 0;
  let element: { start: number; open: string; innerStart: number } | undefined;
  for (const match of html.matchAll(TAG)) {
    const [tag, slash, rawName] = match;
    const start = match.index;
    const end = start + tag.length;
    if (depth === 0 && start > textStart) nodes.push({ kind: 'text', html: html.slice(textStart, start) });
    const name = rawName?.toLowerCase();
    const isAtom = name === undefined || VOID_ELEMENTS.has(name) || tag.endsWith('/>');
    if (isAtom) {
      if (depth === 0) nodes.push({ kind: 'atom', html: tag });
    } else if (slash) {
      if (depth === 0) nodes.push({ kind: 'atom', html: tag }); // stray closing tag: keep it as is
      else if (--depth === 0 && element) {
        nodes.push({ kind: 'element', html: html.slice(element.start, end), open: element.open, close: tag, inner: html.slice(element.innerStart, start) });
        element = undefined;
      }
    } else if (depth++ === 0) {
      element = { start, open: tag, innerStart: end };
    }
    if (depth === 0) textStart = end;
  }
  // Unclosed element at the end (malformed input): keep the rest as one text run.
  const restStart = element ? element.start : textStart;
  if (restStart < html.length) nodes.push({ kind: 'text', html: html.slice(restStart) });
  return nodes;
}

/** Cuts text into pieces ≤ budget, preferring whitespace, never inside `&…;` or a surrogate pair. */
function splitText(text: string, budget: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > budget) {
    let cut = budget;
    const space = rest.lastIndexOf(' ', cut);
    if (space > budget / 2) cut = space + 1;
    const amp = rest.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp > rest.lastIndexOf(';', cut - 1) && /^&#?\w+;/.test(rest.slice(amp, amp + 12))) cut = amp;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    if (cut <= 0) cut = budget;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

function piecesOf(node: HtmlNode, budget: number): string[] {
  if (node.html.length <= budget) return [node.html];
  if (node.kind === 'text') return splitText(node.html, budget);
  if (node.kind === 'atom') return [TOO_LARGE];
  const innerBudget = budget - node.open.length - node.close.length;
  if (innerBudget < MIN_INNER_BUDGET) return packNodes(topLevelNodes(node.inner), budget);
  return packNodes(topLevelNodes(node.inner), innerBudget).map((inner) => node.open + inner + node.close);
}

function packNodes(nodes: HtmlNode[], budget: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const node of nodes) {
    for (const piece of piecesOf(node, budget)) {
      if (current.length + piece.length > budget) {
        parts.push(current);
        current = '';
      }
      current += piece;
    }
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** `html` in order-preserving parts, each at most `budget` characters (budget ≥ 64). */
export function splitHtml(html: string, budget: number): string[] {
  if (budget < MIN_INNER_BUDGET) throw new RangeError(`splitHtml needs a budget of at least ${MIN_INNER_BUDGET} characters, got ${budget}`);
  return packNodes(topLevelNodes(html), budget);
}
