/**
 * After platform settings are saved: one cheap call (list one conversation) tells the admin at
 * once whether the URL and key work, instead of on the first failed sync. It goes through the
 * outbound guard like every request to an admin's URL, and only the kind of outcome comes back.
 */
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { outboundRefusalIn } from '../net/outbound-refused.ts';
import { PlatformApiError } from '../platform/client.ts';
import { guardedPlatformClient } from '../platform/installation-client.ts';
import type { NoticeCode } from './notices.ts';

export async function checkPlatformSettings(outbound: OutboundGuard, apiUrl: string, apiKey: string): Promise<NoticeCode> {
  try {
    const client = guardedPlatformClient(outbound, { baseUrl: apiUrl, apiKey, timeoutMs: 5_000, retry: { retries: 0 } });
    await client.listConversations({ limit: 1 });
    return 'settings-saved';
  } catch (error) {
    if (outboundRefusalIn(error) || (error instanceof PlatformApiError && error.code === 'outbound_refused')) return 'settings-saved-refused';
    if (error instanceof PlatformApiError) {
      if (error.status === 401 || error.status === 403) return 'settings-saved-unauthorized';
      if (error.status === undefined || error.status === 404) return 'settings-saved-unreachable';
    }
    return 'settings-saved-unverified';
  }
}
