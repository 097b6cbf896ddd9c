/**
 * Forgetting a conversation end to end: conversations synced by the real service (webhooks, the
 * mapping engine, the HubSpot adapter) into the HubSpot sandbox, then forgotten. Checked in the
 * sandbox's state and the store: notes and deal archived (or the deal redacted), contact and
 * company kept (the contact's connector properties cleared), the sync record and webhook receipts
 * gone, an anonymised audit row left, the platform's DELETE on request, and a later backfill
 * refusing to bring the conversation back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dryRunBackfill } from '../../src/backfill/dry-run.ts';
import { startBackfills } from '../../src/backfill/service.ts';
import { createHubSpotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { forgetDependencies } from '../../src/forget/dependencies.ts';
import { forgetConversation, type ForgetDependencies } from '../../src/forget/forget.ts';
import { sharedOutboundGuard } from '../../src/net/outbound-guard.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { getForgotten } from '../../src/store/forgotten-conversations.ts';
import { getSyncRecord, type SyncRecord } from '../../src/store/sync-records.ts';
import { listReceipts } from '../../src/store/webhook-receipts.ts';
import { SYNC_QUEUE } from '../../src/sync/sync-job.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { conversationEvent, newWebhookSecret, postWebhook, testConfig, waitFor } from '../support/sync-harness.ts';

const silent = createLogger({ level: 'silent' });

/** The default HubSpot mapping, plus the contact's "latest conversation" property, so the contact policy has something to clear. */
async function mappingsWithContactConversationId(dir: string): Promise<void> {
  const mapping = await readFile(path.resolve('mappings/hubspot.default.yaml'), 'utf8');
  const marker = '\n  deal:\n';
  if (!mapping.includes(marker)) throw new Error('mappings/hubspot.default.yaml no longer has a deal object after the contact');
  const extended = mapping.replace(marker, `\n      crm_connector_conversation_id:\n        source: id\n${marker}`);
  await writeFile(path.join(dir, 'hubspot.default.yaml'), extended);
}

