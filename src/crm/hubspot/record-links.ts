/** Links to HubSpot record pages, for sync records and admin pages. */
import { RECORD_PAGE_TYPE_IDS } from './endpoints.ts';

/**
 * `https://app.hubspot.com/contacts/{portalId}/record/0-1/{id}`; undefined for objects without a
 * record page of their own (notes, calls: they show on the records they are associated with).
 */
export function recordUrl(appBaseUrl: string, portalId: string, object: string, id: string): string | undefined {
  const typeId = RECORD_PAGE_TYPE_IDS[object];
  if (!typeId) return undefined;
  return `${appBaseUrl.replace(/\/+$/, '')}/contacts/${encodeURIComponent(portalId)}/record/${typeId}/${encodeURIComponent(id)}`;
}
