/**
 * Who administers an installation, besides what the CRM itself says (Salesforce permissions,
 * HubSpot super admins): its owner, the CRM user who installed it, and the admins an admin added
 * on the Admins page, each by CRM user id or by email (matched case-insensitively).
 */
import { z } from 'zod';
import type { Queryable } from './store.ts';

export const AdminRole = z.enum(['owner', 'admin']);
export type AdminRole = z.infer<typeof AdminRole>;

/** A CRM user as the CRM named them at sign-in: id and email (or username) when known. */
export interface CrmUser {
  crmUserId: string | null;
  email: string | null;
}

export interface InstallationAdmin extends CrmUser {
  id: string;
  role: AdminRole;
  addedBy: string | null;
  addedAt: Date;
}

interface AdminRow {
  id: string;
  role: string;
  crm_user_id: string | null;
  email: string | null;
  added_by: string | null;
  added_at: Date;
}

const toAdmin = (row: AdminRow): InstallationAdmin => ({
  id: String(row.id),
  role: AdminRole.parse(row.role),
  crmUserId: row.crm_user_id,
  email: row.email,
  addedBy: row.added_by,
  addedAt: row.added_at,
});

/** Owner first, then admins in the order they were added. */
export async function listInstallationAdmins(db: Queryable, installationId: string): Promise<InstallationAdmin[]> {
  const rows = await db.query<AdminRow>(
    `SELECT id, role, crm_user_id, email, added_by, added_at FROM installation_admins
     WHERE installation_id = $1 ORDER BY role DESC, added_at, id`,
    [installationId],
  );
  return rows.map(toAdmin);
}

/** The owner or admin entry this CRM user matches (by user id, or by email), if any. */
export async function findInstallationAdmin(db: Queryable, installationId: string, user: CrmUser): Promise<InstallationAdmin | undefined> {
  const [row] = await db.query<AdminRow>(
    `SELECT id, role, crm_user_id, email, added_by, added_at FROM installation_admins
     WHERE installation_id = $1 AND (crm_user_id = $2::text OR lower(email) = lower($3::text))
     ORDER BY role DESC LIMIT 1`,
    [installationId, user.crmUserId, user.email],
  );
  return row ? toAdmin(row) : undefined;
}

/** Makes the user the owner unless the installation has one; true when they became it. */
export async function claimOwnership(db: Queryable, installationId: string, user: CrmUser): Promise<boolean> {
  // An admin entry of the same user would collide with the owner row on the unique indexes: it becomes the owner row.
  const promoted = await db.query(
    `UPDATE installation_admins SET role = 'owner', crm_user_id = COALESCE(crm_user_id, $2::text), email = COALESCE(email, $3::text)
     WHERE installation_id = $1 AND (crm_user_id = $2::text OR lower(email) = lower($3::text))
       AND NOT EXISTS (SELECT 1 FROM installation_admins WHERE installation_id = $1 AND role = 'owner')
     RETURNING id`,
    [installationId, user.crmUserId, user.email],
  );
  if (promoted.length > 0) return true;
  const rows = await db.query(
    `INSERT INTO installation_admins (installation_id, role, crm_user_id, email)
     SELECT $1, 'owner', $2::text, $3::text
     WHERE NOT EXISTS (SELECT 1 FROM installation_admins WHERE installation_id = $1 AND role = 'owner')
     RETURNING id`,
    [installationId, user.crmUserId, user.email],
  );
  return rows.length > 0;
}

export type AddAdminResult = 'added' | 'already-admin';

/** Adds an admin by CRM user id or email (exactly one of them). */
export async function addInstallationAdmin(
  db: Queryable,
  installationId: string,
  who: { crmUserId: string } | { email: string },
  addedBy: string,
): Promise<AddAdminResult> {
  const user: CrmUser = 'crmUserId' in who ? { crmUserId: who.crmUserId, email: null } : { crmUserId: null, email: who.email };
  if (await findInstallationAdmin(db, installationId, user)) return 'already-admin';
  const rows = await db.query(
    `INSERT INTO installation_admins (installation_id, role, crm_user_id, email, added_by) VALUES ($1, 'admin', $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING id`,
    [installationId, user.crmUserId, user.email, addedBy],
  );
  return rows.length > 0 ? 'added' : 'already-admin';
}

export type RemoveAdminResult = 'removed' | 'owner' | 'missing';

/** Removes an added admin; the owner cannot be removed. */
export async function removeInstallationAdmin(db: Queryable, installationId: string, adminId: string): Promise<RemoveAdminResult> {
  if (!/^\d+$/.test(adminId)) return 'missing';
  const [row] = await db.query<{ role: string }>('SELECT role FROM installation_admins WHERE installation_id = $1 AND id = $2::bigint', [installationId, adminId]);
  if (!row) return 'missing';
  if (row.role === 'owner') return 'owner';
  await db.query(`DELETE FROM installation_admins WHERE installation_id = $1 AND id = $2::bigint AND role = 'admin'`, [installationId, adminId]);
  return 'removed';
}
