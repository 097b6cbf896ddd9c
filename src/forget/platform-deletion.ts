/**
 * A conversation deleted on the platform answers 404 to GET /api/v1/conversations/:id. The sync
 * job should then record it as skipped with this reason instead of failing it: retrying cannot
 * help, and it is not an error an admin must fix. What the connector wrote to the CRM before stays
 * until `crm-connector forget` removes it: a 404 alone (a wrong API key's account, say) is not
 * proof enough to delete CRM data automatically.
 */
import { PlatformApiError } from '../platform/client-errors.ts';

export const DELETED_ON_PLATFORM =
  'not on the platform (GET /api/v1/conversations/:id answered 404): deleted there, or not in this installation\'s platform account';

export function isDeletedOnPlatform(error: unknown): boolean {
  return error instanceof PlatformApiError && error.method === 'GET' && error.status === 404;
}