describe.each(storeBackends())('forget on $name', (backend) => {
  let environment: StoreEnvironment;
  let mappingsDir: string;
  let platform: PlatformSandbox;
  let hubspot: HubSpotSandbox;
  let service: RunningService;
  let deps: ForgetDependencies;
  const secret = newWebhookSecret();
  let deleted: Conversation;
  let kept: Conversation;
  let other: Conversation;
  const written = new Map<string, SyncRecord>();

  const config = () =>
    testConfig({
      ...environment.env,
      PLATFORM_API_URL: platform.url,
      PLATFORM_API_KEY: platform.apiKey,
      PLATFORM_WEBHOOK_SECRET: secret,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
      HUBSPOT_API_URL: hubspot.url,
      MAPPINGS_DIR: mappingsDir,
    });
  const key = (c: Conversation) => ({ installationId: 'default', conversationId: c.id });
  const deliver = async (type: string, c: Conversation) => {
    const response = await postWebhook(`${service.url}/webhooks/platform`, secret, conversationEvent(type, c.id, c.widget_id));
    expect(response.status).toBe(202);
  };
  const objectIds = (type: 'notes' | 'deals' | 'contacts' | 'companies') => hubspot.state().objects[type].map((o) => o.id);
  const noteIdsOf = (r: SyncRecord) => r.crmObjects.transcript_note!.partIds ?? [r.crmObjects.transcript_note!.id];

  beforeAll(async () => {
    environment = await backend.create();
    mappingsDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-mappings-'));
    await mappingsWithContactConversationId(mappingsDir);
    platform = await startPlatformSandbox({ conversations: 60, seed: 5, extractionDelayMs: 0 }, silent);
    hubspot = await startHubSpotSandbox({ port: 0 });
    service = await startService({ config: config(), logger: silent });
    const { portalId, privateAppToken } = hubspot.defaultPortal;
    const adapter = createHubSpotAdapter({
      portalId,
      basePath: hubspot.url,
      appBaseUrl: hubspot.url,
      batchWindowMs: 5,
      tokens: { getAccessToken: async () => privateAppToken },
      log: silent,
    });
    deps = { ...forgetDependencies(service, silent, sharedOutboundGuard(config().outbound)), adapterFor: () => adapter };

    // Three visitors (distinct emails) whose conversations get a deal under the default mapping.
    const qualifying = platform.store
      .list({}, null, 1_000)
      .rows.filter((c) => c.outcome === 'completed' && c.criteria_results.collected_contact_info?.passed && typeof c.extracted_data.email === 'string');
    const byEmail = new Map(qualifying.map((c) => [c.extracted_data.email, c]));
    [deleted, kept, other] = [...byEmail.values()] as [Conversation, Conversation, Conversation];
    expect(other, 'the sandbox history has three qualifying visitors').toBeDefined();
    for (const c of [deleted, kept, other]) {
      await deliver('conversation.ended', c);
      await deliver('criteria.evaluated', c);
    }
    await waitFor('the syncs to settle', async () => {
      const jobs = await service.boss.findJobs(SYNC_QUEUE);
      const records = await Promise.all([deleted, kept, other].map((c) => getSyncRecord(service.store, key(c))));
      return jobs.every((j) => j.state === 'completed') && records.every((r) => r?.status === 'synced');
    });
    for (const c of [deleted, kept, other]) written.set(c.id, (await getSyncRecord(service.store, key(c)))!);
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await platform?.close();
    await environment?.dispose();
    if (mappingsDir) await rm(mappingsDir, { recursive: true, force: true });
  });

  it('deletes the notes and the deal, keeps the contact and company, clears what came from the conversation', async () => {
    const before = written.get(deleted.id)!;
    const contact = hubspot.state().objects.contacts.find((c) => c.id === before.crmObjects.contact!.id)!;
    expect(contact.properties.crm_connector_conversation_id).toBe(deleted.id);

    const report = await forgetConversation(deps, undefined, deleted.id);

    const [inst] = report.installations;
    expect(report.installations).toHaveLength(1);
    expect(Object.fromEntries(inst!.objects.map((o) => [o.key, o.action]))).toEqual({
      transcript_note: 'deleted',
      deal: 'deleted',
      contact: 'redacted',
      company: 'kept',
    });
    expect(inst!.stored).toMatchObject({ syncRecord: true, webhookReceipts: 2 });
    expect(inst!.stored.queueJobs).toBeGreaterThan(0);
    for (const id of noteIdsOf(before)) expect(objectIds('notes')).not.toContain(id);
    expect(objectIds('deals')).not.toContain(before.crmObjects.deal!.id);
    expect(objectIds('companies')).toContain(before.crmObjects.company!.id);
    const after = hubspot.state().objects.contacts.find((c) => c.id === before.crmObjects.contact!.id);
    expect(after?.properties.email).toBe(contact.properties.email);
    expect(after?.properties.crm_connector_conversation_id || undefined).toBeUndefined();

    // The other conversations are untouched.
    for (const c of [kept, other]) {
      const record = written.get(c.id)!;
      expect(objectIds('deals')).toContain(record.crmObjects.deal!.id);
      for (const id of noteIdsOf(record)) expect(objectIds('notes')).toContain(id);
    }
  });

  it('deletes the stored copy and leaves only an anonymised audit row', async () => {
    expect(await getSyncRecord(service.store, key(deleted))).toBeUndefined();
    const receipts = await listReceipts(service.store, 'default');
    expect(receipts.filter((r) => r.conversationId === deleted.id)).toEqual([]);
    expect(receipts.filter((r) => r.conversationId === kept.id)).toHaveLength(2);
    expect(await service.boss.findJobs(SYNC_QUEUE, { data: { conversationId: deleted.id } })).toEqual([]);

    expect(await getForgotten(service.store, key(deleted))).toMatchObject({
      status: 'forgotten',
      dealPolicy: 'delete',
      platformDeleted: false,
      crmSummary: { notes: { deleted: 1 }, deals: { deleted: 1 }, contacts: { redacted: 1 }, companies: { kept: 1 } },
    });
    const audit = await service.store.query('SELECT * FROM forgotten_conversations');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(deleted.id);
  });

  it('ignores a late webhook for a forgotten conversation, keeping no trace of its id', async () => {
    const response = await postWebhook(`${service.url}/webhooks/platform`, secret, conversationEvent('criteria.evaluated', deleted.id, deleted.widget_id));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'ignored' });
    expect(await getSyncRecord(service.store, key(deleted))).toBeUndefined();
    const receipts = await listReceipts(service.store, 'default');
    expect(receipts.filter((r) => r.conversationId === deleted.id)).toEqual([]);
    expect(await service.boss.findJobs(SYNC_QUEUE, { data: { conversationId: deleted.id } })).toEqual([]);
  });

  it('with --keep-deal keeps the deal redacted, and with --also-platform deletes it upstream, keeping the usage record anonymised', async () => {
    const before = written.get(kept.id)!;
    const deal = hubspot.state().objects.deals.find((d) => d.id === before.crmObjects.deal!.id)!;
    expect(deal.properties.description).toBeTruthy();

    const report = await forgetConversation(deps, 'default', kept.id, { keepDeal: true, alsoPlatform: true });

    expect(report.installations[0]).toMatchObject({ platform: 'deleted' });
    expect(report.installations[0]!.objects.find((o) => o.key === 'deal')).toMatchObject({ action: 'redacted' });
    const redacted = hubspot.state().objects.deals.find((d) => d.id === before.crmObjects.deal!.id);
    expect(redacted?.properties.dealname).toBe(deal.properties.dealname);
    expect(redacted?.properties.description || undefined).toBeUndefined();
    expect(redacted?.properties.crm_connector_conversation_id || undefined).toBeUndefined();
    expect(redacted?.properties.crm_connector_page_url || undefined).toBeUndefined();
    for (const id of noteIdsOf(before)) expect(objectIds('notes')).not.toContain(id);

    expect(platform.store.has(kept.id)).toBe(false);
    expect(platform.store.usage().filter((u) => u.conversation_id === null)).toHaveLength(1);
    expect(await getForgotten(service.store, key(kept))).toMatchObject({ dealPolicy: 'redact', platformDeleted: true });
  });

  it('says when there is nothing left to forget, and is idempotent for a given installation', async () => {
    await expect(forgetConversation(deps, undefined, deleted.id)).rejects.toThrow(
      `the connector holds nothing about conversation ${deleted.id} (no sync record, webhook receipt or queued sync)`,
    );
    const again = await forgetConversation(deps, 'default', deleted.id);
    expect(again.installations[0]).toMatchObject({ alreadyForgotten: true, objects: [], stored: { syncRecord: false, webhookReceipts: 0 } });
  });

  it('refuses clearly for a CRM that cannot forget yet, keeping the sync record that lists what to remove', async () => {
    const noForget = { ...deps, adapterFor: () => ({ crm: 'salesforce' as const, execute: async () => [], ensureSchema: async () => {} }) };
    const record = written.get(other.id)!;
    await expect(forgetConversation(noForget, 'default', other.id)).rejects.toThrow(
      new RegExp(`^forgetting is not supported yet for hubspot: nothing was deleted there.*The connector wrote: .*deals ${record.crmObjects.deal!.id}`),
    );
    expect(await getSyncRecord(service.store, key(other))).toMatchObject({ status: 'synced' });
    expect(await getForgotten(service.store, key(other))).toMatchObject({ status: 'forgetting' });
    expect(objectIds('deals')).toContain(record.crmObjects.deal!.id);
  });

  it('keeps a backfill from bringing a forgotten conversation back', async () => {
    const backfills = await startBackfills(config(), service, { logger: silent, interruptAs: 'running', watch: false });
    try {
      const report = await dryRunBackfill(backfills.runtime, 'default', { since: '2000-01-01' });
      // Forgotten, and being forgotten.
      expect(report.skipped.forgotten).toBe(2);
      // The other was deleted on the platform: no longer listed at all.
      expect(report.seen).toBe(59);
    } finally {
      await backfills.close();
    }
  });
});
