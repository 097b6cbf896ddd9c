/**
 * One batch of sync jobs, as pg-boss hands them to the worker. Each job is prepared on its own
 * (fetch the conversation, wait for extraction, fetch the transcript, build the plan); the plans
 * are then grouped by installation and executed with one `adapter.execute` call per group, which
 * is what lets an adapter micro-batch a backlog into a few CRM calls. Every job is settled
 * individually: one job's permanent failure never fails the others.
 */
import PQueue from 'p-queue';
import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import type { SyncTuning } from '../config.ts';
import type { ExecutionResult, WrittenObject } from '../crm/adapter.ts';
import type { WritePlan } from '../crm/write-plan.ts';
import type { Logger } from '../log.ts';
import { getInstallation, type Installation } from '../store/installations.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { DELETED_ON_PLATFORM, isDeletedOnPlatform } from '../forget/platform-deletion.ts';
import { isForgotten } from '../store/forgotten-conversations.ts';
import { markAttempt, recordOutcome, type SyncKey, type SyncOutcome, type SyncRecord } from '../store/sync-records.ts';
import { bindingFor, type WidgetBinding } from '../store/widget-bindings.ts';
import { describeIssues } from '../zod-issues.ts';
import { deadLetters, recordSyncLatency, syncOutcomes } from '../observability/metrics.ts';
import type { SyncDependencies } from './dependencies.ts';
import { decideExtractionWait } from './extraction-wait.ts';
import { classifyFailure } from './failure.ts';
import { markDisconnectedOnAuthFailure } from './reconnection.ts';
import { enqueueSync, SyncJobData, type SyncTrigger } from './sync-job.ts';

/** Conversations fetched from the platform at once within a batch. */
const PREPARE_CONCURRENCY = 8;

export interface SyncWorkerContext {
  store: Store;
  box: SecretBox;
  boss: PgBoss;
  deps: SyncDependencies;
  tuning: SyncTuning;
  logger: Logger;
}

type SyncJob = JobWithMetadata<unknown>;

/** A job whose plan is ready for its installation's adapter. */
interface PlannedJob {
  job: SyncJob;
  key: SyncKey;
  installation: Installation;
  binding: WidgetBinding;
  /** The conversation's widget (the binding may be the installation's `*`). */
  widgetId: string;
  record: SyncRecord;
  plan: WritePlan;
  notes: string[];
  /** For the sync latency metric: what queued the sync, and the conversation's `ended_at`. */
  trigger: SyncTrigger;
  endedAt: string;
}

type Prepared = { planned: PlannedJob } | { settled: JobResult };

export async function runSyncBatch(ctx: SyncWorkerContext, jobs: SyncJob[]): Promise<JobResult[]> {
  const installations = new Map<string, Promise<Installation | undefined>>();
  const loadInstallation = (id: string) => {
    let pending = installations.get(id);
    if (!pending) {
      pending = getInstallation(ctx.store, ctx.box, id);
      installations.set(id, pending);
    }
    return pending;
  };
  const queue = new PQueue({ concurrency: PREPARE_CONCURRENCY });
  const prepared = await Promise.all(jobs.map((job) => queue.add(() => prepare(ctx, job, loadInstallation))));

  const results = new Map<string, JobResult>();
  const groups = new Map<string, PlannedJob[]>();
  for (const item of prepared) {
    if ('settled' in item) {
      results.set(item.settled.id, item.settled);
      continue;
    }
    const group = groups.get(item.planned.installation.id) ?? [];
    group.push(item.planned);
    groups.set(item.planned.installation.id, group);
  }
  const executed = await Promise.all([...groups.values()].map((group) => executeGroup(ctx, group)));
  for (const result of executed.flat()) results.set(result.id, result);
  return jobs.map((job) => results.get(job.id) ?? { id: job.id, status: 'failed', output: { error: 'the batch produced no result for this job' } });
}

