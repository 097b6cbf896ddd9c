/**
 * The product end to end, through real HTTP: the platform sandbox ends 500 conversations and
 * signs webhooks (about 30% delivered twice, `criteria.evaluated` often before
 * `conversation.ended`) to the connector (`startService` with its production dependencies), which
 * syncs them into the HubSpot sandbox at its real 100-per-10-s limit. The CRM state is checked
 * against what the shipped mapping says each conversation should produce.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { freePort } from '../../src/demo/free-port.ts';
import { waitForSyncs, type SyncWaitResult } from '../../src/demo/sync-settled.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox, type PortalState } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { DEFAULT_INSTALLATION } from '../../src/store/single-tenant.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';
import { countBy, expectedPlans, recordOf } from '../support/expected-plans.ts';

const CONVERSATIONS = 500;
const root = path.resolve(import.meta.dirname, '../..');
const MAPPING_FILE = 'mappings/hubspot.default.yaml';

describe.each(storeBackends())('HubSpot sync of $name store: 500 conversations through both sandboxes', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let service: RunningService;
  let conversations: Conversation[];
  let plans: Map<string, WritePlan>;
  let outcome: SyncWaitResult;
  let state: PortalState;

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: 100 } });
    const secret = newWebhookSecret();
    const port = await freePort();
    platform = await startPlatformSandbox(
      {
        conversations: 0,
        seed: 7,
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
        CRM: 'hubspot',
        HUBSPOT_API_URL: hubspot.url,
        HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
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
      timeoutMs: 150_000,
    });
    state = hubspot.state();
  }, 200_000);

  afterAll(async () => {
    await service?.close();
    await platform?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('delivered duplicates, and every conversation ends synced', () => {
    expect(platform.webhookStats()).toMatchObject({ failed: 0 });
    expect(platform.webhookStats().duplicates).toBeGreaterThan(CONVERSATIONS * 0.2);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.unsettled).toEqual([]);
    const statuses = countBy([...outcome.records.values()], (r) => r.status);
    expect(Object.fromEntries(statuses)).toEqual({ synced: CONVERSATIONS });
  });

  it('has exactly one contact per distinct email that qualifies for a contact', () => {
    const expected = new Set(
      conversations.flatMap((c) => {
        const match = recordOf(plans.get(c.id), 'contact')?.match;
        return match ? [match.value.toLowerCase()] : [];
      }),
    );
    expect(expected.size).toBeGreaterThan(100);
    // Returning visitors sometimes type their email capitalised: still one contact.
    expect(conversations.some((c) => /[A-Z]/.test(String(c.extracted_data.email ?? '')))).toBe(true);
    const contacts = countBy(state.objects.contacts, (c) => c.properties.email?.toLowerCase());
    expect(new Set(contacts.keys())).toEqual(expected);
    expect([...contacts.values()].every((n) => n === 1)).toBe(true);
    expect(state.objects.contacts).toHaveLength(expected.size);
  });

  it('has one deal per qualifying conversation, keyed by its id', () => {
    const expected = new Set(conversations.filter((c) => recordOf(plans.get(c.id), 'deal')).map((c) => c.id));
    expect(expected.size).toBeGreaterThan(100);
    const deals = countBy(state.objects.deals, (d) => d.properties.crm_connector_conversation_id);
    expect(new Set(deals.keys())).toEqual(expected);
    expect(state.objects.deals).toHaveLength(expected.size);
  });

  it('attaches each transcript note to its contact and its deal, states the facts once, and writes no note twice', () => {
    const contactByEmail = new Map(state.objects.contacts.map((c) => [c.properties.email?.toLowerCase(), c.id]));
    const dealByConversation = new Map(state.objects.deals.map((d) => [d.properties.crm_connector_conversation_id, d.id]));
    const notesById = new Map(state.objects.notes.map((n) => [n.id, n]));
    let expectedNotes = 0;
    let split = 0;
    for (const conversation of conversations) {
      const plan = plans.get(conversation.id);
      const written = outcome.records.get(conversation.id)?.crmObjects.transcript_note;
      if (!recordOf(plan, 'transcript_note')) {
        expect(written, conversation.id).toBeUndefined();
        continue;
      }
      const parts = written?.partIds ?? (written ? [written.id] : []);
      expect(parts.length, conversation.id).toBeGreaterThan(0);
      if (parts.length > 1) split += 1;
      expectedNotes += parts.length;
      const email = recordOf(plan, 'contact')?.match?.value.toLowerCase();
      const contactId = email === undefined ? undefined : contactByEmail.get(email);
      const dealId = recordOf(plan, 'deal') ? dealByConversation.get(conversation.id) : undefined;
      // The mapping's summary states the facts; the platform export's heading and facts list are left out.
      const body = notesById.get(parts[0]!)?.properties.hs_note_body ?? '';
      expect(body.match(/Outcome:<\/strong>/g), conversation.id).toHaveLength(1);
      expect(body, conversation.id).not.toContain('<h1');
      for (const part of parts) {
        const note = notesById.get(part);
        expect(note, `${conversation.id} note ${part}`).toBeDefined();
        expect(note?.associations.contacts?.map((a) => a.id) ?? [], conversation.id).toEqual(contactId ? [contactId] : []);
        expect(note?.associations.deals?.map((a) => a.id) ?? [], conversation.id).toEqual(dealId ? [dealId] : []);
      }
    }
    expect(split).toBeGreaterThan(0); // long pasted documents: notes over 65,536 characters come in parts
    expect(state.objects.notes).toHaveLength(expectedNotes);
  });

  it('stays inside the 100-per-10-s limit without a single 429', () => {
    expect(state.stats.rateLimited, `requests by endpoint: ${JSON.stringify(state.stats.byEndpoint)}`).toEqual({ total: 0, tenSecondly: 0, secondly: 0 });
    expect(state.stats.tooManyRequests).toBe(0);
    expect(state.stats.maxRequestsInTenSeconds).toBeLessThanOrEqual(100);
  });
});
