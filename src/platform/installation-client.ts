/**
 * Conversations API clients for an installation's platform account. Its URL is an admin's input,
 * so every client built here checks it and sends through the outbound guard (src/net): public
 * addresses only (unless the operator allows private networks), no redirects.
 */
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { OutboundRefusedError } from '../net/outbound-refused.ts';
import { platformApiOf, type Installation } from '../store/installations.ts';
import { PlatformClient, type PlatformClientOptions } from './client.ts';

/** Throws an OutboundRefusedError ("platform API URL must use https"...) when the URL may not be used. */
export function guardedPlatformClient(guard: OutboundGuard, options: Omit<PlatformClientOptions, 'fetch'>): PlatformClient {
  try {
    guard.checkBaseUrl(options.baseUrl);
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw new OutboundRefusedError(`platform API URL ${error.message}`);
    throw error;
  }
  return new PlatformClient({ ...options, fetch: guard.fetch });
}

/**
 * The client of the installation's platform account, for backfill walks and forget requests
 * (rare and long: each gets its own client); throws while the admin has not entered the platform's
 * URL and key.
 */
export function installationPlatformClient(installation: Installation, guard: OutboundGuard): PlatformClient {
  const { apiUrl, apiKey } = platformApiOf(installation);
  return guardedPlatformClient(guard, { baseUrl: apiUrl, apiKey });
}
