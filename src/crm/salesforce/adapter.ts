/**
 * The Salesforce adapter: executes WritePlans against one org through jsforce.
 *
 * A batch of plans costs, once describes are cached (one Composite call per org per hour):
 * one Composite call for every lookup the batch needs (Contact and Lead by email, current
 * values for `if_empty`), then the writes, sent whichever way takes fewer calls — one Composite
 * call for up to 25 writes (a single conversation: person, opportunity, task, note and its links
 * in ONE call), or sObject Collections per object and operation (a hundred conversations: about
 * six calls). One plan's failure never fails the others: every call is `allOrNone: false` and
 * each plan gets the outcome of its own records.
 */
import { z } from 'zod';
import type { CrmAdapter, ExecutionResult, ForgetRequest, ForgetResult, PlanExecution, WrittenObject } from '../adapter.ts';
import { CrmError } from '../errors.ts';
import { accountRateLimiter, RateBucket, type AccountLimiter, type RateLimiterRegistry } from '../rate-limit.ts';
import { BackoffPolicy } from '../retry.ts';
import { WritePlan, type PlannedRecord, type ValueOrigin } from '../write-plan.ts';
import { log as defaultLog, type Logger } from '../../log.ts';
import { describeIssues } from '../../zod-issues.ts';
import { SalesforceApi } from './api.ts';
import { ConnectorFields, connectorField } from './connector-fields.ts';
import { DailyBudget, DailyBudgetOptions, type DailyBudgetStats } from './daily-budget.ts';
import { DescribeCache, type DescribeOutcome } from './describe-cache.ts';
import { atOrigin, classifyThrown, withOrigin } from './error-classifier.ts';
import { forgetInSalesforce } from './forget.ts';
import { KeyedLock } from './keyed-lock.ts';
import { writeOps, type WriteStrategy } from './op-writer.ts';
import { lookupTargetOf, planWrites, type Identity, type PlannedWrites } from './plan-writes.ts';
import { recordUrl } from './record-links.ts';
import { lookUp, lookupKey, type LookupOutcome, type LookupTarget } from './record-lookup.ts';
import type { SObjectDescribe } from './responses.ts';
import { checkMappingAgainstDescribe, type CheckedObject, type SchemaIssue } from './schema-check.ts';
import { SalesforceSession, type RotatedTokens, type SalesforceTokens } from './session.ts';
import type { OpOutcome } from './write-ops.ts';

const AdapterConfig = z.object({
  orgId: z.string().trim().min(1, { error: 'must be the org id' }),
  instanceUrl: z.url({ protocol: /^https?$/, error: 'must be the org\'s https URL, e.g. https://example.my.salesforce.com' }),
  apiVersion: z.string().regex(/^\d{2,3}\.0$/, { error: 'must look like 62.0' }).default('62.0'),
  requestTimeoutMs: z.number().int().positive().default(60_000),
  describeTtlMs: z.number().int().positive().default(3_600_000),
  /** The org's p-queue: Salesforce has no per-second limit, but long-running requests are capped per org. */
  rateBudget: RateBucket.default({ intervalCap: 25, intervalMs: 1_000, concurrency: 10 }),
  backoff: BackoffPolicy.default({ attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 }),
  budget: DailyBudgetOptions.default({ share: 0.5, checkIntervalMs: 300_000 }),
  links: z.object({ baseUrl: z.url().optional() }).default({}),
  /** Connector fields ensureSchema() creates besides Opportunity.Conversation_Id__c, as `Object.Field__c`. */
  connectorFields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/)).default([]),
});
export type SalesforceAdapterConfig = z.input<typeof AdapterConfig>;

export interface SalesforceAdapterOptions extends SalesforceAdapterConfig {
  tokens: SalesforceTokens;
  /** Persist these: with refresh token rotation the previous refresh token no longer works. */
  onTokensRotated?: (tokens: RotatedTokens) => void | Promise<void>;
  onNeedsReconnection?: (reason: string) => void;
  limiter?: RateLimiterRegistry;
  log?: Logger;
  /** Clock of the daily budget and describe cache (tests). */
  now?: () => number;
}

export interface SalesforceAdapterStats {
  orgId: string;
  /** REST calls sent by this adapter (token refreshes not counted). */
  callsSent: number;
  budget: DailyBudgetStats;
  limiter: ReturnType<AccountLimiter['stats']>;
  /** How the last batch's writes were sent. */
  lastStrategy: WriteStrategy | null;
}

