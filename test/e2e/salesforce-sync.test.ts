/**
 * The product end to end into Salesforce, through real HTTP: the platform sandbox ends 300
 * conversations and signs webhooks (about 30% delivered twice, `criteria.evaluated` often before
 * `conversation.ended`) to the connector (`startService` with its production dependencies, a
 * single-tenant Salesforce installation), which syncs them into the Salesforce sandbox through
 * jsforce. The org's state is checked against what the shipped mapping says each conversation
 * should produce: one person per email, one opportunity per qualifying conversation, each
 * transcript as a completed Task and a ContentNote linked to the person and the opportunity.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { freePort } from '../../src/demo/free-port.ts';
import { waitForSyncs, type SyncWaitResult } from '../../src/demo/sync-settled.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';
import type { OrgState, OrgStats } from '../../src/sandbox/salesforce/inspect/org-state.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { DEFAULT_INSTALLATION } from '../../src/store/single-tenant.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';
import { countBy, expectedPlans, recordOf } from '../support/expected-plans.ts';

const CONVERSATIONS = 300;
const root = path.resolve(import.meta.dirname, '../..');
const MAPPING_FILE = 'mappings/salesforce.default.yaml';

describe.each(storeBackends())('Salesforce sync of $name store: 300 conversations through both sandboxes', (backend) => {
  let environment: StoreEnvironment;
  let salesforce: SalesforceSandbox;
  let platform: PlatformSandbox;
  let service: RunningService;
  let conversations: Conversation[];
  let plans: Map<string, WritePlan>;
  let outcome: SyncWaitResult;
  let records: OrgState['records'];
  let stats: OrgStats;

  beforeAll(async () => {
    environment = await backend.create();
    salesforce = await startSalesforceSandbox({ port: 0, log: createLogger({ level: 'silent' }) });
    const org = salesforce.defaultOrg;
    const client = salesforce.oauthClients[0]!;
    const secret = newWebhookSecret();
    const port = await freePort();
    platform = await startPlatformSandbox(
      {
        conversations: 0,
        seed: 11,
        extractionDelayMs: 300,
        webhook: { url: `http://127.0.0.1:${port}/webhooks/platform`, secret, duplicateRate: 0.3, reorder: true, retryDelayMs: 200 },
      },
      createLogger({ level: 'silent' }),
    );
    service = await startService({
      config: testConfig({
        ...environment.env,
        PORT: String(port),
        MAPPINGS_DIR: path.join(root, 'mappings'),
        PLATFORM_API_URL: platform.url,
        PLATFORM_API_KEY: platform.apiKey,
        PLATFORM_WEBHOOK_SECRET: secret,
        CRM: 'salesforce',
        SALESFORCE_INSTANCE_URL: org.instanceUrl,
        SALESFORCE_LOGIN_URL: salesforce.url,
        SALESFORCE_ACCESS_TOKEN: org.accessToken,
        SALESFORCE_REFRESH_TOKEN: org.refreshToken,
        SALESFORCE_CLIENT_ID: client.clientId,
        SALESFORCE_CLIENT_SECRET: client.clientSecret,
        SYNC_BATCH_SIZE: '100',
        SYNC_EXTRACTION_WAIT_SECONDS: '15',
      }),
      logger: createLogger({ level: 'silent' }),
    });

    conversations = platform.simulate(CONVERSATIONS, { spreadMs: 2_000 });
    plans = expectedPlans(MAPPING_FILE, conversations);
    outcome = await waitForSyncs(service, {
      installationId: DEFAULT_INSTALLATION,
      conversationIds: conversations.map((c) => c.id),
      deliveriesDone: platform.deliverPending(),
      timeoutMs: 120_000,
    });
    records = salesforce.state(org.orgId).records;
    stats = salesforce.stats(org.orgId);
  }, 180_000);

  afterAll(async () => {
    await service?.close();
    await platform?.close();
    await salesforce?.close();
    await environment?.dispose();
  });

  const people = () => [...(records.Lead ?? []), ...(records.Contact ?? [])];

  it('delivered duplicates, and every conversation ends synced', () => {
    expect(platform.webhookStats()).toMatchObject({ failed: 0 });
    expect(platform.webhookStats().duplicates).toBeGreaterThan(CONVERSATIONS * 0.2);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.unsettled).toEqual([]);
    const statuses = countBy([...outcome.records.values()], (r) => r.status);
    expect(Object.fromEntries(statuses)).toEqual({ synced: CONVERSATIONS });
  });

  it('has exactly one person (Lead or Contact) per distinct email, whatever its case', () => {
    const expected = new Set(
      conversations.flatMap((c) => {
        const match = recordOf(plans.get(c.id), 'lead')?.match;
        return match ? [match.value.toLowerCase()] : [];
      }),
    );
    expect(expected.size).toBeGreaterThan(60);
    expect(conversations.some((c) => /[A-Z]/.test(String(c.extracted_data.email ?? '')))).toBe(true);
    const byEmail = countBy(people(), (p) => String(p.Email).toLowerCase());
    expect(new Set(byEmail.keys())).toEqual(expected);
    expect([...byEmail.values()].every((n) => n === 1)).toBe(true);
  });

  it('has one opportunity per qualifying conversation, keyed by its id', () => {
    const expected = new Set(conversations.filter((c) => recordOf(plans.get(c.id), 'opportunity')).map((c) => c.id));
    expect(expected.size).toBeGreaterThan(60);
    const byConversation = countBy(records.Opportunity ?? [], (o) => String(o.Conversation_Id__c));
    expect(new Set(byConversation.keys())).toEqual(expected);
    expect(records.Opportunity).toHaveLength(expected.size);
  });

  it('logs each transcript as one completed Task and one ContentNote linked to the person and the opportunity', () => {
    const personByEmail = new Map(people().map((p) => [String(p.Email).toLowerCase(), String(p.Id)]));
    const opportunityByConversation = new Map((records.Opportunity ?? []).map((o) => [String(o.Conversation_Id__c), String(o.Id)]));
    const tasks = new Map((records.Task ?? []).map((t) => [String(t.Id), t]));
    const links = records.ContentDocumentLink ?? [];
    let expectedTasks = 0;
    let expectedNotes = 0;
    for (const conversation of conversations) {
      const plan = plans.get(conversation.id);
      const written = outcome.records.get(conversation.id)?.crmObjects ?? {};
      const email = recordOf(plan, 'lead')?.match?.value.toLowerCase();
      const personId = email === undefined ? undefined : personByEmail.get(email);
      const opportunityId = recordOf(plan, 'opportunity') ? opportunityByConversation.get(conversation.id) : undefined;
      expect(written.lead?.id, conversation.id).toBe(personId);
      expect(written.opportunity?.id, conversation.id).toBe(opportunityId);

      if (recordOf(plan, 'transcript_task')) {
        expectedTasks += 1;
        const task = tasks.get(written.transcript_task?.id ?? '');
        expect(task, conversation.id).toMatchObject({ Status: 'Completed', TaskSubtype: 'Call', CallDurationInSeconds: conversation.duration_seconds });
        // A Task on a Lead cannot also be related to an opportunity (Salesforce refuses WhatId with a Lead WhoId).
        if (personId) expect(task?.WhoId, conversation.id).toBe(personId);
        else expect(task?.WhatId, conversation.id).toBe(opportunityId);
      } else {
        expect(written.transcript_task, conversation.id).toBeUndefined();
      }

      if (recordOf(plan, 'transcript_note')) {
        expectedNotes += 1;
        const noteId = written.transcript_note?.id;
        expect(noteId, conversation.id).toBeDefined();
        const linked = links.filter((l) => l.ContentDocumentId === noteId).map((l) => String(l.LinkedEntityId)).sort();
        expect(linked, conversation.id).toEqual([personId, opportunityId].filter((id): id is string => id !== undefined).sort());
      } else {
        expect(written.transcript_note, conversation.id).toBeUndefined();
      }
    }
    expect(expectedNotes).toBeGreaterThan(60);
    expect(records.Task).toHaveLength(expectedTasks);
    expect(records.ContentNote).toHaveLength(expectedNotes);
  });

  it('never runs into REQUEST_LIMIT_EXCEEDED, and batches: far fewer calls than one conversation at a time', () => {
    expect(stats.refused.limitExceeded).toBe(0);
    expect(stats.apiUsage.used).toBe(stats.calls);
    // Live webhooks batch by arrival, so the count depends on timing: 130-190 calls on a quiet machine,
    // up to 415 with the rest of the suite on both cores. One conversation at a time costs about 4.4
    // calls each (1,300 here: bench:salesforce's naive baseline), so 1.5 per conversation still proves
    // the batching; the figures themselves are the benchmark's job.
    expect(stats.calls).toBeLessThan(CONVERSATIONS * 1.5);
  });
});
