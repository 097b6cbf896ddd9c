/**
 * Forgotten conversations: the audit row `forget` leaves behind, mirroring the platform's
 * anonymised usage record. It holds no conversation id, only a SHA-256 of installation and
 * conversation id: enough to recognise the id when it shows up again (a late webhook, a backfill)
 * and refuse to import it, not enough to list which conversations were forgotten.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ForgetRequest } from '../crm/adapter.ts';
import type { Queryable } from './store.ts';

/** What forgetting did with the conversation's deal/opportunity: ForgetRequest['deal'] of the CRM adapter. */
export const DealForgetPolicy = z.enum(['delete', 'redact']) satisfies z.ZodType<ForgetRequest['deal']>;
export type DealForgetPolicy = z.infer<typeof DealForgetPolicy>;

/** Per CRM object type, how many records were deleted, redacted, kept or already gone. No ids. */
export const ForgetSummary = z.record(z.string(), z.record(z.string(), z.number().int().nonnegative()));
export type ForgetSummary = z.infer<typeof ForgetSummary>;

export const ForgetStatus = z.enum(['forgetting', 'forgotten']);
export type ForgetStatus = z.infer<typeof ForgetStatus>;

export interface ForgottenConversation {
  installationId: string;
  conversationHash: string;
  status: ForgetStatus;
  dealPolicy: DealForgetPolicy;
  crmSummary: ForgetSummary;
  platformDeleted: boolean;
  requestedAt: Date;
  completedAt: Date | null;
}

interface ForgottenRow {
  installation_id: string;
  conversation_hash: string;
  status: string;
  deal_policy: string;
  crm_summary: unknown;
  platform_deleted: boolean;
  requested_at: Date;
  completed_at: Date | null;
}

export function conversationHash(installationId: string, conversationId: string): string {
  return createHash('sha256').update(`${installationId}:${conversationId}`).digest('hex');
}

/** Starts (or restarts) forgetting: from here on the conversation counts as forgotten. */
export async function markForgetting(
  db: Queryable,
  key: { installationId: string; conversationId: string },
  dealPolicy: DealForgetPolicy,
): Promise<void> {
  await db.query(
    `INSERT INTO forgotten_conversations (installation_id, conversation_hash, status, deal_policy)
     VALUES ($1, $2, 'forgetting', $3)
     ON CONFLICT (installation_id, conversation_hash) DO UPDATE SET
       status = 'forgetting', deal_policy = EXCLUDED.deal_policy, requested_at = now(), completed_at = NULL`,
    [key.installationId, conversationHash(key.installationId, key.conversationId), dealPolicy],
  );
}

/** The CRM and stored copy are gone; `summary` is merged into what earlier runs recorded. */
export async function markForgotten(
  db: Queryable,
  key: { installationId: string; conversationId: string },
  summary: ForgetSummary,
): Promise<void> {
  await db.query(
    `UPDATE forgotten_conversations SET status = 'forgotten', crm_summary = crm_summary || $3::jsonb, completed_at = now()
     WHERE installation_id = $1 AND conversation_hash = $2`,
    [key.installationId, conversationHash(key.installationId, key.conversationId), JSON.stringify(summary)],
  );
}

export async function markPlatformDeleted(db: Queryable, key: { installationId: string; conversationId: string }): Promise<void> {
  await db.query('UPDATE forgotten_conversations SET platform_deleted = true WHERE installation_id = $1 AND conversation_hash = $2', [
    key.installationId,
    conversationHash(key.installationId, key.conversationId),
  ]);
}

export async function getForgotten(
  db: Queryable,
  key: { installationId: string; conversationId: string },
): Promise<ForgottenConversation | undefined> {
  const [row] = await db.query<ForgottenRow>(
    'SELECT * FROM forgotten_conversations WHERE installation_id = $1 AND conversation_hash = $2',
    [key.installationId, conversationHash(key.installationId, key.conversationId)],
  );
  return row ? toForgotten(row) : undefined;
}

/** Whether the conversation was forgotten (or is being forgotten): it must not be synced again. */
export async function isForgotten(db: Queryable, key: { installationId: string; conversationId: string }): Promise<boolean> {
  return (await getForgotten(db, key)) !== undefined;
}

/** Which of `conversationIds` were forgotten in the installation. */
export async function forgottenAmong(db: Queryable, installationId: string, conversationIds: readonly string[]): Promise<Set<string>> {
  if (conversationIds.length === 0) return new Set();
  const byHash = new Map(conversationIds.map((id) => [conversationHash(installationId, id), id]));
  const rows = await db.query<{ conversation_hash: string }>(
    'SELECT conversation_hash FROM forgotten_conversations WHERE installation_id = $1 AND conversation_hash = ANY($2::text[])',
    [installationId, [...byHash.keys()]],
  );
  return new Set(rows.flatMap((r) => byHash.get(r.conversation_hash) ?? []));
}

function toForgotten(row: ForgottenRow): ForgottenConversation {
  return {
    installationId: row.installation_id,
    conversationHash: row.conversation_hash,
    status: ForgetStatus.parse(row.status),
    dealPolicy: DealForgetPolicy.parse(row.deal_policy),
    crmSummary: ForgetSummary.parse(row.crm_summary),
    platformDeleted: row.platform_deleted,
    requestedAt: row.requested_at,
    completedAt: row.completed_at,
  };
}
