/**
 * "Delete installation" (an admin's button, after confirmation): the end of an installation's life.
 *
 * 1. Disconnect first (src/auth/disconnect.ts): the CRM grant is revoked and the tokens wiped, so
 *    nothing can sync from here on, whatever happens next.
 * 2. In one transaction: delete the installation's queued, finished and dead-lettered jobs, its row
 *    (sealed tokens, platform key, webhook secrets) and everything stored for it, and write the
 *    anonymised audit row (src/store/installation-deletion.ts).
 *
 * A sync running at that moment cannot be taken back: it finds no installation on its next step and
 * ends as skipped (src/sync/run-batch.ts). The CRM records the connector wrote stay in the CRM: they
 * are the customer's data now (Forget removes a conversation's records, one by one, before this).
 */
import type { PgBoss } from 'pg-boss';
import { deleteSyncJobs } from '../forget/sync-jobs.ts';
import type { Logger } from '../log.ts';
import { purgeInstallation, type DeletionAudit } from '../store/installation-deletion.ts';
import type { Store } from '../store/store.ts';
import { webhookSecretsChanged } from '../store/webhook-secret-changes.ts';

export interface DeleteInstallationDeps {
  store: Store;
  boss: PgBoss;
  /** Revokes and wipes the CRM tokens (the admin pages' Disconnect). */
  disconnect(installationId: string): Promise<{ revoked: boolean }>;
  logger: Logger;
}

/** Undefined when the installation no longer exists (deleted by a click in another tab). */
export async function deleteInstallation(deps: DeleteInstallationDeps, installationId: string): Promise<DeletionAudit | undefined> {
  const { revoked } = await deps.disconnect(installationId);
  const audit = await deps.store.transaction(async (tx) => {
    const purgedJobs = await deleteSyncJobs(deps.boss, tx.queueDb, { installationId });
    return purgeInstallation(tx, installationId, { tokensRevoked: revoked, purgedJobs });
  });
  // This process refuses the old webhook URL at once; others once their cached secrets expire (src/ingest/webhook-secret-cache.ts).
  webhookSecretsChanged(installationId);
  if (audit) {
    deps.logger.info({ installationHash: audit.installationHash, purged: audit.purged, tokensRevoked: revoked }, 'installation deleted');
  }
  return audit;
}
