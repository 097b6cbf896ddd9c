/**
 * Everything the connector's own tables hold about one conversation: its sync record (with the
 * CRM ids written for it), its webhook receipts and its place in a backfill's pending list. What
 * `forget` looks for and deletes; pg-boss's jobs are handled in src/forget/sync-jobs.ts.
 */
import { deletePendingOf } from './backfills.ts';
import type { Queryable } from './store.ts';

/** Installations holding anything about the conversation. */
export async function installationsHolding(db: Queryable, conversationId: string): Promise<string[]> {
  const rows = await db.query<{ installation_id: string }>(
    `SELECT installation_id FROM sync_records WHERE conversation_id = $1
     UNION SELECT installation_id FROM webhook_receipts WHERE conversation_id = $1
     UNION SELECT installation_id FROM backfill_pending WHERE conversation_id = $1
     ORDER BY installation_id`,
    [conversationId],
  );
  return rows.map((r) => r.installation_id);
}

export interface DeletedTraces {
  syncRecord: boolean;
  webhookReceipts: number;
  backfillPending: number;
}

export async function deleteConversationTraces(db: Queryable, key: { installationId: string; conversationId: string }): Promise<DeletedTraces> {
  const records = await db.query('DELETE FROM sync_records WHERE installation_id = $1 AND conversation_id = $2 RETURNING conversation_id', [
    key.installationId,
    key.conversationId,
  ]);
  const receipts = await db.query('DELETE FROM webhook_receipts WHERE installation_id = $1 AND conversation_id = $2 RETURNING webhook_id', [
    key.installationId,
    key.conversationId,
  ]);
  return {
    syncRecord: records.length > 0,
    webhookReceipts: receipts.length,
    backfillPending: await deletePendingOf(db, key.installationId, key.conversationId),
  };
}
