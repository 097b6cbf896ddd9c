/**
 * What the sync job needs from the rest of the system, injected so the job is testable with a
 * recording adapter and so the real mapping engine and CRM adapters plug in at one place:
 * `buildDefaultDependencies` below.
 */
import type { Config } from '../config.ts';
import type { CrmAdapter } from '../crm/adapter.ts';
import type { RateLimiterRegistry } from '../crm/rate-limit.ts';
import type { WritePlan } from '../crm/write-plan.ts';
import { log as rootLog, type Logger } from '../log.ts';
import { MappingRegistry } from '../mapping/registry.ts';
import { sharedOutboundGuard, type OutboundGuard } from '../net/outbound-guard.ts';
import type { PlatformClient } from '../platform/client.ts';
import { guardedPlatformClient } from '../platform/installation-client.ts';
import type { Conversation } from '../platform/schemas.ts';
import { platformApiOf, type Installation } from '../store/installations.ts';
import type { WidgetBinding } from '../store/widget-bindings.ts';
import { adapterBuilderFor, installationAdapters, type AdapterFactoryOptions } from './adapter-factory.ts';
import { mappingPlanner } from './mapping-planner.ts';

export { MissingIntegrationError } from './adapter-factory.ts';

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
  /** Releases what the dependencies hold open (the mapping folder's watch); called by whoever built them. */
  close?(): void;
}

/** One Conversations API client per installation, rebuilt when its URL or key changes; all send through `outbound`. */
export function platformClients(outbound: OutboundGuard): SyncDependencies['platformFor'] {
  const clients = new Map<string, { apiUrl: string; apiKey: string; client: PlatformClient }>();
  return (installation) => {
    const { apiUrl, apiKey } = platformApiOf(installation);
    const cached = clients.get(installation.id);
    if (cached && cached.apiUrl === apiUrl && cached.apiKey === apiKey) return cached.client;
    const client = guardedPlatformClient(outbound, { baseUrl: apiUrl, apiKey });
    clients.set(installation.id, { apiUrl, apiKey, client });
    return client;
  };
}

export interface DefaultDependencyOptions {
  logger?: Logger;
  /** Rate limiters by CRM account; the process-wide registry unless given. */
  limiters?: RateLimiterRegistry;
  /** The OAuth token provider, once the store is open; without it the stored tokens are used as they are. */
  tokens?: AdapterFactoryOptions['tokens'];
  /** Where the platform clients send; the process's guard for `config.outbound` unless given. */
  outbound?: OutboundGuard | undefined;
}

/**
 * The production wiring: the Conversations API client, the mapping files of MAPPINGS_DIR (loaded
 * now, reloaded on change) and one CRM adapter per installation. A single-tenant installation
 * whose CRM has no adapter in this build stops the worker here, before it takes jobs.
 */
export async function buildDefaultDependencies(config: Config, options: DefaultDependencyOptions = {}): Promise<SyncDependencies> {
  const logger = options.logger ?? rootLog;
  if (config.singleTenant) adapterBuilderFor(config.singleTenant.crm.crm);
  const registry = new MappingRegistry({ dir: config.mappingsDir, logger, multiTenant: config.multiTenant });
  try {
    await registry.start();
  } catch (error) {
    registry.close();
    throw new Error(`MAPPINGS_DIR: cannot read the mapping files in ${config.mappingsDir}: ${(error as Error).message}`, { cause: error });
  }
  return {
    platformFor: platformClients(options.outbound ?? sharedOutboundGuard(config.outbound)),
    planFor: mappingPlanner({ registry, conversationUrl: config.platformConversationUrl }),
    adapterFor: installationAdapters({ logger, ...(options.limiters ? { limiters: options.limiters } : {}), ...(options.tokens ? { tokens: options.tokens } : {}) }),
    close: () => registry.close(),
  };
}
