/**
 * An auth failure that reaches the sync job is one the adapter could not recover from (token
 * revoked, refresh refused, scopes missing): only the admin can fix it, by reconnecting. The
 * installation is marked disconnected with the CRM's reason, for the admin pages, and its syncs
 * stop calling the CRM until a reconnect (`upsertInstallation`) makes it active again.
 */
import { CrmError } from '../crm/errors.ts';
import type { Logger } from '../log.ts';
import { setInstallationStatus, type Installation } from '../store/installations.ts';
import type { Queryable } from '../store/store.ts';

export async function markDisconnectedOnAuthFailure(
  db: Queryable,
  installation: Installation,
  failures: readonly unknown[],
  logger: Logger,
): Promise<void> {
  const auth = failures.find((failure): failure is CrmError => failure instanceof CrmError && failure.kind === 'auth');
  if (!auth || installation.status !== 'active') return;
  const reason = `${installation.crm} refused the connector's credentials: ${auth.describe()}. Reconnect the installation`;
  try {
    await setInstallationStatus(db, installation.id, 'disconnected', reason);
    logger.warn({ installationId: installation.id, crm: installation.crm, code: auth.code }, 'installation marked disconnected: it needs reconnecting');
  } catch (error) {
    logger.error({ installationId: installation.id, err: error }, 'could not mark the installation disconnected');
  }
}
