/**
 * Observability of the running service (production dependencies, both sandboxes, real HTTP):
 * `/metrics` behind METRICS_TOKEN with webhook, CRM, latency, queue and dead-letter figures that
 * match what happened; structured logs carrying installation, conversation and job ids; and no
 * secret (webhook secret, CRM token, platform API key, store key) anywhere in the log output,
 * captured at trace level.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { getSyncRecord } from '../../src/store/sync-records.ts';
import { upsertBinding } from '../../src/store/widget-bindings.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig, waitFor } from '../support/sync-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `name{labels}` → value, from the Prometheus text format. */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The sum of every series of `name` whose labels include all of `labels`. */
function total(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of metrics) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

describe.each(storeBackends())('metrics and logs on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let service: RunningService | undefined;
  const logLines: string[] = [];
  const secret = newWebhookSecret();
  const metricsToken = randomBytes(18).toString('base64url');
  let env: Record<string, string>;
  let conversations: Conversation[];
  let brokenId: string;
  let before: Map<string, number>;
  let after: Map<string, number>;

  /** `token: null` scrapes without an Authorization header. */
  const scrape = async (token: string | null = metricsToken) => {
    const response = await fetch(`${service!.url}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { response, metrics: response.ok ? parseMetrics(await response.text()) : new Map<string, number>() };
  };
  const deliver = (body: string, options: { id?: string; secret?: string; installation?: string } = {}) =>
    postWebhook(`${service!.url}/webhooks/platform${options.installation ? `/${options.installation}` : ''}`, options.secret ?? secret, body, {
      id: options.id,
    });

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ port: 0 });
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    env = {
      ...environment.env,
      MAPPINGS_DIR: path.join(ROOT, 'mappings'),
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
      METRICS_TOKEN: metricsToken,
      SYNC_RETRY_LIMIT: '0',
    };
    service = await startService({
      config: testConfig(env),
      logger: createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } }),
    });
    before = (await scrape()).metrics;

    conversations = platform.simulate(3, { at: new Date(Date.now() - 600_000), outcome: 'completed', widgetId: 'wgt_abc123' });
    for (const c of conversations) expect((await deliver(conversationEvent('conversation.ended', c.id, c.widget_id), { id: `msg_${c.id}` })).status).toBe(202);
    const [first] = conversations as [Conversation];
    expect((await deliver(conversationEvent('conversation.ended', first.id, first.widget_id), { id: `msg_${first.id}` })).status).toBe(200);
    expect((await deliver(conversationEvent('conversation.ended', first.id, first.widget_id), { secret: newWebhookSecret() })).status).toBe(401);
    expect((await deliver(conversationEvent('conversation.ended', first.id, first.widget_id), { installation: 'inst_unknown' })).status).toBe(404);
    expect((await deliver('{"type": "conversation.ended", ')).status).toBe(400);
    // The platform no longer has this conversation: nothing to sync (skipped).
    expect((await deliver(conversationEvent('conversation.ended', 'conv_does_not_exist', first.widget_id))).status).toBe(202);
    // This widget is bound to a mapping file that does not exist: the sync fails for good and is dead-lettered.
    await upsertBinding(service.store, { installationId: 'default', widgetId: 'wgt_ldg9x1', mappingFile: 'missing.yaml', enabled: true });
    const [broken] = platform.simulate(1, { at: new Date(Date.now() - 600_000), outcome: 'completed', widgetId: 'wgt_ldg9x1' }) as [Conversation];
    expect((await deliver(conversationEvent('conversation.ended', broken.id, broken.widget_id))).status).toBe(202);

    for (const c of conversations) {
      await waitFor(`${c.id} synced`, async () => (await getSyncRecord(service!.store, { installationId: 'default', conversationId: c.id }))?.status === 'synced');
    }
    await waitFor('the deleted conversation to be skipped', async () =>
      (await getSyncRecord(service!.store, { installationId: 'default', conversationId: 'conv_does_not_exist' }))?.status === 'skipped');
    await waitFor('the conversation with a broken mapping to fail', async () =>
      (await getSyncRecord(service!.store, { installationId: 'default', conversationId: broken.id }))?.status === 'failed');
    brokenId = broken.id;
    after = (await scrape()).metrics;
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const open = await scrape(null);
    expect(open.response.status).toBe(401);
    expect(open.response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await open.response.json()).toEqual({
      error: { code: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN> to read /metrics' },
    });
    expect((await scrape('not-the-token')).response.status).toBe(401);
    const authorized = await scrape();
    expect(authorized.response.status).toBe(200);
    expect(authorized.response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts webhooks received by outcome and rejected by reason', () => {
    expect(delta('crm_connector_webhooks_received_total', { outcome: 'enqueued' })).toBe(5);
    expect(delta('crm_connector_webhooks_received_total', { outcome: 'duplicate' })).toBe(1);
    expect(delta('crm_connector_webhooks_rejected_total', { reason: 'invalid_signature' })).toBe(1);
    expect(delta('crm_connector_webhooks_rejected_total', { reason: 'installation_not_found' })).toBe(1);
    expect(delta('crm_connector_webhooks_rejected_total', { reason: 'invalid_json' })).toBe(1);
  });

  it('counts the HubSpot calls by portal and status, as the portal saw them', () => {
    const portal = String(hubspot.defaultPortal.portalId);
    const stats = hubspot.stats();
    // Learning which portal the private-app token opens cannot wait for that portal's budget; it is
    // charged to it (and counted) as soon as the portal id is known.
    const lookups = Object.entries(stats.byEndpoint).filter(([endpoint]) => endpoint.includes('account-info')).reduce((n, [, c]) => n + c, 0);
    expect(lookups).toBe(1);
    expect(delta('crm_connector_crm_requests_total', { crm: 'hubspot', account: portal })).toBe(stats.totalRequests);
    expect(delta('crm_connector_crm_requests_total', { crm: 'hubspot', account: portal, status: '429' })).toBe(0);
    expect(delta('crm_connector_crm_rate_limited_total', { account: portal })).toBe(0);
  });

  it('measures sync latency from the conversation end and from the webhook, and counts outcomes and dead letters', () => {
    expect(delta('crm_connector_sync_latency_seconds_count', { from: 'conversation_ended', trigger: 'live' })).toBe(3);
    expect(delta('crm_connector_sync_latency_seconds_count', { from: 'queued', trigger: 'live' })).toBe(3);
    // Ten minutes since the conversations ended; the webhooks were a moment ago.
    expect(delta('crm_connector_sync_latency_seconds_bucket', { from: 'conversation_ended', trigger: 'live', le: '300' })).toBe(0);
    expect(delta('crm_connector_sync_latency_seconds_bucket', { from: 'queued', trigger: 'live', le: '+Inf' })).toBe(3);
    expect(delta('crm_connector_syncs_total', { status: 'synced' })).toBe(3);
    expect(delta('crm_connector_syncs_total', { status: 'skipped' })).toBe(1);
    expect(delta('crm_connector_syncs_total', { status: 'failed' })).toBe(1);
    expect(delta('crm_connector_dead_letters_total', { reason: 'permanent' })).toBe(1);
  });

  it('reports the queues by state', () => {
    for (const state of ['ready', 'deferred', 'active', 'failed']) {
      expect(after.has(`crm_connector_jobs{queue="conversation-sync",state="${state}"}`), state).toBe(true);
    }
    expect(after.has('crm_connector_jobs{queue="conversation-sync-dead",state="ready"}')).toBe(true);
  });

  it('logs each webhook and sync with its installation, conversation and job ids', () => {
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const c of conversations) {
      const accepted = entries.find((e) => e.msg === 'webhook accepted' && e.conversationId === c.id && e.status === 'enqueued');
      expect(accepted, c.id).toMatchObject({ installationId: 'default', webhookId: `msg_${c.id}`, jobId: expect.any(String) });
      const synced = entries.find((e) => e.msg === 'sync synced' && e.conversationId === c.id);
      expect(synced, c.id).toMatchObject({ installationId: 'default', jobId: accepted!.jobId });
    }
    const failed = entries.find((e) => e.conversationId === brokenId && e.final === true);
    expect(failed).toMatchObject({ installationId: 'default', jobId: expect.any(String), retryable: false });
  });

  it('never writes a secret to the log, even at trace level', () => {
    const output = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    const secrets = {
      webhookSecret: secret,
      webhookSecretKey: secret.slice('whsec_'.length),
      hubspotToken: hubspot.defaultPortal.privateAppToken,
      platformApiKey: platform.apiKey,
      metricsToken,
      ...(env.CONNECTOR_SECRET_KEY ? { storeKey: env.CONNECTOR_SECRET_KEY } : {}),
    };
    for (const [name, value] of Object.entries(secrets)) expect(output.includes(value), name).toBe(false);
  });

  it('gives a worker process its own /healthz and /metrics, and no webhook endpoint', async () => {
    await service?.close();
    service = await startService({ config: testConfig(env), role: 'worker', logger: createLogger({ level: 'silent' }) });
    expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const { response, metrics } = await scrape();
    expect(response.status).toBe(200);
    expect(metrics.has('crm_connector_jobs{queue="conversation-sync",state="active"}')).toBe(true);
    expect((await deliver(conversationEvent('conversation.ended', 'conv_x', 'wgt_x'))).status).toBe(404);
  });
});
