/**
 * Turns a verified webhook into durable work, in one transaction: the receipt (dedupe on
 * webhook-id), the sync job (coalesced per conversation by the queue's singleton key) and the
 * sync record. Only after it commits does the sender get its 2xx.
 */
import type { PgBoss } from 'pg-boss';
import type { KnownEventType } from '../platform/webhook-event.ts';
import { getInstallationStatus } from '../store/installations.ts';
import type { Store } from '../store/store.ts';
import { markQueued } from '../store/sync-records.ts';
import { isForgotten } from '../store/forgotten-conversations.ts';
import { claimReceipt, settleReceipt } from '../store/webhook-receipts.ts';
import { bindingFor } from '../store/widget-bindings.ts';
import { enqueueSync } from '../sync/sync-job.ts';

export type IncomingEvent =
  | { kind: 'conversation'; type: KnownEventType; conversationId: string; widgetId: string }
  | { kind: 'unknown'; type: string };

export type Acceptance =
  | { status: 'enqueued'; jobId: string }
  /** A sync for the conversation was already queued; it will read the latest state. */
  | { status: 'coalesced' }
  /** This webhook-id was received before. */
  | { status: 'duplicate' }
  | { status: 'ignored'; reason: string }
  /** The installation was deleted after its secrets were cached (another process deleted it): nothing stored. */
  | { status: 'installation_gone' };

export async function acceptEvent(
  store: Store,
  boss: PgBoss,
  installationId: string,
  webhookId: string,
  event: IncomingEvent,
): Promise<Acceptance> {
  const receipt = { installationId, webhookId };
  return store.transaction(async (tx): Promise<Acceptance> => {
    const installation = await getInstallationStatus(tx, installationId);
    if (!installation) return { status: 'installation_gone' };
    // A forgotten conversation's id is not stored again, not even on the receipt.
    const forgotten = event.kind === 'conversation' && (await isForgotten(tx, { installationId, conversationId: event.conversationId }));
    const first = await claimReceipt(tx, receipt, {
      type: event.type,
      conversationId: event.kind === 'conversation' && !forgotten ? event.conversationId : null,
    });
    if (!first) return { status: 'duplicate' };
    if (forgotten) {
      const reason = 'the conversation was forgotten (crm-connector forget): it is not synced again';
      await settleReceipt(tx, receipt, { outcome: 'ignored', detail: reason });
      return { status: 'ignored', reason };
    }
    if (event.kind === 'unknown') {
      const reason = `event type ${event.type} is not one the connector consumes`;
      await settleReceipt(tx, receipt, { outcome: 'ignored', detail: reason });
      return { status: 'ignored', reason };
    }
    // A disconnected installation (src/auth disconnect, or a refused refresh) stops syncing until it is reconnected;
    // one uninstalled from HubSpot until it is installed again.
    if (installation.status !== 'active') {
      const reason = installation.status === 'uninstalled'
        ? `the installation was ${installation.statusReason ?? 'uninstalled from its CRM'}`
        : `the installation is disconnected (${installation.statusReason ?? 'no reason given'}); reconnect it to sync again`;
      await settleReceipt(tx, receipt, { outcome: 'ignored', detail: reason });
      return { status: 'ignored', reason };
    }
    const binding = await bindingFor(tx, installationId, event.widgetId);
    if (!binding?.enabled) {
      const reason = binding ? `widget ${event.widgetId}'s binding is disabled` : `widget ${event.widgetId} is not bound to this installation`;
      await settleReceipt(tx, receipt, { outcome: 'ignored', detail: reason });
      return { status: 'ignored', reason };
    }
    const key = { installationId, conversationId: event.conversationId };
    const jobId = await enqueueSync(boss, { ...key, trigger: event.type }, { db: tx.queueDb });
    if (jobId === null) {
      await settleReceipt(tx, receipt, { outcome: 'coalesced' });
      return { status: 'coalesced' };
    }
    await markQueued(tx, key, { widgetId: event.widgetId, trigger: event.type });
    await settleReceipt(tx, receipt, { outcome: 'enqueued', jobId });
    return { status: 'enqueued', jobId };
  });
}
