/**
 * The token lease of an installation: who may call the CRM's token endpoint for it right now.
 * Refreshing or revoking a grant takes the lease with one short UPDATE (committed at once), calls
 * the CRM with no transaction open, then writes the result only if it still holds the lease
 * (compare-and-set on the lease owner). A holder that crashed loses the lease when it expires.
 * `token_version` grows with every write of the credentials, so a waiter sees that they changed.
 */
import { CrmName } from '../crm/write-plan.ts';
import { CrmSettings, InstallationStatus, openCrmCredentials, sealCrmCredentials, type CrmCredentials } from './installations.ts';
import type { SecretBox } from './secret-box.ts';
import type { Queryable } from './store.ts';

export interface LeasedCredentials {
  crm: CrmName;
  status: InstallationStatus;
  statusReason: string | null;
  crmSettings: CrmSettings;
  crmCredentials: CrmCredentials;
  tokenVersion: number;
}

export type LeaseAttempt = { kind: 'taken'; row: LeasedCredentials } | { kind: 'held' } | { kind: 'missing' };

interface LeaseRow {
  crm: string;
  status: string;
  status_reason: string | null;
  crm_settings: unknown;
  crm_credentials_sealed: string;
  token_version: number;
}

export async function takeTokenLease(db: Queryable, box: SecretBox, id: string, owner: string, seconds: number): Promise<LeaseAttempt> {
  const [row] = await db.query<LeaseRow>(
    `UPDATE installations SET token_lease_owner = $2, token_lease_expires_at = now() + make_interval(secs => $3::double precision)
     WHERE id = $1 AND (token_lease_owner IS NULL OR token_lease_expires_at <= now())
     RETURNING crm, status, status_reason, crm_settings, crm_credentials_sealed, token_version`,
    [id, owner, seconds],
  );
  if (row) {
    return {
      kind: 'taken',
      row: {
        crm: CrmName.parse(row.crm),
        status: InstallationStatus.parse(row.status),
        statusReason: row.status_reason,
        crmSettings: CrmSettings.parse(row.crm_settings),
        crmCredentials: openCrmCredentials(box, id, row.crm_credentials_sealed),
        tokenVersion: row.token_version,
      },
    };
  }
  const [exists] = await db.query('SELECT 1 FROM installations WHERE id = $1', [id]);
  return exists ? { kind: 'held' } : { kind: 'missing' };
}

/** Whether someone holds an unexpired lease, and the credentials' version (undefined: no such installation). */
export async function readTokenLease(db: Queryable, id: string): Promise<{ leased: boolean; tokenVersion: number } | undefined> {
  const [row] = await db.query<{ leased: boolean; token_version: number }>(
    `SELECT (token_lease_owner IS NOT NULL AND token_lease_expires_at > now()) AS leased, token_version FROM installations WHERE id = $1`,
    [id],
  );
  return row ? { leased: row.leased, tokenVersion: row.token_version } : undefined;
}

export interface LeasedWrite {
  credentials?: CrmCredentials;
  settings?: CrmSettings;
  status?: { status: InstallationStatus; reason: string | null };
}

/**
 * Writes what the lease holder learned from the CRM and ends the lease, only while `owner` still
 * holds it. False when it does not (the lease expired and was taken, a reinstall saved new tokens,
 * a disconnect wiped them): the caller's result is stale and is not written.
 */
export async function writeUnderLease(db: Queryable, box: SecretBox, id: string, owner: string, write: LeasedWrite): Promise<boolean> {
  const rows = await db.query(
    `UPDATE installations SET
       crm_credentials_sealed = COALESCE($3::text, crm_credentials_sealed),
       token_version = token_version + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,
       crm_settings = COALESCE($4::jsonb, crm_settings),
       status = COALESCE($5::text, status),
       status_reason = CASE WHEN $5::text IS NULL THEN status_reason ELSE $6::text END,
       token_lease_owner = NULL, token_lease_expires_at = NULL, updated_at = now()
     WHERE id = $1 AND token_lease_owner = $2 RETURNING id`,
    [
      id,
      owner,
      write.credentials === undefined ? null : sealCrmCredentials(box, id, write.credentials),
      write.settings === undefined ? null : JSON.stringify(write.settings),
      write.status?.status ?? null,
      write.status?.reason ?? null,
    ],
  );
  return rows.length > 0;
}

export async function releaseTokenLease(db: Queryable, id: string, owner: string): Promise<void> {
  await db.query('UPDATE installations SET token_lease_owner = NULL, token_lease_expires_at = NULL WHERE id = $1 AND token_lease_owner = $2', [id, owner]);
}
