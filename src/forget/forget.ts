/**
 * Forgetting a conversation (privacy requests): removes or redacts what the connector wrote to
 * the CRM for it, then its stored copy, mirroring the platform's DELETE: the content goes, an
 * anonymised audit row stays (src/store/forgotten-conversations.ts: a hash, no id).
 *
 * Per installation holding anything about it, in this order, each step idempotent so a failed
 * forget is simply run again:
 * 1. the audit row is written as "forgetting" and queued syncs are dropped (one transaction);
 * 2. a sync running right now is waited for (its writes are then undone too);
 * 3. the CRM adapter forgets the objects of the sync record (policy: ForgetRequest in crm/adapter.ts);
 * 4. the sync record, webhook receipts, backfill pending rows and queue jobs are deleted and the
 *    audit row completed with counts per object type (one transaction);
 * 5. optionally the platform's DELETE.
 */
import type { PgBoss } from 'pg-boss';
import type { CrmAdapter, ForgottenObject } from '../crm/adapter.ts';
import type { Logger } from '../log.ts';
import { PlatformApiError } from '../platform/client-errors.ts';
import { deleteConversationTraces, installationsHolding, type DeletedTraces } from '../store/conversation-traces.ts';
import {
  getForgotten,
  markForgetting,
  markForgotten,
  markPlatformDeleted,
  type DealForgetPolicy,
  type ForgetSummary,
} from '../store/forgotten-conversations.ts';
import { getInstallation, type Installation } from '../store/installations.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { getSyncRecord, type SyncKey } from '../store/sync-records.ts';
import { deleteSyncJobs, dropQueuedSyncs, waitForRunningSyncs } from './sync-jobs.ts';

export const RUNNING_SYNC_WAIT_MS = 60_000;

export interface ForgetDependencies {
  store: Store;
  boss: PgBoss;
  box: SecretBox;
  logger: Logger;
  adapterFor(installation: Installation): CrmAdapter;
  /** The platform's DELETE for `alsoPlatform`: the installation's Conversations API client (forgetDependencies). */
  platformFor(installation: Installation): { deleteConversation(id: string): Promise<void> };
  /** How long to wait for a sync of the conversation that is running; default one minute. */
  runningSyncWaitMs?: number;
}

export interface ForgetOptions {
  /** Keep the deal/opportunity, redacted (connector fields and description cleared), instead of deleting it. */
  keepDeal?: boolean;
  /** Also DELETE the conversation on the platform (permanent there too). */
  alsoPlatform?: boolean;
}

export interface InstallationForgetReport {
  installationId: string;
  crm: Installation['crm'];
  /** It had been forgotten before: nothing was stored any more. */
  alreadyForgotten: boolean;
  objects: ForgottenObject[];
  stored: DeletedTraces & { queueJobs: number };
  /** `already gone`: the platform answered 404. Undefined when not asked. */
  platform?: 'deleted' | 'already gone';
}

export interface ForgetReport {
  conversationId: string;
  dealPolicy: DealForgetPolicy;
  installations: InstallationForgetReport[];
}

export async function forgetConversation(
  deps: ForgetDependencies,
  installationId: string | undefined,
  conversationId: string,
  options: ForgetOptions = {},
): Promise<ForgetReport> {
  if (conversationId.trim() === '') throw new Error('the conversation id must not be empty');
  const dealPolicy: DealForgetPolicy = options.keepDeal ? 'redact' : 'delete';
  const targets = await targetsOf(deps, installationId, conversationId, options);
  const reports: InstallationForgetReport[] = [];
  for (const { installation, alreadyForgotten } of targets) {
    reports.push(await forgetIn(deps, installation, conversationId, { dealPolicy, alreadyForgotten, alsoPlatform: options.alsoPlatform ?? false }));
  }
  return { conversationId, dealPolicy, installations: reports };
}

