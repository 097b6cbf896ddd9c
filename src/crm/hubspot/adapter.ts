/**
 * The HubSpot CrmAdapter: one per installation (portal). Plans from concurrent sync jobs are
 * micro-batched, executed in batched phases, and every call goes through the portal's rate
 * limiter (shared by all adapters of that portal in this process).
 */
import { z } from 'zod';
import type { CrmAdapter, ExecutionResult, ForgetRequest, ForgetResult, PlanExecution } from '../adapter.ts';
import { accountRateLimiter, RateBucket, type AccountLimiterStats, type RateLimiterRegistry } from '../rate-limit.ts';
import { BackoffPolicy } from '../retry.ts';
import { log as rootLog, type Logger } from '../../log.ts';
import { describeIssues } from '../../zod-issues.ts';
import { HubSpotApi, type HubSpotTokens } from './api.ts';
import { executeBatch } from './batch-executor.ts';
import { RecentCompanies, type BatchContext } from './batch-context.ts';
import { ENGAGEMENT_BODY_LIMIT, HubSpotApiVersion, hubSpotEndpoints } from './endpoints.ts';
import { DEFAULT_POLICY_WINDOWS_MS } from './error-classifier.ts';
import { forgetInHubSpot } from './forget.ts';
import { PlanBatcher } from './plan-batcher.ts';
import { HubSpotRequests } from './requests.ts';
import { ensureConnectorSchema } from './schema-setup.ts';

/** HubSpot's documented limits for a private app / OAuth install on a standard portal. */
export const HUBSPOT_DEFAULT_BUDGETS = {
  default: { intervalCap: 100, intervalMs: 10_000 },
  search: { intervalCap: 4, intervalMs: 1_000 },
} as const;

/** The plain-data part of the options: validated, with defaults. */
export const HubSpotAdapterSettings = z.object({
  portalId: z.coerce.string().min(1),
  basePath: z.url().default('https://api.hubapi.com'),
  /** Base of record links; the sandbox serves its own. */
  appBaseUrl: z.url().default('https://app.hubspot.com'),
  apiVersion: HubSpotApiVersion.default('legacy'),
  budgets: z.object({
    default: RateBucket.default(HUBSPOT_DEFAULT_BUDGETS.default),
    search: RateBucket.default(HUBSPOT_DEFAULT_BUDGETS.search),
  }).prefault({}),
  /** Transcripts over 65,536 characters: ordered parts (default) or one truncated note with a link. */
  noteOverflow: z.enum(['split', 'truncate']).default('split'),
  maxPlansPerBatch: z.number().int().min(1).max(1_000).default(100),
  /** How long the first plan of a quiet period waits for others to batch with. */
  batchWindowMs: z.number().int().nonnegative().default(20),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** 5xx / network / timeout retries inside one execution, before the job queue retries later. */
  backoff: BackoffPolicy.prefault({}),
  /** 429s one call waits out (the queue pauses each time) before reporting a retryable error. */
  maxRateLimitWaits: z.number().int().nonnegative().default(3),
  policyWindowsMs: z.record(z.string(), z.number().int().positive()).default(DEFAULT_POLICY_WINDOWS_MS),
});
export type HubSpotAdapterSettings = z.infer<typeof HubSpotAdapterSettings>;

export type HubSpotAdapterOptions = z.input<typeof HubSpotAdapterSettings> & {
  tokens: HubSpotTokens;
  /** Called when the token is refused for good (revoked, refresh failed, scopes missing). */
  onNeedsReconnection?: (reason: string) => void;
  limiters?: RateLimiterRegistry;
  log?: Logger;
};

export interface HubSpotAdapter extends CrmAdapter {
  readonly portalId: string;
  /** See src/crm/hubspot/forget.ts for the policy. */
  forget(request: ForgetRequest): Promise<ForgetResult>;
  /** The portal's rate limiter: queued, in flight, paused until, 429s. */
  rateLimitStats(): AccountLimiterStats;
}

/** ensureSchema runs once per portal and process, whichever adapter instance asks. */
const schemaEnsured = new Map<string, Promise<void>>();

export function createHubSpotAdapter(options: HubSpotAdapterOptions): HubSpotAdapter {
  const { tokens, onNeedsReconnection, limiters = accountRateLimiter, log: parentLog = rootLog, ...plain } = options;
  const parsed = HubSpotAdapterSettings.safeParse(plain);
  if (!parsed.success) throw new Error(`HubSpot adapter options are not valid: ${describeIssues(parsed.error).join('; ')}`);
  const settings = parsed.data;
  const log = parentLog.child({ crm: 'hubspot', portalId: settings.portalId });
  const limiter = limiters.forAccount('hubspot', settings.portalId, settings.budgets);
  const api = new HubSpotApi({
    basePath: settings.basePath,
    tokens,
    limiter,
    backoff: settings.backoff,
    maxRateLimitWaits: settings.maxRateLimitWaits,
    requestTimeoutMs: settings.requestTimeoutMs,
    policyWindowsMs: settings.policyWindowsMs,
    ...(onNeedsReconnection ? { onNeedsReconnection } : {}),
    log,
  });
  const requests = new HubSpotRequests(api, hubSpotEndpoints(settings.apiVersion));
  const ctx: BatchContext = {
    requests,
    portalId: settings.portalId,
    appBaseUrl: settings.appBaseUrl,
    noteOverflow: settings.noteOverflow,
    bodyLimit: ENGAGEMENT_BODY_LIMIT,
    createdCompanies: new RecentCompanies(),
    log,
  };
  const batcher = new PlanBatcher({
    maxBatch: settings.maxPlansPerBatch,
    windowMs: settings.batchWindowMs,
    run: (batch) => executeBatch(ctx, batch),
  });
  const schemaKey = `${settings.basePath}|${settings.portalId}`;

  return {
    crm: 'hubspot',
    portalId: settings.portalId,
    execute(batch: PlanExecution[]): Promise<ExecutionResult[]> {
      return batch.length === 0 ? Promise.resolve([]) : batcher.submit(batch);
    },
    ensureSchema(): Promise<void> {
      let ensured = schemaEnsured.get(schemaKey);
      if (!ensured) {
        // A failure is not memoised: the next call tries again.
        ensured = ensureConnectorSchema(requests).catch((error: unknown) => {
          schemaEnsured.delete(schemaKey);
          throw error;
        });
        schemaEnsured.set(schemaKey, ensured);
      }
      return ensured;
    },
    forget: (request: ForgetRequest): Promise<ForgetResult> => forgetInHubSpot(requests, request),
    rateLimitStats: () => limiter.stats(),
  };
}
