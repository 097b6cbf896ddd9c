/**
 * Backfills inside a process that has the store and queue open (the service, or the CLI): the
 * live mapping registry for "already synced with this mapping version", a runtime and a manager.
 * In the service, walks interrupted by a shutdown or a crash are resumed on start and whenever
 * their lease lapses (`watch`); the admin pages start, pause and cancel through the same manager.
 */
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { MappingRegistry } from '../mapping/registry.ts';
import { sharedOutboundGuard, type OutboundGuard } from '../net/outbound-guard.ts';
import { installationPlatformClient } from '../platform/installation-client.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { BackfillManager } from './manager.ts';
import { registryMappingVersions } from './page-facts.ts';
import { BackfillTuning, processLeaseOwner, type BackfillRuntime } from './runtime.ts';

export interface BackfillServiceOptions {
  logger: Logger;
  /** `running` in the service (a shutdown leaves walks to the next start), `paused` in the CLI (Ctrl-C). */
  interruptAs: 'paused' | 'running';
  /** Resume interrupted backfills now and whenever a walker's lease lapses. */
  watch: boolean;
  tuning?: Partial<BackfillTuning>;
  platformFor?: BackfillRuntime['platformFor'];
  /** What the default platformFor sends through; the process's guard for `config.outbound` unless given. */
  outbound?: OutboundGuard | undefined;
}

export interface BackfillService {
  manager: BackfillManager;
  runtime: BackfillRuntime;
  /** Interrupts this process's walks (stored as `interruptAs`) and releases the mapping registry. */
  close(): Promise<void>;
}

export async function startBackfills(
  config: Pick<Config, 'mappingsDir' | 'multiTenant' | 'outbound'>,
  backend: { store: Store; boss: PgBoss; box: SecretBox },
  options: BackfillServiceOptions,
): Promise<BackfillService> {
  const registry = new MappingRegistry({ dir: config.mappingsDir, logger: options.logger, multiTenant: config.multiTenant });
  try {
    await registry.start();
  } catch (error) {
    registry.close();
    throw new Error(`MAPPINGS_DIR: cannot read the mapping files in ${config.mappingsDir}: ${(error as Error).message}`, { cause: error });
  }
  const outbound = options.outbound ?? sharedOutboundGuard(config.outbound);
  const runtime: BackfillRuntime = {
    ...backend,
    logger: options.logger,
    platformFor: options.platformFor ?? ((installation) => installationPlatformClient(installation, outbound)),
    mappingVersions: registryMappingVersions(registry),
    tuning: BackfillTuning.parse(options.tuning ?? {}),
    owner: processLeaseOwner(),
  };
  const manager = new BackfillManager(runtime, { interruptAs: options.interruptAs });
  if (options.watch) manager.watchInterrupted();
  return {
    manager,
    runtime,
    async close() {
      try {
        await manager.close();
      } finally {
        registry.close();
      }
    },
  };
}