async function targetsOf(
  deps: ForgetDependencies,
  installationId: string | undefined,
  conversationId: string,
  options: ForgetOptions,
): Promise<{ installation: Installation; alreadyForgotten: boolean }[]> {
  const holding = (await installationsHolding(deps.store, conversationId)).filter((id) => installationId === undefined || id === installationId);
  const scope = installationId ? ` in installation ${installationId}` : '';
  if (holding.length > 0) return Promise.all(holding.map(async (id) => ({ installation: await loadInstallation(deps, id), alreadyForgotten: false })));
  if (installationId === undefined) {
    throw new Error(
      `the connector holds nothing about conversation ${conversationId} (no sync record, webhook receipt or queued sync)` +
        (options.alsoPlatform ? '; give --installation to delete it on the platform anyway' : ''),
    );
  }
  const installation = await loadInstallation(deps, installationId);
  const forgotten = await getForgotten(deps.store, { installationId, conversationId });
  if (forgotten || options.alsoPlatform) return [{ installation, alreadyForgotten: forgotten?.status === 'forgotten' }];
  throw new Error(`the connector holds nothing about conversation ${conversationId}${scope}: no sync record, webhook receipt or queued sync`);
}

async function loadInstallation(deps: ForgetDependencies, id: string): Promise<Installation> {
  const installation = await getInstallation(deps.store, deps.box, id);
  if (!installation) throw new Error(`no installation ${id}`);
  return installation;
}

async function forgetIn(
  deps: ForgetDependencies,
  installation: Installation,
  conversationId: string,
  options: { dealPolicy: DealForgetPolicy; alreadyForgotten: boolean; alsoPlatform: boolean },
): Promise<InstallationForgetReport> {
  const key: SyncKey = { installationId: installation.id, conversationId };
  const log = deps.logger.child({ installationId: installation.id });
  await deps.store.transaction(async (tx) => {
    await markForgetting(tx, key, options.dealPolicy);
    await dropQueuedSyncs(deps.boss, key, tx.queueDb);
  });
  await waitForRunningSyncs(deps.boss, key, deps.runningSyncWaitMs ?? RUNNING_SYNC_WAIT_MS);
  // A retry that became due while the running sync finished.
  await dropQueuedSyncs(deps.boss, key);

  const record = await getSyncRecord(deps.store, key);
  const written = record?.crmObjects ?? {};
  let objects: ForgottenObject[] = [];
  if (Object.keys(written).length > 0) {
    const adapter = deps.adapterFor(installation);
    if (!adapter.forget) {
      const records = Object.values(written).map((o) => `${o.object} ${o.id}`).join(', ');
      throw new Error(
        `forgetting is not supported yet for ${installation.crm}: nothing was deleted there, and the connector keeps its sync record ` +
          `until it can be. The connector wrote: ${records}. The conversation is marked as being forgotten, so backfills skip it`,
      );
    }
    objects = (await adapter.forget({ conversationId, objects: written, deal: options.dealPolicy })).objects;
  }
  const stored = await deps.store.transaction(async (tx) => {
    const traces = await deleteConversationTraces(tx, key);
    const queueJobs = await deleteSyncJobs(deps.boss, tx.queueDb, key);
    await markForgotten(tx, key, summaryOf(objects));
    return { ...traces, queueJobs };
  });
  // Ids stay out of the log on purpose: it is kept longer than the data.
  log.info({ objects: summaryOf(objects), stored }, 'conversation forgotten');

  const report: InstallationForgetReport = {
    installationId: installation.id,
    crm: installation.crm,
    alreadyForgotten: options.alreadyForgotten,
    objects,
    stored,
  };
  if (options.alsoPlatform) {
    report.platform = await deleteOnPlatform(deps, installation, conversationId);
    await markPlatformDeleted(deps.store, key);
  }
  return report;
}

async function deleteOnPlatform(deps: ForgetDependencies, installation: Installation, conversationId: string): Promise<'deleted' | 'already gone'> {
  const platform = deps.platformFor(installation);
  try {
    await platform.deleteConversation(conversationId);
    return 'deleted';
  } catch (error) {
    if (error instanceof PlatformApiError && error.status === 404) return 'already gone';
    throw error;
  }
}

function summaryOf(objects: ForgottenObject[]): ForgetSummary {
  const summary: ForgetSummary = {};
  for (const { object, action } of objects) {
    const counts = (summary[object] ??= {});
    counts[action] = (counts[action] ?? 0) + 1;
  }
  return summary;
}
