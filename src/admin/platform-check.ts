/**
 * After platform settings are saved: one cheap call (list one conversation) tells the admin at
 * once whether the URL and key work, instead of on the first failed sync.
 */
import { PlatformApiError, PlatformClient } from '../platform/client.ts';
import type { NoticeCode } from './notices.ts';

export async function checkPlatformSettings(apiUrl: string, apiKey: string): Promise<NoticeCode> {
  try {
    const client = new PlatformClient({ baseUrl: apiUrl, apiKey, timeoutMs: 5_000, retry: { retries: 0 } });
    await client.listConversations({ limit: 1 });
    return 'settings-saved';
  } catch (error) {
    if (error instanceof PlatformApiError) {
      if (error.status === 401 || error.status === 403) return 'settings-saved-unauthorized';
      if (error.status === undefined || error.status === 404) return 'settings-saved-unreachable';
    }
    return 'settings-saved-unverified';
  }
}