export interface SalesforceAdapter extends CrmAdapter {
  readonly crm: 'salesforce';
  stats(): SalesforceAdapterStats;
  /** Describes of the given objects (for `mappings check`). */
  describe(objects: Iterable<string>): Promise<Map<string, DescribeOutcome>>;
  /** Compares mapped objects with the org's describe: unknown fields, wrong types, bad picklist values. */
  checkMapping(objects: CheckedObject[]): Promise<SchemaIssue[]>;
  /** Deletes the conversation's activities, notes and (or redacts) its own opportunity; keeps the person. */
  forget(request: ForgetRequest): Promise<ForgetResult>;
}

const PERSON_OBJECTS = ['Contact', 'Lead'];

export function createSalesforceAdapter(options: SalesforceAdapterOptions): SalesforceAdapter {
  const parsed = AdapterConfig.safeParse(options);
  if (!parsed.success) throw new Error(`Salesforce adapter options are not valid: ${describeIssues(parsed.error).join('; ')}`);
  if (!options.tokens?.accessToken && !options.tokens?.refresh && !options.tokens?.refreshToken) {
    throw new Error('Salesforce adapter options are not valid: tokens: an accessToken, a refreshToken or a refresh function is required');
  }
  return new SalesforceOrgAdapter(parsed.data, options);
}

class SalesforceOrgAdapter implements SalesforceAdapter {
  readonly crm = 'salesforce' as const;
  readonly #config: z.infer<typeof AdapterConfig>;
  readonly #log: Logger;
  readonly #session: SalesforceSession;
  readonly #limiter: AccountLimiter;
  readonly #budget: DailyBudget;
  readonly #api: SalesforceApi;
  readonly #describes: DescribeCache;
  readonly #fields: ConnectorFields;
  readonly #locks = new KeyedLock();
  #lastStrategy: WriteStrategy | null = null;

