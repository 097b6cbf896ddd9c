/**
 * In-process notices that an installation's webhook secrets changed, or that it was created or
 * deleted, so caches of them (src/ingest/webhook-secret-cache.ts) drop their copy at once. Changes
 * made by other processes reach those caches through their short TTL and the refresh after a
 * failed verification instead.
 */
type Listener = (installationId: string) => void;

const listeners = new Set<Listener>();

/** Returns the function that unsubscribes. */
export function onWebhookSecretsChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function webhookSecretsChanged(installationId: string): void {
  for (const listener of listeners) listener(installationId);
}
