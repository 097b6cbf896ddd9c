/**
 * Sync records: per (installation, conversation), what the connector wrote to the CRM and how the
 * last sync went. Keyed on the conversation so every re-sync updates the same CRM objects
 * (`crmObjects` is handed to the adapter as `previous`) and an admin sees one row per conversation.
 */
import { z } from 'zod';
import type { WrittenObject } from '../crm/adapter.ts';
import type { Queryable } from './store.ts';

export const SyncStatus = z.enum(['queued', 'syncing', 'waiting_for_extraction', 'synced', 'retrying', 'failed', 'skipped']);
export type SyncStatus = z.infer<typeof SyncStatus>;

/** Loose: whatever an adapter records about an object (link ids, notes) must come back to it as `previous`. */
const WrittenObjectSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  url: z.string().optional(),
  partIds: z.array(z.string()).optional(),
}) satisfies z.ZodType<WrittenObject>;
const CrmObjects = z.record(z.string(), WrittenObjectSchema);

export interface SyncKey {
  installationId: string;
  conversationId: string;
}

export interface SyncRecord extends SyncKey {
  widgetId: string | null;
  status: SyncStatus;
  attempts: number;
  lastError: string | null;
  lastTrigger: string | null;
  crmObjects: Record<string, WrittenObject>;
  notes: string[];
  mappingFile: string | null;
  mappingVersion: string | null;
  queuedAt: Date | null;
  lastAttemptAt: Date | null;
  syncedAt: Date | null;
  updatedAt: Date;
}

interface SyncRow {
  installation_id: string;
  conversation_id: string;
  widget_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  last_trigger: string | null;
  crm_objects: unknown;
  notes: unknown;
  mapping_file: string | null;
  mapping_version: string | null;
  queued_at: Date | null;
  last_attempt_at: Date | null;
  synced_at: Date | null;
  updated_at: Date;
}

const toRecord = (row: SyncRow): SyncRecord => ({
  installationId: row.installation_id,
  conversationId: row.conversation_id,
  widgetId: row.widget_id,
  status: SyncStatus.parse(row.status),
  attempts: row.attempts,
  lastError: row.last_error,
  lastTrigger: row.last_trigger,
  crmObjects: CrmObjects.parse(row.crm_objects),
  notes: z.array(z.string()).parse(row.notes),
  mappingFile: row.mapping_file,
  mappingVersion: row.mapping_version,
  queuedAt: row.queued_at,
  lastAttemptAt: row.last_attempt_at,
  syncedAt: row.synced_at,
  updatedAt: row.updated_at,
});

/** A sync job was enqueued (or coalesced into a queued one) for the conversation. */
export async function markQueued(db: Queryable, key: SyncKey, details: { widgetId?: string | null; trigger: string }): Promise<void> {
  await db.query(
    `INSERT INTO sync_records (installation_id, conversation_id, widget_id, status, last_trigger, queued_at)
     VALUES ($1, $2, $3, 'queued', $4, now())
     ON CONFLICT (installation_id, conversation_id) DO UPDATE SET
       widget_id = COALESCE(EXCLUDED.widget_id, sync_records.widget_id), status = 'queued',
       last_trigger = EXCLUDED.last_trigger, queued_at = now(), updated_at = now()`,
    [key.installationId, key.conversationId, details.widgetId ?? null, details.trigger],
  );
}

/**
 * A job starts working on the conversation; returns the record, with what earlier syncs wrote.
 * `countAttempt: false` for a scheduled re-check of extraction, which continues an attempt.
 */
export async function markAttempt(db: Queryable, key: SyncKey, trigger: string, countAttempt = true): Promise<SyncRecord> {
  const [row] = await db.query<SyncRow>(
    `INSERT INTO sync_records (installation_id, conversation_id, status, attempts, last_trigger, last_attempt_at)
     VALUES ($1, $2, 'syncing', 1, $3, now())
     ON CONFLICT (installation_id, conversation_id) DO UPDATE SET
       status = 'syncing', attempts = sync_records.attempts + $4::int, last_trigger = EXCLUDED.last_trigger,
       last_attempt_at = now(), updated_at = now()
     RETURNING *`,
    [key.installationId, key.conversationId, trigger, countAttempt ? 1 : 0],
  );
  if (!row) throw new Error(`sync record ${key.installationId}/${key.conversationId}: upsert returned no row`);
  return toRecord(row);
}