  constructor(config: z.infer<typeof AdapterConfig>, options: SalesforceAdapterOptions) {
    this.#config = config;
    this.#log = (options.log ?? defaultLog).child({ crm: 'salesforce', orgId: config.orgId });
    this.#session = new SalesforceSession({
      instanceUrl: config.instanceUrl,
      apiVersion: config.apiVersion,
      tokens: options.tokens,
      ...(options.onTokensRotated && { onTokensRotated: options.onTokensRotated }),
      ...(options.onNeedsReconnection && { onNeedsReconnection: options.onNeedsReconnection }),
      log: this.#log,
    });
    this.#limiter = (options.limiter ?? accountRateLimiter).forAccount('salesforce', config.orgId, { default: config.rateBudget });
    this.#budget = new DailyBudget(config.budget, this.#log, options.now);
    this.#api = new SalesforceApi({
      session: this.#session,
      limiter: this.#limiter,
      budget: this.#budget,
      backoff: config.backoff,
      apiVersion: config.apiVersion,
      requestTimeoutMs: config.requestTimeoutMs,
      log: this.#log,
    });
    this.#describes = new DescribeCache(this.#api, config.describeTtlMs, options.now);
    this.#fields = new ConnectorFields(this.#api, this.#describes);
  }

  stats(): SalesforceAdapterStats {
    return {
      orgId: this.#config.orgId,
      callsSent: this.#api.callsSent,
      budget: this.#budget.stats(),
      limiter: this.#limiter.stats(),
      lastStrategy: this.#lastStrategy,
    };
  }

  async ensureSchema(): Promise<void> {
    const wanted = ['Opportunity.Conversation_Id__c', ...this.#config.connectorFields];
    for (const entry of new Set(wanted)) {
      const [object, field] = entry.split('.') as [string, string];
      await this.#fields.ensure(object, field);
    }
  }

  describe(objects: Iterable<string>): Promise<Map<string, DescribeOutcome>> {
    return this.#describes.get(objects);
  }

  forget(request: ForgetRequest): Promise<ForgetResult> {
    return forgetInSalesforce(this.#api, this.#describes, request);
  }

  async checkMapping(objects: CheckedObject[]): Promise<SchemaIssue[]> {
    const names = new Set(objects.flatMap((o) => (PERSON_OBJECTS.includes(o.object) ? PERSON_OBJECTS : [o.object])));
    const outcomes = await this.#describes.get(names);
    const describes = new Map<string, SObjectDescribe>();
    for (const [name, outcome] of outcomes) if (outcome.ok) describes.set(name, outcome.describe);
    // The connector creates its own fields on first use: a missing one is news, not an error.
    return checkMappingAgainstDescribe(objects, describes).map((issue) =>
      issue.code === 'UNKNOWN_FIELD' && issue.field && connectorField(issue.field)
        ? { ...issue, severity: 'warning', message: `${issue.object}.${issue.field} does not exist yet: the connector creates it on its first sync (Tooling API), given the permission "Customize Application"` }
        : issue);
  }

  async execute(batch: PlanExecution[]): Promise<ExecutionResult[]> {
    const run = new BatchRun(batch);
    for (const [i, execution] of batch.entries()) {
      const valid = WritePlan.safeParse(execution.plan);
      if (!valid.success) {
        run.fail(i, new CrmError('permanent', `the write plan is not valid: ${describeIssues(valid.error).join('; ')}`, { code: 'INVALID_PLAN' }));
      } else if (execution.plan.crm !== 'salesforce') {
        run.fail(i, new CrmError('permanent', `a ${execution.plan.crm} plan was sent to the Salesforce adapter`, { code: 'WRONG_CRM' }));
      }
    }
    try {
      const describes = await this.#prepareSchema(run);
      if (run.active.length === 0) return run.results();
      const lockKeys = run.active.flatMap((i) => this.#lookupTargets(batch[i]!, describes).map((t) => lookupKey(t.target)));
      const release = await this.#locks.acquire(lockKeys);
      try {
        const lookups = await this.#lookUp(run, describes);
        if (run.active.length === 0) return run.results();
        const planned = planWrites({ executions: batch, active: run.active, describes, lookups });
        const { outcomes, strategy } = await writeOps(this.#api, planned.ops, this.#config.backoff, this.#log);
        this.#lastStrategy = strategy;
        for (const i of run.active) run.settle(i, this.#assemble(batch[i]!, i, planned, outcomes));
      } finally {
        release();
      }
    } catch (thrown) {
      // A failure of the org as a whole (auth, limits, unreachable): every plan not settled gets it.
      const error = classifyThrown(thrown, 'syncing to Salesforce');
      if (error.code === 'UNEXPECTED') this.#log.error({ err: thrown }, 'Salesforce adapter failed unexpectedly');
      for (const i of run.active) run.fail(i, error);
    }
    return run.results();
  }

  /** Describes every object the plans write (and makes sure the connector's fields exist); plans using an unknown object fail. */
  async #prepareSchema(run: BatchRun): Promise<Map<string, SObjectDescribe>> {
    const objectsOf = (i: number) =>
      run.batch[i]!.plan.records.flatMap((r) => (r.role === 'person' && PERSON_OBJECTS.includes(r.object) ? PERSON_OBJECTS : [r.object]));
    await this.#failUnknownObjects(run, objectsOf);
    // Each connector field the batch uses is made sure of once; the plans using a missing one fail.
    const uses = new Map<string, { object: string; field: string; users: { plan: number; origin: ValueOrigin | undefined }[] }>();
    for (const i of run.active) {
      for (const record of run.batch[i]!.plan.records) {
        const names = new Set([...Object.keys(record.properties), ...(record.match ? [record.match.property] : [])]);
        for (const name of names) {
          if (!connectorField(name)) continue;
          const key = `${record.object}.${name.toLowerCase()}`;
          const use = uses.get(key) ?? { object: record.object, field: name, users: [] };
          use.users.push({ plan: i, origin: record.properties[name]?.origin ?? record.match?.origin });
          uses.set(key, use);
        }
      }
    }
    await Promise.all([...uses.values()].map(async ({ object, field, users }) => {
      try {
        await this.#fields.ensure(object, field);
      } catch (thrown) {
        const error = classifyThrown(thrown, `checking ${object}.${field}`);
        for (const { plan, origin } of users) run.fail(plan, atOrigin(error, origin));
      }
    }));
    // Creating a field invalidates its object's describe: read them again (from the cache otherwise).
    return this.#failUnknownObjects(run, objectsOf);
  }

  async #failUnknownObjects(run: BatchRun, objectsOf: (i: number) => string[]): Promise<Map<string, SObjectDescribe>> {
    const outcomes = await this.#describes.get(run.active.flatMap(objectsOf));
    const describes = new Map<string, SObjectDescribe>();
    for (const [name, outcome] of outcomes) if (outcome.ok) describes.set(name, outcome.describe);
    for (const i of run.active) {
      const failed = objectsOf(i).map((name) => outcomes.get(name)).find((o) => o && !o.ok);
      if (failed && !failed.ok) run.fail(i, failed.error);
    }
    return describes;
  }

  #lookupTargets(execution: PlanExecution, describes: ReadonlyMap<string, SObjectDescribe>): { record: PlannedRecord; target: LookupTarget }[] {
    return execution.plan.records.flatMap((record) => {
      const target = lookupTargetOf(record, execution.previous[record.key], describes);
      return target ? [{ record, target }] : [];
    });
  }

  async #lookUp(run: BatchRun, describes: Map<string, SObjectDescribe>): Promise<Map<string, LookupOutcome>> {
    const perPlan = new Map(run.active.map((i) => [i, this.#lookupTargets(run.batch[i]!, describes)] as const));
    const targets = new Map<string, LookupTarget>();
    for (const entries of perPlan.values()) for (const { target } of entries) targets.set(lookupKey(target), target);
    const lookups = targets.size > 0 ? await lookUp(this.#api, [...targets.values()], describes) : new Map<string, LookupOutcome>();
    for (const [i, entries] of perPlan) {
      for (const { record, target } of entries) {
        const outcome = lookups.get(lookupKey(target));
        if (outcome && !outcome.ok) {
          run.fail(i, withOrigin(outcome.error, record));
          break;
        }
      }
    }
    return lookups;
  }

  #assemble(execution: PlanExecution, index: number, planned: PlannedWrites, outcomes: Map<string, OpOutcome>): ExecutionResult {
    const { plan, previous } = execution;
    const state = planned.plans.get(index)!;
    const idOf = (identity: Identity): string | undefined => {
      if (identity.ref === undefined) return identity.id;
      const outcome = outcomes.get(identity.ref);
      return outcome?.ok ? outcome.id : undefined;
    };
    const baseUrl = this.#config.links.baseUrl ?? this.#session.instanceUrl;
    const objects: Record<string, WrittenObject> = {};
    for (const [key, identity] of state.identities) {
      const id = idOf(identity);
      if (id === undefined) continue;
      objects[key] = { object: identity.object, id, url: recordUrl(baseUrl, identity.object, id), ...(identity.note && { note: identity.note }) };
    }
    const linkSucceeded = (op: string) => {
      const outcome = outcomes.get(op);
      // A link that already exists is what we wanted.
      return outcome !== undefined && (outcome.ok || outcome.error.code === 'DUPLICATE_VALUE');
    };
    for (const [noteKey, links] of state.links) {
      const note = objects[noteKey];
      if (!note) continue;
      const linked = new Set(previous[noteKey]?.id === note.id ? (previous[noteKey]?.linkedTo ?? []) : []);
      for (const link of links) {
        const target = idOf(link.target);
        if (target !== undefined && linkSucceeded(link.op)) linked.add(target);
      }
      if (linked.size > 0) note.linkedTo = [...linked];
    }

    const records = new Map(plan.records.map((r) => [r.key, r]));
    const opsById = new Map(planned.ops.map((op) => [op.id, op]));
    for (const op of planned.ops) {
      const owner = op.owners.find((o) => o.plan === index);
      const outcome = outcomes.get(op.id);
      if (!owner || !outcome || outcome.ok) continue;
      if (op.object === 'ContentDocumentLink' && outcome.error.code === 'DUPLICATE_VALUE') continue;
      const root = outcome.blockedBy ? opsById.get(outcome.blockedBy) : op;
      const rootOwner = root?.owners.find((o) => o.plan === index) ?? owner;
      return { conversationId: plan.conversationId, ok: false, error: withOrigin(outcome.error, records.get(rootOwner.key)), objects };
    }
    return { conversationId: plan.conversationId, ok: true, objects, notes: state.notes };
  }
}

/** The results of one execute() call as they settle; `active` = plans still going. */
class BatchRun {
  readonly batch: readonly PlanExecution[];
  readonly #results: (ExecutionResult | undefined)[];

  constructor(batch: readonly PlanExecution[]) {
    this.batch = batch;
    this.#results = batch.map(() => undefined);
  }

  get active(): number[] {
    return this.#results.flatMap((r, i) => (r === undefined ? [i] : []));
  }

  fail(index: number, error: CrmError): void {
    if (this.#results[index]) return;
    this.#results[index] = { conversationId: this.batch[index]!.plan.conversationId, ok: false, error, objects: {} };
  }

  settle(index: number, result: ExecutionResult): void {
    this.#results[index] ??= result;
  }

  results(): ExecutionResult[] {
    return this.#results.map((r, i) => r ?? {
      conversationId: this.batch[i]!.plan.conversationId,
      ok: false,
      error: new CrmError('retryable', 'the Salesforce adapter produced no outcome for this plan', { code: 'NO_OUTCOME' }),
      objects: {},
    });
  }
}
