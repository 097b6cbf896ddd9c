/**
 * What the sync job needs from the rest of the system, injected so the job is testable with a
 * recording adapter and so the real mapping engine and CRM adapters plug in at one place:
 * `buildDefaultDependencies` below.
 */
import type { Config } from '../config.ts';
import type { CrmAdapter } from '../crm/adapter.ts';
import type { WritePlan } from '../crm/write-plan.ts';
import { PlatformClient } from '../platform/client.ts';
import type { Conversation } from '../platform/schemas.ts';
import type { Installation } from '../store/installations.ts';
import type { WidgetBinding } from '../store/widget-bindings.ts';

/** The part of the Conversations API client the job uses. */
export interface ConversationSource {
  getConversation(id: string): Promise<Conversation>;
  getTranscript(id: string, format: 'md'): Promise<string>;
}

export interface SyncDependencies {
  platformFor(installation: Installation): ConversationSource;
  /** The mapping engine: conversation + transcript + the binding's mapping file → WritePlan (no I/O to the CRM). */
  planFor(installation: Installation, binding: WidgetBinding, conversation: Conversation, transcriptMd: string): Promise<WritePlan>;
  /** Called once per installation per batch; the adapter batches the plans it is given. */
  adapterFor(installation: Installation): CrmAdapter;
}

export class MissingIntegrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingIntegrationError';
  }
}

/** One Conversations API client per installation, rebuilt when its URL or key changes. */
export function platformClients(): SyncDependencies['platformFor'] {
  const clients = new Map<string, { apiUrl: string; apiKey: string; client: PlatformClient }>();
  return (installation) => {
    const { apiUrl, apiKey } = installation.platform;
    const cached = clients.get(installation.id);
    if (cached && cached.apiUrl === apiUrl && cached.apiKey === apiKey) return cached.client;
    const client = new PlatformClient({ baseUrl: apiUrl, apiKey });
    clients.set(installation.id, { apiUrl, apiKey, client });
    return client;
  };
}

/**
 * The production wiring. The mapping engine (src/mapping) and the CRM adapters (src/crm/*) are
 * joined here; until they exist the worker refuses to start rather than take jobs it cannot finish.
 */
export async function buildDefaultDependencies(_config: Config): Promise<SyncDependencies> {
  throw new MissingIntegrationError(
    'the sync worker has no mapping engine and CRM adapter wired in yet (src/sync/dependencies.ts, buildDefaultDependencies). ' +
      'Start with --role web to accept webhooks only: their sync jobs wait in the queue until a worker can run them',
  );
}