export type SyncOutcome =
  | {
      status: 'synced';
      widgetId: string;
      crmObjects: Record<string, WrittenObject>;
      notes: string[];
      mapping: { file: string; version: string };
    }
  /** `crmObjects`: what was written before the failure, kept so the retry updates rather than duplicates. */
  | { status: 'retrying' | 'failed'; error: string; widgetId?: string; crmObjects?: Record<string, WrittenObject> }
  | { status: 'waiting_for_extraction'; widgetId: string; detail: string }
  | { status: 'skipped'; widgetId?: string; reason: string };

export async function recordOutcome(db: Queryable, key: SyncKey, outcome: SyncOutcome): Promise<void> {
  const params = [key.installationId, key.conversationId, outcome.status, outcome.widgetId ?? null];
  switch (outcome.status) {
    case 'synced':
      await db.query(
        `UPDATE sync_records SET status = $3, widget_id = $4, crm_objects = crm_objects || $5::jsonb, notes = $6::jsonb,
           mapping_file = $7, mapping_version = $8, last_error = NULL, synced_at = now(), updated_at = now()
         WHERE installation_id = $1 AND conversation_id = $2`,
        [...params, JSON.stringify(outcome.crmObjects), JSON.stringify(outcome.notes), outcome.mapping.file, outcome.mapping.version],
      );
      return;
    case 'retrying':
    case 'failed':
      await db.query(
        `UPDATE sync_records SET status = $3, widget_id = COALESCE($4, widget_id), crm_objects = crm_objects || $5::jsonb,
           last_error = $6, updated_at = now()
         WHERE installation_id = $1 AND conversation_id = $2`,
        [...params, JSON.stringify(outcome.crmObjects ?? {}), outcome.error],
      );
      return;
    case 'waiting_for_extraction':
    case 'skipped':
      await db.query(
        `UPDATE sync_records SET status = $3, widget_id = COALESCE($4, widget_id), last_error = $5, updated_at = now()
         WHERE installation_id = $1 AND conversation_id = $2`,
        [...params, outcome.status === 'skipped' ? outcome.reason : outcome.detail],
      );
      return;
  }
}

export async function getSyncRecord(db: Queryable, key: SyncKey): Promise<SyncRecord | undefined> {
  const [row] = await db.query<SyncRow>('SELECT * FROM sync_records WHERE installation_id = $1 AND conversation_id = $2', [
    key.installationId,
    key.conversationId,
  ]);
  return row ? toRecord(row) : undefined;
}

export interface SyncRecordFilter {
  installationId?: string;
  conversationId?: string;
  status?: SyncStatus;
  limit?: number;
}

export async function listSyncRecords(db: Queryable, filter: SyncRecordFilter = {}): Promise<SyncRecord[]> {
  const rows = await db.query<SyncRow>(
    `SELECT * FROM sync_records
     WHERE ($1::text IS NULL OR installation_id = $1) AND ($2::text IS NULL OR conversation_id = $2)
       AND ($3::text IS NULL OR status = $3)
     ORDER BY updated_at, installation_id, conversation_id
     LIMIT $4`,
    [filter.installationId ?? null, filter.conversationId ?? null, filter.status ?? null, filter.limit ?? 10_000],
  );
  return rows.map(toRecord);
}

/** The installation's most recently changed sync records, newest first; optionally only some statuses. */
export async function listRecentSyncRecords(
  db: Queryable,
  installationId: string,
  options: { statuses?: readonly SyncStatus[]; limit: number },
): Promise<SyncRecord[]> {
  const rows = await db.query<SyncRow>(
    `SELECT * FROM sync_records
     WHERE installation_id = $1 AND ($2::text[] IS NULL OR status = ANY($2::text[]))
     ORDER BY updated_at DESC, conversation_id
     LIMIT $3`,
    [installationId, options.statuses ? [...options.statuses] : null, options.limit],
  );
  return rows.map(toRecord);
}

/** How many of the installation's sync records are in each status (statuses without any are absent). */
export async function countSyncRecordsByStatus(db: Queryable, installationId: string): Promise<Partial<Record<SyncStatus, number>>> {
  const rows = await db.query<{ status: string; count: number }>(
    'SELECT status, count(*)::int AS count FROM sync_records WHERE installation_id = $1 GROUP BY status',
    [installationId],
  );
  return Object.fromEntries(rows.map((r) => [SyncStatus.parse(r.status), r.count]));
}
