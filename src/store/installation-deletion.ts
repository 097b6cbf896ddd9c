/**
 * Deleting an installation's data: its row (sealed CRM tokens, platform key, webhook secrets) and,
 * through the schema's ON DELETE CASCADE, its widget bindings, webhook receipts, sync records,
 * backfills and forgotten-conversation rows; plus the rows that name it without a foreign key (OAuth
 * flows in progress). What stays is one anonymised audit row: hashes instead of ids, counts instead
 * of data, so an operator can answer "was this account's data deleted, and when" and nothing else.
 */
import { createHash } from 'node:crypto';
import type { CrmName } from '../crm/write-plan.ts';
import type { Queryable } from './store.ts';

export interface DeletionAudit {
  installationHash: string;
  crm: CrmName;
  purged: Record<string, number>;
  tokensRevoked: boolean;
  installedAt: Date;
  deletedAt: Date;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const installationHash = (installationId: string): string => sha256(`installation:${installationId}`);

/** Rows purged per table, counted before the cascade removes them. */
const COUNTED = ['widget_bindings', 'webhook_receipts', 'sync_records', 'backfills', 'forgotten_conversations'] as const;

/**
 * Removes the installation and everything stored for it, and writes the audit row, in the caller's
 * transaction. `purgedJobs` are the queue jobs the caller deleted in the same transaction.
 * Returns undefined when there is no such installation (already deleted).
 */
export async function purgeInstallation(
  tx: Queryable,
  installationId: string,
  outcome: { tokensRevoked: boolean; purgedJobs: number },
): Promise<DeletionAudit | undefined> {
  const [row] = await tx.query<{ crm: CrmName; crm_account_id: string | null; created_at: Date }>(
    'SELECT crm, crm_account_id, created_at FROM installations WHERE id = $1 FOR UPDATE',
    [installationId],
  );
  if (!row) return undefined;
  const purged: Record<string, number> = {};
  for (const table of COUNTED) {
    const [count] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE installation_id = $1`, [installationId]);
    purged[table] = count?.n ?? 0;
  }
  purged.queued_jobs = outcome.purgedJobs;
  purged.oauth_states = (await tx.query('DELETE FROM oauth_states WHERE installation_id = $1 RETURNING id', [installationId])).length;
  await tx.query('DELETE FROM installations WHERE id = $1', [installationId]);
  const [audit] = await tx.query<{ deleted_at: Date }>(
    `INSERT INTO deleted_installations (installation_hash, crm, crm_account_hash, purged, tokens_revoked, installed_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (installation_hash) DO UPDATE SET purged = EXCLUDED.purged, tokens_revoked = EXCLUDED.tokens_revoked, deleted_at = now()
     RETURNING deleted_at`,
    [
      installationHash(installationId),
      row.crm,
      row.crm_account_id === null ? null : sha256(`${row.crm}:${row.crm_account_id}`),
      JSON.stringify(purged),
      outcome.tokensRevoked,
      row.created_at,
    ],
  );
  return {
    installationHash: installationHash(installationId),
    crm: row.crm,
    purged,
    tokensRevoked: outcome.tokensRevoked,
    installedAt: row.created_at,
    deletedAt: audit!.deleted_at,
  };
}
