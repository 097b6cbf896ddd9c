/**
 * The HubSpot adapter against the HubSpot sandbox (real HTTP, the unmodified SDK): schema
 * setup, a micro-batched backlog, a split transcript and a re-sync, checked in the sandbox's state.
 * The sandbox answers batches in reverse order, so matching results by position would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotAdapter, type HubSpotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { conversationPlan, fresh } from '../contract/hubspot-fixtures.ts';

let sandbox: HubSpotSandbox;
let adapter: HubSpotAdapter;
const limiters = new AccountRateLimiter();

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, reverseBatchResults: true });
  const { portalId, privateAppToken } = sandbox.defaultPortal;
  adapter = createHubSpotAdapter({
    portalId, basePath: sandbox.url, appBaseUrl: sandbox.url, limiters, batchWindowMs: 5,
    tokens: { getAccessToken: async () => privateAppToken },
  });
});
afterAll(async () => {
  limiters.close();
  await sandbox?.close();
});

describe('HubSpot adapter ↔ sandbox', () => {
  it('creates its properties, then writes a backlog in a few calls', async () => {
    await adapter.ensureSchema();
    const dealProperty = sandbox.state().customProperties.deals.find((p) => p.name === 'crm_connector_conversation_id');
    expect(dealProperty).toMatchObject({ hasUniqueValue: true, groupName: 'crm_connector' });
    const before = sandbox.stats().totalRequests;

    const long = `<p>${'Could you cater a vegan wedding for 120 guests? '.repeat(2_000)}</p>`.repeat(2);
    const plans = Array.from({ length: 40 }, (_, i) => conversationPlan(`conv_${i}`, {
      email: `visitor${i % 30}@example.com`,
      firstname: { value: `Name${i}`, policy: 'if_empty' },
      ...(i === 7 ? { noteHtml: long } : {}),
    }));
    const results = (await Promise.all(plans.map((plan) => adapter.execute([fresh(plan)])))).flat();

    expect(results.filter((r) => !r.ok)).toEqual([]);
    const state = sandbox.state();
    expect(state.objects.contacts).toHaveLength(30);
    expect(state.objects.deals).toHaveLength(40);
    const parts = results[7]!.ok ? results[7]!.objects.transcript_note!.partIds! : [];
    expect(parts.length).toBeGreaterThan(1);
    expect(state.objects.notes).toHaveLength(39 + parts.length);
    // if_empty: the first conversation of a visitor named the contact; the second did not rename it.
    const visitor0 = state.objects.contacts.find((c) => c.properties.email === 'visitor0@example.com')!;
    expect(visitor0.properties.firstname).toBe('Name0');
    // Each result points at its own deal, and its note is linked to that deal and the contact.
    for (const [i, result] of results.entries()) {
      if (!result.ok) continue;
      const deal = state.objects.deals.find((d) => d.id === result.objects.deal!.id)!;
      expect(deal.properties.crm_connector_conversation_id).toBe(`conv_${i}`);
      const note = state.objects.notes.find((n) => n.id === result.objects.transcript_note!.id)!;
      expect(note.associations.deals?.map((a) => a.id)).toEqual([deal.id]);
      expect(note.associations.contacts?.map((a) => a.id)).toEqual([result.objects.contact!.id]);
    }
    // Every note part holds its unique key, so a retried write finds it instead of adding one.
    expect(new Set(state.objects.notes.map((n) => n.properties.crm_connector_note_key)).size).toBe(state.objects.notes.length);
    // One batch of 40: read + upsert contacts, upsert deals, upsert notes, associate deals→contacts, notes→contacts, notes→deals.
    expect(sandbox.stats().totalRequests - before).toBe(7);
    expect(sandbox.stats().rateLimited.total).toBe(0);
  });

  it('updates the same note on a re-sync instead of adding one', async () => {
    const plan = conversationPlan('conv_resync');
    const [first] = await adapter.execute([fresh(plan)]);
    const notesBefore = sandbox.state().objects.notes.length;
    if (!first!.ok) throw new Error(first!.error.describe());

    const [again] = await adapter.execute([{ plan, previous: first!.objects }]);

    expect(again!.ok).toBe(true);
    expect(sandbox.state().objects.notes).toHaveLength(notesBefore);
    expect(again!.ok && again!.objects.transcript_note!.id).toBe(first!.objects.transcript_note!.id);
  });
});
