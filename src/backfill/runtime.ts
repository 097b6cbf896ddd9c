/**
 * What a backfill walk needs from the process it runs in: the store and queue, the platform
 * client of an installation, the live mapping versions, and its tuning. The CLI and the service
 * build one each (`startBackfills` in service.ts), so the same walker runs in both.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import type { ListParams } from '../platform/list-params.ts';
import type { ConversationList } from '../platform/schemas.ts';
import type { Installation } from '../store/installations.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import type { MappingVersions } from './page-facts.ts';

export const BackfillTuning = z.object({
  /**
   * Backpressure: the walk waits while the installation has this many backfill syncs enqueued and
   * not yet settled, so a 100,000-conversation backfill never floods the queue; the workers drain
   * it at the CRM account's rate limit.
   */
  maxPending: z.number().int().min(1).default(2_000),
  /** A walker renews its lease at least this often (every page and every backpressure check); a lapsed lease marks the walker gone. */
  leaseSeconds: z.number().int().min(5).default(60),
  /** How often a waiting walk checks whether syncs have drained. */
  pollMs: z.number().int().min(10).default(1_000),
});
export type BackfillTuning = z.infer<typeof BackfillTuning>;

/** The part of the Conversations API client a walk uses. */
export interface ConversationPages {
  pages(params: Omit<ListParams, 'cursor'> & { cursor?: string }): AsyncGenerator<ConversationList & { cursor: string | undefined }>;
}

export interface BackfillRuntime {
  store: Store;
  boss: PgBoss;
  box: SecretBox;
  logger: Logger;
  platformFor(installation: Installation): ConversationPages;
  mappingVersions: MappingVersions;
  tuning: BackfillTuning;
  /** This process as a lease owner: host, pid and a random part (pids repeat across restarts and containers). */
  owner: string;
}

export const processLeaseOwner = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
