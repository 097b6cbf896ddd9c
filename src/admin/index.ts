/**
 * The admin pages as the service mounts them (web role): the routes plus what they own, the
 * mapping registry whose status the mappings page shows (a process without a worker has no
 * other), watched until `close()`. An unreadable mappings folder is logged, not fatal: the
 * webhook receiver in the same process must keep running.
 */
import type { BackfillManager } from '../backfill/manager.ts';
import type { Router } from 'express';
import type { PgBoss } from 'pg-boss';
import type { AdminSessions } from '../auth/admin-session.ts';
import type { Config } from '../config.ts';
import type { RateLimiterRegistry } from '../crm/rate-limit.ts';
import { CrmName } from '../crm/write-plan.ts';
import { forgetDependencies } from '../forget/dependencies.ts';
import type { Logger } from '../log.ts';
import { MappingRegistry } from '../mapping/registry.ts';
import { sharedOutboundGuard, type OutboundGuard } from '../net/outbound-guard.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import type { DisconnectOutcome } from './context.ts';
import { adminRoutes } from './routes.ts';

export interface AdminPagesOptions {
  config: Pick<Config, 'mappingsDir' | 'publicUrl' | 'platformConversationUrl' | 'oauth' | 'multiTenant' | 'outbound'>;
  store: Store;
  box: SecretBox;
  boss: PgBoss;
  sessions: AdminSessions;
  disconnect(installationId: string): Promise<DisconnectOutcome>;
  logger: Logger;
  /** The rate limiters of this process's sync worker; absent in a web-only process. */
  limiters?: Pick<RateLimiterRegistry, 'stats'> | undefined;
  /** Starts, pauses and cancels backfills inside this process (src/backfill/manager.ts). */
  backfills?: BackfillManager | undefined;
  /** What requests to the installations' platform URLs go through; the process's guard for `config.outbound` unless given. */
  outbound?: OutboundGuard | undefined;
}

export interface AdminPages {
  router: Router;
  close(): void;
}

export async function startAdminPages(options: AdminPagesOptions): Promise<AdminPages> {
  const { config } = options;
  const mappings = new MappingRegistry({ dir: config.mappingsDir, logger: options.logger, multiTenant: config.multiTenant });
  try {
    await mappings.start();
  } catch (error) {
    // The pages (and the webhooks beside them) stay up: the mappings page shows the folder as empty and names it.
    mappings.close();
    options.logger.error({ err: error, dir: config.mappingsDir }, 'MAPPINGS_DIR: cannot read the mapping files; the admin pages show none');
  }
  const outbound = options.outbound ?? sharedOutboundGuard(config.outbound);
  const router = adminRoutes({
    store: options.store,
    box: options.box,
    boss: options.boss,
    sessions: options.sessions,
    mappings,
    publicUrl: config.publicUrl,
    multiTenant: config.multiTenant,
    signInCrms: CrmName.options.filter((crm) => config.oauth[crm] !== undefined),
    conversationUrl: config.platformConversationUrl,
    limiters: options.limiters,
    backfills: options.backfills,
    forget: forgetDependencies(options, options.logger, outbound),
    outbound,
    disconnect: options.disconnect,
    logger: options.logger,
  });
  return { router, close: () => mappings.close() };
}
