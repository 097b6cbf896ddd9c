/**
 * The service's Prometheus metrics: one registry per process, served at `/metrics` by every role.
 * Counters are incremented where things happen (ingest, the CRM limiters, the sync job); the queue
 * gauge is filled from pg-boss's queue statistics when scraped (metrics-route.ts).
 *
 * Labels carry only ids and closed sets of words (no secrets, no free text): `account` is the CRM
 * account id (HubSpot portal id, Salesforce org id), which the CRM shows its admins anyway.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncTrigger } from '../sync/sync-job.ts';

export const METRIC_PREFIX = 'crm_connector_';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });

const registers = [metricsRegistry];

export const webhooksReceived = new Counter<'outcome'>({
  name: `${METRIC_PREFIX}webhooks_received_total`,
  help: 'Webhooks verified and acknowledged, by outcome (enqueued, coalesced into a queued sync, duplicate webhook-id, ignored)',
  labelNames: ['outcome'],
  registers,
});

export const webhooksRejected = new Counter<'reason'>({
  name: `${METRIC_PREFIX}webhooks_rejected_total`,
  help: 'Webhooks refused, by reason (unknown installation, bad signature, stale timestamp, malformed body, too large, over an installation\'s rate limit, shutting down)',
  labelNames: ['reason'],
  registers,
});

export const queueJobs = new Gauge<'queue' | 'state'>({
  name: `${METRIC_PREFIX}jobs`,
  help: 'Jobs in the durable queue by state, read from pg-boss queue statistics at scrape time (the same cluster-wide figure on every process; up to a minute old)',
  labelNames: ['queue', 'state'],
  registers,
});

export const crmRequests = new Counter<'crm' | 'account' | 'status'>({
  name: `${METRIC_PREFIX}crm_requests_total`,
  help: 'CRM API requests started by this process, by CRM, account and HTTP status ("ok" when the adapter reports none, "error" when no answer came)',
  labelNames: ['crm', 'account', 'status'],
  registers,
});

export const crmRateLimited = new Counter<'crm' | 'account'>({
  name: `${METRIC_PREFIX}crm_rate_limited_total`,
  help: 'CRM answers saying "too many requests" (HTTP 429, REQUEST_LIMIT_EXCEEDED), by CRM and account',
  labelNames: ['crm', 'account'],
  registers,
});

export const syncLatency = new Histogram<'from' | 'trigger'>({
  name: `${METRIC_PREFIX}sync_latency_seconds`,
  help: 'Time until a conversation was written to the CRM: from="conversation_ended" counts from its ended_at, from="queued" from the event that queued the sync (webhook received, backfill page, retry)',
  labelNames: ['from', 'trigger'],
  buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 6 * 3600, 24 * 3600],
  registers,
});

export const syncOutcomes = new Counter<'status'>({
  name: `${METRIC_PREFIX}syncs_total`,
  help: 'Sync attempts settled by this process, by resulting status (synced, skipped, waiting_for_extraction, retrying, failed)',
  labelNames: ['status'],
  registers,
});

export const deadLetters = new Counter<'reason'>({
  name: `${METRIC_PREFIX}dead_letters_total`,
  help: 'Sync jobs moved to the dead-letter queue by this process: reason="permanent" (retrying cannot help) or "retries_exhausted"',
  labelNames: ['reason'],
  registers,
});

/** `live` for webhook-triggered syncs, else the trigger itself: keeps the label set small and stable. */
export function triggerKind(trigger: SyncTrigger): 'live' | 'backfill' | 'retry' {
  return trigger === 'backfill' || trigger === 'retry' ? trigger : 'live';
}

/** A conversation reached the CRM now: observes both latencies (negative skews between clocks count as 0). */
export function recordSyncLatency(sync: { endedAt: string; queuedAt: Date | null; trigger: SyncTrigger }, now = Date.now()): void {
  const trigger = triggerKind(sync.trigger);
  const ended = Date.parse(sync.endedAt);
  if (Number.isFinite(ended)) syncLatency.observe({ from: 'conversation_ended', trigger }, Math.max(0, (now - ended) / 1000));
  if (sync.queuedAt) syncLatency.observe({ from: 'queued', trigger }, Math.max(0, (now - sync.queuedAt.getTime()) / 1000));
}
