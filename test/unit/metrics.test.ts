/** The metrics the code records directly: CRM calls and 429s by account (through a real limiter), sync latencies. */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { crmRateLimited, crmRequests, metricsRegistry, recordSyncLatency, syncLatency } from '../../src/observability/metrics.ts';

/** Current value of a counter/gauge series, 0 when it has none yet. */
async function valueOf(metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }, labels: Record<string, string>) {
  const { values } = await metric.get();
  const series = values.find((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)
    && Object.keys(v.labels).length === Object.keys(labels).length);
  return series?.value ?? 0;
}

const registry = new AccountRateLimiter();
afterEach(() => registry.close());

describe('CRM call metrics', () => {
  it('counts every call by CRM, account and the HTTP status of its answer, and every 429 by account', async () => {
    const limiter = registry.forAccount('hubspot', '4242', { default: { intervalCap: 100, intervalMs: 10_000 } });
    const before = {
      ok: await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: '200' }),
      limited: await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: '429' }),
      failed: await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: 'error' }),
      plain: await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: 'ok' }),
      pauses: await valueOf(crmRateLimited, { crm: 'hubspot', account: '4242' }),
    };

    await limiter.schedule('default', async () => ({ status: 200, body: {} }));
    await limiter.schedule('default', async () => ({ status: 200, body: {} }));
    await limiter.schedule('default', async () => ({ status: 429, body: {} }));
    limiter.pauseAfterRateLimit(1);
    await expect(limiter.schedule('default', async () => Promise.reject(new Error('socket hang up')))).rejects.toThrow('socket hang up');
    await limiter.schedule('default', async () => 'a body without a status');

    expect(await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: '200' })).toBe(before.ok + 2);
    expect(await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: '429' })).toBe(before.limited + 1);
    expect(await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: 'error' })).toBe(before.failed + 1);
    expect(await valueOf(crmRequests, { crm: 'hubspot', account: '4242', status: 'ok' })).toBe(before.plain + 1);
    expect(await valueOf(crmRateLimited, { crm: 'hubspot', account: '4242' })).toBe(before.pauses + 1);
  });

  it('takes the status of a thrown error that carries one (Salesforce errors)', async () => {
    const limiter = registry.forAccount('salesforce', '00Dx', { default: { intervalCap: 25, intervalMs: 1_000 } });
    const before = await valueOf(crmRequests, { crm: 'salesforce', account: '00Dx', status: '503' });
    const error = Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    await expect(limiter.schedule('default', async () => Promise.reject(error))).rejects.toBe(error);
    expect(await valueOf(crmRequests, { crm: 'salesforce', account: '00Dx', status: '503' })).toBe(before + 1);
  });
});

describe('sync latency', () => {
  it('observes the time since the conversation ended and since the sync was queued, by trigger kind', async () => {
    const now = Date.parse('2026-04-10T12:40:00Z');
    const countOf = async (from: string, trigger: string) => {
      const { values } = await syncLatency.get();
      return values.find((v) => v.metricName?.endsWith('_count') && v.labels.from === from && v.labels.trigger === trigger)?.value ?? 0;
    };
    const sumOf = async (from: string, trigger: string) => {
      const { values } = await syncLatency.get();
      return values.find((v) => v.metricName?.endsWith('_sum') && v.labels.from === from && v.labels.trigger === trigger)?.value ?? 0;
    };
    const before = { ended: await sumOf('conversation_ended', 'live'), queued: await sumOf('queued', 'live'), backfill: await countOf('queued', 'backfill') };

    recordSyncLatency({ endedAt: '2026-04-10T12:36:00Z', queuedAt: new Date('2026-04-10T12:39:58Z'), trigger: 'criteria.evaluated' }, now);
    // A platform clock ahead of ours must not produce a negative latency.
    recordSyncLatency({ endedAt: '2026-04-10T12:40:03Z', queuedAt: null, trigger: 'conversation.ended' }, now);
    recordSyncLatency({ endedAt: '2026-01-01T00:00:00Z', queuedAt: new Date(now - 60_000), trigger: 'backfill' }, now);

    expect(await sumOf('conversation_ended', 'live')).toBe(before.ended + 240);
    expect(await sumOf('queued', 'live')).toBe(before.queued + 2);
    expect(await countOf('queued', 'backfill')).toBe(before.backfill + 1);
  });

  it('serves every metric under the crm_connector_ prefix, with default process metrics', async () => {
    const text = await metricsRegistry.metrics();
    for (const name of [
      'crm_connector_webhooks_received_total', 'crm_connector_webhooks_rejected_total', 'crm_connector_jobs',
      'crm_connector_crm_requests_total', 'crm_connector_crm_rate_limited_total', 'crm_connector_sync_latency_seconds',
      'crm_connector_syncs_total', 'crm_connector_dead_letters_total', 'crm_connector_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });
});
