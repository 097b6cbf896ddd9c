import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../src/crm/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { upsertInstallation } from '../../src/store/installations.ts';
import { getSyncRecord, type SyncRecord } from '../../src/store/sync-records.ts';
import { ANY_WIDGET, upsertBinding } from '../../src/store/widget-bindings.ts';
import { retrySyncs } from '../../src/sync/retry.ts';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import {
  RecordingAdapter,
  conversationEvent,
  newWebhookSecret,
  postWebhook,
  testConfig,
  testDependencies,
  waitFor,
} from '../support/sync-harness.ts';

const EXTRACTION_DELAY_MS = 1500;

describe.each(storeBackends())('sync jobs on $name', (backend) => {
  let environment: StoreEnvironment;
  let platform: PlatformSandbox;
  let service: RunningService | undefined;
  const adapter = new RecordingAdapter();
  const secret = newWebhookSecret();
  const acmeSecret = newWebhookSecret();
  let acmeId: string;

  const config = () =>
    testConfig({
      ...environment.env,
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'pat-test',
      SYNC_EXTRACTION_WAIT_SECONDS: '4',
      SYNC_RETRY_LIMIT: '1',
      SYNC_BATCH_SIZE: '20',
    });
  const start = async (role: 'web' | 'all') => {
    service = await startService({ config: config(), role, deps: testDependencies(adapter), logger: createLogger({ level: 'silent' }) });
    return service;
  };
  const stop = async () => {
    await service?.close();
    service = undefined;
  };
  const running = () => {
    if (!service) throw new Error('the service is not running');
    return service;
  };
  const deliver = async (type: string, conversation: Conversation, options: { id?: string; installationId?: string } = {}) => {
    const url = `${running().url}/webhooks/platform${options.installationId ? `/${options.installationId}` : ''}`;
    const response = await postWebhook(url, options.installationId ? acmeSecret : secret, conversationEvent(type, conversation.id, conversation.widget_id), {
      id: options.id,
    });
    expect(response.ok).toBe(true);
  };
  const record = (conversationId: string, installationId = 'default') => getSyncRecord(running().store, { installationId, conversationId });
  const settled = (conversationId: string, status: SyncRecord['status'], installationId = 'default') =>
    waitFor(`${conversationId} to be ${status}`, async () => {
      const r = await record(conversationId, installationId);
      return r?.status === status ? r : undefined;
    });
  const drained = () =>
    waitFor('the sync queue to drain', async () => {
      const jobs = await running().boss.findJobs(SYNC_QUEUE);
      return jobs.every((j) => j.state === 'completed' || j.state === 'failed' || j.state === 'cancelled');
    });
  /** Conversations that ended ten minutes ago: extraction is long done (or will never come). */
  const pastConversations = (count: number) => platform.simulate(count, { at: new Date(Date.now() - 600_000), outcome: 'completed' });

  beforeAll(async () => {
    environment = await backend.create();
    platform = await startPlatformSandbox({ conversations: 0, extractionDelayMs: EXTRACTION_DELAY_MS }, createLogger({ level: 'silent' }));
  });
  afterAll(async () => {
    await stop();
    await platform?.close();
    await environment?.dispose();
  });

  describe('a backlog', () => {
    let defaults: Conversation[];
    let acme: Conversation[];
    let outOfOrder: Conversation;
    let rejected: Conversation;

    beforeAll(async () => {
      // Webhooks arrive while no worker runs, as after an outage: the worker then finds a backlog.
      const web = await start('web');
      acmeId = (
        await upsertInstallation(web.store, web.box, {
          name: 'acme',
          crm: 'hubspot',
          crmSettings: {},
          crmCredentials: { accessToken: 'pat-acme' },
          platform: { apiUrl: platform.url, apiKey: platform.apiKey, webhookSecrets: [acmeSecret] },
        })
      ).id;
      await upsertBinding(web.store, { installationId: acmeId, widgetId: ANY_WIDGET, mappingFile: 'acme.yaml', enabled: true });
      [outOfOrder, rejected, ...defaults] = pastConversations(7) as [Conversation, Conversation, ...Conversation[]];
      acme = pastConversations(3);
      for (const c of defaults) await deliver('conversation.ended', c);
      for (const c of acme) await deliver('conversation.ended', c, { installationId: acmeId });
      await deliver('criteria.evaluated', outOfOrder, { id: 'msg_late_criteria' });
      await deliver('conversation.ended', outOfOrder, { id: 'msg_ended' });
      await deliver('conversation.ended', outOfOrder, { id: 'msg_ended' });
      await deliver('conversation.ended', rejected);
      adapter.failures.set(rejected.id, new CrmError('permanent', 'Property "guest_count" value "fifty" is not a number', { status: 400, code: 'INVALID_NUMBER' }));
      await stop();
      await start('all');
      await drained();
    });

    it('is written with one adapter call per installation, not one per conversation', () => {
      const sizes = adapter.batches.map((batch) => batch.length).sort();
      expect(sizes).toEqual([3, 7]);
      for (const batch of adapter.batches) {
        const ids = new Set(batch.map((e) => e.plan.conversationId));
        const ofAcme = acme.some((c) => ids.has(c.id));
        expect(ofAcme ? acme.every((c) => ids.has(c.id)) : !acme.some((c) => ids.has(c.id))).toBe(true);
      }
    });

    it('syncs out-of-order and repeated events for one conversation once', () => {
      expect(adapter.executionsOf(outOfOrder.id)).toHaveLength(1);
    });

    it('records what was written for each conversation, under the right installation and mapping', async () => {
      for (const c of [outOfOrder, ...defaults]) {
        expect(await record(c.id)).toMatchObject({
          status: 'synced',
          attempts: 1,
          widgetId: c.widget_id,
          crmObjects: { contact: { object: 'contacts' }, transcript_note: { object: 'notes' } },
          mappingFile: 'test-mapping.yaml',
        });
      }
      for (const c of acme) expect(await record(c.id, acmeId)).toMatchObject({ status: 'synced', mappingFile: 'acme.yaml' });
      const [execution] = adapter.executionsOf(defaults[0]!.id);
      expect(execution?.plan.records[1]?.body?.text).toContain(`# Conversation ${defaults[0]!.id}`);
    });

    it("dead-letters a permanent failure with the CRM's reason, without failing the others in its batch", async () => {
      const failed = await record(rejected.id);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed?.lastError).toBe('permanent failure: CRM permanent error: INVALID_NUMBER: Property "guest_count" value "fifty" is not a number');
      const [dead] = await running().boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: { conversationId: rejected.id }, queued: true });
      expect(dead).toMatchObject({ sourceName: SYNC_QUEUE, sourceOutput: { error: failed?.lastError } });
    });

    it('re-runs failed syncs with retry --failed, and empties the dead-letter queue', async () => {
      adapter.failures.delete(rejected.id);
      const report = await retrySyncs(running().store, running().boss, { failed: true });
      expect(report).toEqual({ requeued: [{ installationId: 'default', conversationId: rejected.id }], alreadyQueued: [] });
      expect(await settled(rejected.id, 'synced')).toMatchObject({ lastError: null, lastTrigger: 'retry', attempts: 2 });
      expect(await running().boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { queued: true })).toEqual([]);
    });

    it('re-syncs a conversation as an update of what it wrote, never a duplicate', async () => {
      const before = await record(defaults[1]!.id);
      await deliver('criteria.evaluated', defaults[1]!);
      await settled(defaults[1]!.id, 'synced');
      await waitFor('the re-sync', async () => adapter.executionsOf(defaults[1]!.id).length === 2);
      const [, again] = adapter.executionsOf(defaults[1]!.id);
      expect(again?.previous).toEqual(before?.crmObjects);
      expect((await record(defaults[1]!.id))?.crmObjects).toEqual(before?.crmObjects);
    });
  });

  describe('live conversations', () => {
    it('waits for extraction that is still running, then syncs what it produced', async () => {
      // Some generated conversations never get extraction; take one that will.
      const live = platform.simulate(5, { outcome: 'completed' }).find((c) => Object.keys(c.extracted_data).length > 0);
      if (!live) throw new Error('the sandbox generated no conversation with extraction');
      const expected = Object.keys(live.extracted_data).sort().join(',');
      await deliver('conversation.ended', live);
      await waitFor('the wait for extraction to be recorded', async () => (await record(live.id))?.status === 'waiting_for_extraction');
      const synced = await settled(live.id, 'synced');
      expect(synced.attempts).toBe(1);
      const [execution] = adapter.executionsOf(live.id);
      expect(execution?.plan.records[0]?.properties.extracted_fields?.value).toBe(expected);
      expect(synced.notes).toEqual([]);
    });

    it('syncs without extraction once the wait is over, saying so', async () => {
      const [never] = platform.simulate(1, { outcome: 'completed' }) as [Conversation];
      platform.store.delete(never.id);
      platform.store.insert({ ...never, extracted_data: {}, criteria_results: {} });
      await deliver('conversation.ended', never);
      const synced = await settled(never.id, 'synced');
      expect(synced.notes).toEqual([expect.stringMatching(/still empty 4s after the conversation ended; synced without them/)]);
      expect(adapter.executionsOf(never.id)).toHaveLength(1);
    });

    it('retries a retryable failure with backoff, then dead-letters it after the retry budget', async () => {
      const [flaky] = pastConversations(1) as [Conversation];
      adapter.failures.set(flaky.id, new CrmError('retryable', 'HubSpot answered 502', { status: 502 }));
      await deliver('conversation.ended', flaky);
      const failed = await settled(flaky.id, 'failed');
      expect(failed).toMatchObject({ attempts: 2, lastError: 'gave up after 2 attempts: CRM retryable error: HubSpot answered 502' });
      expect(adapter.executionsOf(flaky.id)).toHaveLength(2);
      expect(await running().boss.findJobs(SYNC_DEAD_LETTER_QUEUE, { data: { conversationId: flaky.id }, queued: true })).toHaveLength(1);

      adapter.failures.delete(flaky.id);
      expect((await retrySyncs(running().store, running().boss, { conversationId: flaky.id })).requeued).toHaveLength(1);
      await settled(flaky.id, 'synced');
    });

    it('marks a conversation the platform no longer has as skipped (deleted on the platform), not retried', async () => {
      await postWebhook(`${running().url}/webhooks/platform`, secret, conversationEvent('conversation.ended', 'conv_gone'));
      const skipped = await settled('conv_gone', 'skipped');
      expect(skipped.attempts).toBe(1);
      expect(skipped.lastError).toMatch(/^not on the platform .*404/);
      expect(adapter.executionsOf('conv_gone')).toHaveLength(0);
    });
  });

  describe('shutdown', () => {
    it('stops taking webhooks and lets the job in hand finish', async () => {
      const [slow] = pastConversations(1) as [Conversation];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const execute = adapter.execute.bind(adapter);
      adapter.execute = async (batch) => {
        if (batch.some((e) => e.plan.conversationId === slow.id)) await released;
        return execute(batch);
      };
      try {
        await deliver('conversation.ended', slow);
        await waitFor('the sync to start', async () => (await record(slow.id))?.status === 'syncing');
        const { url } = running();
        const closing = running().close();
        await waitFor('webhooks to be refused', async () => {
          const response = await postWebhook(`${url}/webhooks/platform`, secret, conversationEvent('conversation.ended', 'conv_late')).catch(() => undefined);
          return response === undefined || response.status === 503;
        });
        release();
        await closing;
        service = undefined;
      } finally {
        adapter.execute = execute;
      }
      await start('all');
      expect(await record(slow.id)).toMatchObject({ status: 'synced', attempts: 1 });
      expect(await record('conv_late')).toBeUndefined();
    });
  });
});
