/**
 * Webhook receipts: one row per (installation, `webhook-id`), written in the transaction that
 * enqueues the sync, so a redelivered webhook is recognised and acknowledged without a second job.
 */
import type { Queryable } from './store.ts';

export type ReceiptOutcome = 'enqueued' | 'coalesced' | 'ignored';

export interface ReceiptKey {
  installationId: string;
  webhookId: string;
}

/** Records the receipt; false when this webhook-id was received before (a redelivery). */
export async function claimReceipt(
  db: Queryable,
  key: ReceiptKey,
  event: { type: string; conversationId: string | null },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO webhook_receipts (installation_id, webhook_id, event_type, conversation_id, outcome)
     VALUES ($1, $2, $3, $4, 'ignored')
     ON CONFLICT (installation_id, webhook_id) DO NOTHING
     RETURNING webhook_id`,
    [key.installationId, key.webhookId, event.type, event.conversationId],
  );
  return rows.length === 1;
}

export async function settleReceipt(
  db: Queryable,
  key: ReceiptKey,
  outcome: { outcome: ReceiptOutcome; jobId?: string | null; detail?: string },
): Promise<void> {
  await db.query(
    'UPDATE webhook_receipts SET outcome = $3, job_id = $4, detail = $5 WHERE installation_id = $1 AND webhook_id = $2',
    [key.installationId, key.webhookId, outcome.outcome, outcome.jobId ?? null, outcome.detail ?? null],
  );
}

export interface Receipt {
  webhookId: string;
  eventType: string;
  conversationId: string | null;
  outcome: ReceiptOutcome;
  detail: string | null;
  jobId: string | null;
  receivedAt: Date;
}

export async function listReceipts(db: Queryable, installationId: string): Promise<Receipt[]> {
  const rows = await db.query<{
    webhook_id: string;
    event_type: string;
    conversation_id: string | null;
    outcome: ReceiptOutcome;
    detail: string | null;
    job_id: string | null;
    received_at: Date;
  }>('SELECT * FROM webhook_receipts WHERE installation_id = $1 ORDER BY received_at, webhook_id', [installationId]);
  return rows.map((r) => ({
    webhookId: r.webhook_id,
    eventType: r.event_type,
    conversationId: r.conversation_id,
    outcome: r.outcome,
    detail: r.detail,
    jobId: r.job_id,
    receivedAt: r.received_at,
  }));
}

/**
 * Deletes receipts older than `days`: senders stop redelivering long before (Standard Webhooks
 * senders retry for about a day), so older ids cannot come back.
 */
export async function purgeReceipts(db: Queryable, days: number): Promise<number> {
  const [row] = await db.query<{ deleted: number }>(
    `WITH gone AS (DELETE FROM webhook_receipts WHERE received_at < now() - make_interval(days => $1::int) RETURNING 1)
     SELECT count(*)::int AS deleted FROM gone`,
    [days],
  );
  return row?.deleted ?? 0;
}
