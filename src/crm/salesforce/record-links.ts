/**
 * Links admins click in the sync record: the Lightning record page,
 * `{instanceUrl}/lightning/r/{Type}/{id}/view` (Salesforce redirects the My Domain host to its
 * Lightning host). A ContentNote's id is its ContentDocument's, whose page shows the note.
 */
const PAGE_TYPE: Record<string, string> = { ContentNote: 'ContentDocument' };

export function recordUrl(baseUrl: string, object: string, id: string): string {
  const type = PAGE_TYPE[object] ?? object;
  return `${baseUrl.replace(/\/+$/, '')}/lightning/r/${encodeURIComponent(type)}/${encodeURIComponent(id)}/view`;
}
