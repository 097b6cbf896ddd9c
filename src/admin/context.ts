/** What the admin pages run on: the store and queue, the admin sessions, the live mapping files, and the auth actions they offer. */
import type { PgBoss } from 'pg-boss';
import type { AdminSessions } from '../auth/admin-session.ts';
import type { BackfillManager } from '../backfill/manager.ts';
import type { RateLimiterRegistry } from '../crm/rate-limit.ts';
import type { CrmName } from '../crm/write-plan.ts';
import type { ForgetDependencies } from '../forget/forget.ts';
import type { Logger } from '../log.ts';
import type { MappingRegistry } from '../mapping/registry.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';

/** Whether the CRM was told (src/auth's DisconnectResult): the stored tokens are wiped either way. */
export interface DisconnectOutcome {
  revoked: boolean;
}

export interface AdminContext {
  store: Store;
  box: SecretBox;
  boss: PgBoss;
  sessions: AdminSessions;
  /** Mapping files' status for the mappings page, and the same resolution a sync uses for previews. */
  mappings: MappingRegistry;
  /** CRMs whose OAuth app is configured: the sign-in page offers these. */
  signInCrms: readonly CrmName[];
  /** Marketplace mode: admins are untrusted, so pages show them nothing of the server (paths) or of other tenants. */
  multiTenant: boolean;
  /** PUBLIC_URL: the base of the webhook URL the admin pastes into the platform; the request's own origin when unset. */
  publicUrl: string | undefined;
  /** PLATFORM_CONVERSATION_URL: links from sync records to the conversation on the platform. */
  conversationUrl: string | undefined;
  /** The per-account rate limiters of this process's sync worker; undefined in a web-only process. */
  limiters: Pick<RateLimiterRegistry, 'stats'> | undefined;
  /** Starts, pauses and resumes backfills in this process; undefined where the service runs none (the backfill page then only lists them). */
  backfills: BackfillManager | undefined;
  /** The Forget action's store, queue and CRM adapters (built as the `forget` command builds them). */
  forget: ForgetDependencies;
  /** Checks platform URLs an admin enters and carries every request to them (src/net). */
  outbound: OutboundGuard;
  /** Revokes the CRM tokens and stops syncing (src/auth). */
  disconnect(installationId: string): Promise<DisconnectOutcome>;
  logger: Logger;
}
