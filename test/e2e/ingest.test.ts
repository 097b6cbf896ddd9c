import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { LATEST_MIGRATION } from '../../src/store/migrations.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../src/server.ts';
import { upsertInstallation } from '../../src/store/installations.ts';
import { getSyncRecord } from '../../src/store/sync-records.ts';
import { listReceipts } from '../../src/store/webhook-receipts.ts';
import { upsertBinding } from '../../src/store/widget-bindings.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig } from '../support/sync-harness.ts';

const MAX_BODY = 4096;

describe.each(storeBackends())('webhook ingest on $name', (backend) => {
  let environment: StoreEnvironment;
  let service: RunningService;
  let endpoint: string;
  const logLines: Array<{ msg: string; [key: string]: unknown }> = [];
  const current = newWebhookSecret();
  const previous = newWebhookSecret();

  beforeAll(async () => {
    environment = await backend.create();
    const config = testConfig({
      ...environment.env,
      PLATFORM_API_URL: 'http://127.0.0.1:9',
      PLATFORM_API_KEY: 'sk_test',
      PLATFORM_WEBHOOK_SECRET: `${current} ${previous}`,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'pat-test',
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY),
    });
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    // Role web: no worker takes the jobs, so the queue shows exactly what ingest enqueued.
    service = await startService({ config, role: 'web', logger });
    endpoint = `${service.url}/webhooks/platform`;
  });
  afterAll(async () => {
    await service?.close();
    await environment?.dispose();
  });

  const jobsFor = (conversationId: string, installationId = 'default') =>
    service.boss.findJobs(SYNC_QUEUE, { key: `${installationId}:${conversationId}` });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

  it('answers health and readiness', async () => {
    expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', store: backend.name, migration: LATEST_MIGRATION });
  });

  it('accepts a delivery signed by the official standardwebhooks signer: receipt, job and sync record', async () => {
    const response = await postWebhook(endpoint, current, conversationEvent('conversation.ended', 'conv_ok'), { id: 'msg_ok' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; jobId: string };
    expect(body.status).toBe('enqueued');
    const [job] = await jobsFor('conv_ok');
    expect(job).toMatchObject({ id: body.jobId, data: { installationId: 'default', conversationId: 'conv_ok', trigger: 'conversation.ended' } });
    expect(await getSyncRecord(service.store, { installationId: 'default', conversationId: 'conv_ok' })).toMatchObject({
      status: 'queued',
      widgetId: 'wgt_test',
    });
  });

  it('accepts a signature made with the previous secret while rotating', async () => {
    const response = await postWebhook(endpoint, previous, conversationEvent('conversation.ended', 'conv_rotated'));
    expect(response.status).toBe(202);
  });

  it('acknowledges a delivery repeated three times and enqueues it once', async () => {
    const body = conversationEvent('conversation.ended', 'conv_dup');
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postWebhook(endpoint, current, body, { id: 'msg_dup' });
      expect(response.ok).toBe(true);
      statuses.push(((await response.json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['enqueued', 'duplicate', 'duplicate']);
    expect(await jobsFor('conv_dup')).toHaveLength(1);
    expect((await listReceipts(service.store, 'default')).filter((r) => r.webhookId === 'msg_dup')).toHaveLength(1);
  });

  it('coalesces two events for one conversation, in either order, into one queued sync', async () => {
    const first = await postWebhook(endpoint, current, conversationEvent('criteria.evaluated', 'conv_two'));
    const second = await postWebhook(endpoint, current, conversationEvent('conversation.ended', 'conv_two'));
    expect([(await first.json()) as object, (await second.json()) as object]).toEqual([
      { status: 'enqueued', jobId: expect.any(String) },
      { status: 'coalesced' },
    ]);
    expect(await jobsFor('conv_two')).toHaveLength(1);
  });

  it('rejects a tampered body, a wrong secret, stale and future timestamps, and missing headers', async () => {
    const body = conversationEvent('conversation.ended', 'conv_bad');
    const signedElsewhere = await postWebhook(endpoint, newWebhookSecret(), body);
    expect(signedElsewhere.status).toBe(401);
    expect(await errorOf(signedElsewhere)).toMatchObject({ code: 'invalid_signature' });

    const signature = new Webhook(current).sign('msg_tampered', new Date(), body);
    const tampered = await postWebhook(endpoint, current, body.replace('conv_bad', 'conv_evil'), {
      id: 'msg_tampered',
      headers: { 'webhook-signature': signature },
    });
    expect(tampered.status).toBe(401);
    expect(await errorOf(tampered)).toMatchObject({ code: 'invalid_signature' });

    const stale = await postWebhook(endpoint, current, body, { at: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).toBe(401);
    expect(await errorOf(stale)).toEqual({ code: 'stale_timestamp', message: expect.stringMatching(/more than 5 minutes in the past/) });
    const future = await postWebhook(endpoint, current, body, { at: new Date(Date.now() + 6 * 60_000) });
    expect(await errorOf(future)).toEqual({ code: 'stale_timestamp', message: expect.stringMatching(/more than 5 minutes in the future/) });

    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const missing = await postWebhook(endpoint, current, body, { headers: { [header]: undefined } });
      expect(missing.status).toBe(401);
      expect(await errorOf(missing)).toEqual({ code: 'missing_signature_headers', message: `missing header: ${header}` });
    }
    expect(await jobsFor('conv_bad')).toHaveLength(0);
    expect(await jobsFor('conv_evil')).toHaveLength(0);
  });

  it('answers 400 with the reason for a validly signed body that is not a valid event', async () => {
    const notJson = await postWebhook(endpoint, current, '{"type": "conversation.ended",');
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('invalid_json');

    const noConversation = await postWebhook(
      endpoint,
      current,
      JSON.stringify({ type: 'conversation.ended', timestamp: new Date().toISOString(), data: { widget_id: 'wgt_test' } }),
    );
    expect(noConversation.status).toBe(400);
    expect(await errorOf(noConversation)).toEqual({ code: 'invalid_event', message: expect.stringContaining('data.conversation_id:') });

    const noTimestamp = await postWebhook(endpoint, current, JSON.stringify({ type: 'conversation.ended', data: {} }));
    expect(await errorOf(noTimestamp)).toEqual({ code: 'invalid_event', message: expect.stringContaining('timestamp:') });
  });

  it('acknowledges an unknown event type with 202, logs it, and enqueues nothing', async () => {
    const response = await postWebhook(
      endpoint,
      current,
      JSON.stringify({ type: 'widget.updated', timestamp: new Date().toISOString(), data: { widget_id: 'wgt_test' } }),
      { id: 'msg_unknown' },
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'ignored', reason: 'event type widget.updated is not one the connector consumes' });
    expect(logLines.some((l) => l.webhookId === 'msg_unknown' && /webhook ignored/.test(l.msg))).toBe(true);
  });

  it('ignores events of a widget whose binding is disabled', async () => {
    await upsertBinding(service.store, { installationId: 'default', widgetId: 'wgt_off', mappingFile: null, enabled: false });
    const response = await postWebhook(endpoint, current, conversationEvent('conversation.ended', 'conv_off', 'wgt_off'));
    expect(await response.json()).toEqual({ status: 'ignored', reason: "widget wgt_off's binding is disabled" });
    expect(await jobsFor('conv_off')).toHaveLength(0);
  });

  it('answers 413 for a body over the limit', async () => {
    const huge = conversationEvent('conversation.ended', 'conv_huge').replace('}}', `, "pad": "${'x'.repeat(MAX_BODY)}"}}`);
    const response = await postWebhook(endpoint, current, huge);
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toEqual({ code: 'payload_too_large', message: `body is over the limit of ${MAX_BODY} bytes (WEBHOOK_MAX_BODY_BYTES)` });
  });

  it('routes /webhooks/platform/:installationId by installation, each with its own secret; 404 for an unknown one', async () => {
    const otherSecret = newWebhookSecret();
    const other = await upsertInstallation(service.store, service.box, {
      name: 'acme',
      crm: 'hubspot',
      crmSettings: {},
      crmCredentials: { accessToken: 'pat-acme' },
      platform: { apiUrl: 'http://127.0.0.1:9', apiKey: 'sk_acme', webhookSecrets: [otherSecret] },
    });
    await upsertBinding(service.store, { installationId: other.id, widgetId: 'wgt_acme', mappingFile: 'acme.yaml', enabled: true });
    const url = `${endpoint}/${other.id}`;
    expect((await postWebhook(url, current, conversationEvent('conversation.ended', 'conv_acme', 'wgt_acme'))).status).toBe(401);
    expect((await postWebhook(url, otherSecret, conversationEvent('conversation.ended', 'conv_acme', 'wgt_acme'))).status).toBe(202);
    expect(await jobsFor('conv_acme', other.id)).toHaveLength(1);
    const unbound = await postWebhook(url, otherSecret, conversationEvent('conversation.ended', 'conv_acme2', 'wgt_elsewhere'));
    expect(await unbound.json()).toEqual({ status: 'ignored', reason: 'widget wgt_elsewhere is not bound to this installation' });

    const unknown = await postWebhook(`${endpoint}/inst_nope`, current, conversationEvent('conversation.ended', 'conv_x'));
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toEqual({ code: 'installation_not_found', message: 'no installation "inst_nope"' });
  });

  it('never writes a secret to the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const logged = JSON.stringify(logLines);
    for (const secret of [current, previous, 'sk_test', 'pat-test']) expect(logged).not.toContain(secret.replace('whsec_', ''));
  });
});
