/**
 * Admin session rows (src/auth/admin-session.ts owns the cookie and the rules). Keyed by the
 * sha256 of the session id, never the id itself. Every read takes the validity window from the
 * caller (`now`, and the idle cut-off), so expiry follows one clock in every process.
 */
import type { Queryable } from './store.ts';

export interface AdminSessionRecord {
  installationIds: string[];
  user: string;
  userId: string | undefined;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** A session is live while `now < expires_at` and it was seen after `idleSince`. */
export interface SessionWindow {
  now: Date;
  idleSince: Date;
}

interface SessionRow {
  installation_ids: string[];
  crm_user: string;
  crm_user_id: string | null;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

const toRecord = (row: SessionRow): AdminSessionRecord => ({
  installationIds: row.installation_ids,
  user: row.crm_user,
  userId: row.crm_user_id ?? undefined,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
});

export async function insertAdminSession(db: Queryable, idHash: string, session: AdminSessionRecord): Promise<void> {
  await db.query(
    `INSERT INTO admin_sessions (id_hash, installation_ids, crm_user, crm_user_id, csrf_token, created_at, last_seen_at, expires_at)
     VALUES ($1, $2::text[], $3, $4, $5, $6, $7, $8)`,
    [idHash, session.installationIds, session.user, session.userId ?? null, session.csrfToken, session.createdAt, session.lastSeenAt, session.expiresAt],
  );
}

/** The session if it is live; an expired or idle row is as good as absent (purged later). */
export async function findLiveAdminSession(db: Queryable, idHash: string, window: SessionWindow): Promise<AdminSessionRecord | undefined> {
  const [row] = await db.query<SessionRow>(
    'SELECT * FROM admin_sessions WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3',
    [idHash, window.now, window.idleSince],
  );
  return row ? toRecord(row) : undefined;
}

/** Records activity (keeps an idle session from ending); never moves `last_seen_at` back. */
export async function touchAdminSession(db: Queryable, idHash: string, now: Date): Promise<void> {
  await db.query('UPDATE admin_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2', [idHash, now]);
}

/** Sign-out or rotation; false when there was no such row. */
export async function deleteAdminSession(db: Queryable, idHash: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM admin_sessions WHERE id_hash = $1 RETURNING id_hash', [idHash]);
  return rows.length > 0;
}

/** Ends every session that manages the installation (it was disconnected or deleted); returns how many. */
export async function endInstallationSessions(db: Queryable, installationId: string): Promise<number> {
  const rows = await db.query('DELETE FROM admin_sessions WHERE installation_ids @> ARRAY[$1::text] RETURNING id_hash', [installationId]);
  return rows.length;
}

/**
 * Ends one user's sessions of an installation (an admin removed them), matched by CRM user id or,
 * for admins added by email, by the email the CRM named at sign-in; returns how many.
 */
export async function endUserSessions(db: Queryable, installationId: string, user: { crmUserId: string | null; email: string | null }): Promise<number> {
  const rows = await db.query(
    `DELETE FROM admin_sessions
      WHERE installation_ids @> ARRAY[$1::text] AND ((crm_user_id IS NOT NULL AND crm_user_id = $2) OR lower(crm_user) = lower($3))
      RETURNING id_hash`,
    [installationId, user.crmUserId, user.email],
  );
  return rows.length;
}

/** Deletes the rows no request can use any more; returns how many. */
export async function purgeAdminSessions(db: Queryable, window: SessionWindow): Promise<number> {
  const rows = await db.query('DELETE FROM admin_sessions WHERE expires_at <= $1 OR last_seen_at <= $2 RETURNING id_hash', [window.now, window.idleSince]);
  return rows.length;
}