async function prepare(
  ctx: SyncWorkerContext,
  job: SyncJob,
  loadInstallation: (id: string) => Promise<Installation | undefined>,
): Promise<Prepared> {
  const parsed = SyncJobData.safeParse(job.data);
  if (!parsed.success) {
    const error = `malformed sync job data: ${describeIssues(parsed.error).join('; ')}`;
    ctx.logger.error({ jobId: job.id }, error);
    return { settled: { id: job.id, status: 'deadletter', output: { error } } };
  }
  const data = parsed.data;
  const key: SyncKey = { installationId: data.installationId, conversationId: data.conversationId };
  let installation: Installation | undefined;
  try {
    installation = await loadInstallation(data.installationId);
  } catch (error) {
    // The sync record cannot be written without an installation row; the job output keeps the reason.
    const { message } = classifyFailure(error);
    return { settled: { id: job.id, status: 'failed', output: { error: `installation ${data.installationId}: ${message}` } } };
  }
  if (!installation) {
    ctx.logger.warn({ ...key, jobId: job.id }, 'sync skipped: the installation no longer exists');
    return { settled: { id: job.id, status: 'completed', output: { skipped: 'installation no longer exists' } } };
  }
  if (await isForgotten(ctx.store, key)) {
    // `forget` removed this conversation on purpose: a late webhook or backfill must not bring it back.
    return { settled: { id: job.id, status: 'completed', output: { skipped: 'forgotten' } } };
  }
  let widgetId: string | undefined;
  try {
    const recheck = data.extractionWaitStartedAt !== undefined && job.retryCount === 0;
    const record = await markAttempt(ctx.store, key, data.trigger, !recheck);
    if (installation.status !== 'active') {
      throw new Error(`installation ${installation.id} is ${installation.status} (${installation.statusReason ?? 'no reason given'}); reconnect it`);
    }
    const source = ctx.deps.platformFor(installation);
    const conversation = await source.getConversation(data.conversationId);
    widgetId = conversation.widget_id;
    const binding = await bindingFor(ctx.store, installation.id, conversation.widget_id);
    if (!binding?.enabled) {
      const reason = binding ? `widget ${widgetId}'s binding is disabled` : `widget ${widgetId} is not bound to this installation`;
      return { settled: await settle(ctx, job, key, { status: 'skipped', widgetId, reason }, 'completed') };
    }
    const decision = decideExtractionWait({
      conversation,
      now: new Date(),
      maxWaitSeconds: ctx.tuning.extractionWaitSeconds,
      startedAt: data.extractionWaitStartedAt,
      checks: data.extractionChecks,
    });
    if (decision.wait) {
      // A follow-up job, not a sleep: the batch goes on, and a newer queued job (same key) makes this one redundant.
      await enqueueSync(
        ctx.boss,
        { ...data, extractionWaitStartedAt: decision.startedAt, extractionChecks: decision.checks },
        { startAfterSeconds: decision.delaySeconds },
      );
      const detail = `extraction not finished yet; checking again in ${decision.delaySeconds}s`;
      return { settled: await settle(ctx, job, key, { status: 'waiting_for_extraction', widgetId, detail }, 'completed') };
    }
    const transcript = await source.getTranscript(data.conversationId, 'md');
    const plan = await ctx.deps.planFor(installation, binding, conversation, transcript);
    return {
      planned: { job, key, installation, binding, widgetId, record, plan, notes: decision.note ? [decision.note] : [],
        trigger: data.trigger, endedAt: conversation.ended_at },
    };
  } catch (error) {
    if (isDeletedOnPlatform(error)) {
      return { settled: await settle(ctx, job, key, { status: 'skipped', widgetId, reason: DELETED_ON_PLATFORM }, 'completed') };
    }
    return { settled: await fail(ctx, job, key, error, { widgetId }) };
  }
}

async function executeGroup(ctx: SyncWorkerContext, group: PlannedJob[]): Promise<JobResult[]> {
  const [first] = group;
  if (!first) return [];
  let results: ExecutionResult[];
  try {
    const adapter = ctx.deps.adapterFor(first.installation);
    results = await adapter.execute(group.map((item) => ({ plan: item.plan, previous: item.record.crmObjects })));
  } catch (error) {
    await markDisconnectedOnAuthFailure(ctx.store, first.installation, [error], ctx.logger);
    return Promise.all(group.map((item) => fail(ctx, item.job, item.key, error, { widgetId: item.widgetId })));
  }
  await markDisconnectedOnAuthFailure(ctx.store, first.installation, results.flatMap((r) => (r.ok ? [] : [r.error])), ctx.logger);
  const byConversation = new Map(results.map((r) => [r.conversationId, r]));
  return Promise.all(
    group.map(async (item) => {
      const { widgetId } = item;
      const result = byConversation.get(item.key.conversationId);
      if (!result) {
        return fail(ctx, item.job, item.key, new Error(`the ${first.installation.crm} adapter returned no result for this conversation`), { widgetId });
      }
      if (!result.ok) return fail(ctx, item.job, item.key, result.error, { widgetId, crmObjects: result.objects });
      recordSyncLatency({ endedAt: item.endedAt, queuedAt: item.record.queuedAt, trigger: item.trigger });
      return settle(
        ctx,
        item.job,
        item.key,
        {
          status: 'synced',
          widgetId,
          crmObjects: result.objects,
          notes: [...item.notes, ...result.notes],
          mapping: item.plan.mapping,
        },
        'completed',
      );
    }),
  );
}

async function settle(
  ctx: SyncWorkerContext,
  job: SyncJob,
  key: SyncKey,
  outcome: SyncOutcome,
  status: JobResult['status'],
): Promise<JobResult> {
  await recordOutcome(ctx.store, key, outcome);
  syncOutcomes.inc({ status: outcome.status });
  const output = outcome.status === 'synced' ? { status: outcome.status, objects: outcome.crmObjects } : outcome;
  ctx.logger.info({ ...key, jobId: job.id, status: outcome.status }, `sync ${outcome.status}`);
  return { id: job.id, status, output };
}

/**
 * Retryable failures are retried by pg-boss with backoff until the job's retry limit; the last
 * one and every permanent one dead-letter the job, with the reason on the sync record and in the
 * dead-letter job's `sourceOutput`.
 */
async function fail(
  ctx: SyncWorkerContext,
  job: SyncJob,
  key: SyncKey,
  error: unknown,
  context: { widgetId?: string; crmObjects?: Record<string, WrittenObject> },
): Promise<JobResult> {
  const failure = classifyFailure(error);
  const attempt = job.retryCount + 1;
  const final = !failure.retryable || job.retryCount >= job.retryLimit;
  const message = !failure.retryable
    ? `permanent failure: ${failure.message}`
    : final
      ? `gave up after ${attempt} attempts: ${failure.message}`
      : `attempt ${attempt} of ${job.retryLimit + 1} failed: ${failure.message}`;
  const outcome: SyncOutcome = { status: final ? 'failed' : 'retrying', error: message, ...context };
  try {
    await recordOutcome(ctx.store, key, outcome);
  } catch (recordError) {
    ctx.logger.error({ ...key, err: recordError }, 'could not record the sync failure');
  }
  syncOutcomes.inc({ status: outcome.status });
  if (final) deadLetters.inc({ reason: failure.retryable ? 'retries_exhausted' : 'permanent' });
  ctx.logger.warn({ ...key, jobId: job.id, retryable: failure.retryable, final }, `sync ${outcome.status}: ${message}`);
  return { id: job.id, status: final ? 'deadletter' : 'failed', output: { error: message } };
}
