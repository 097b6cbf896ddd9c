/**
 * A title for a Salesforce field that holds one line of limited length (Task.Subject,
 * ContentNote.Title): whitespace collapsed, cut with an ellipsis, never blank (both are required).
 */
export function oneLine(text: string, max: number, fallback: string): string {
  const clean = text.replace(/\s+/g, ' ').trim() || fallback;
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}
