/**
 * The Salesforce adapter, unpatched jsforce over real sockets, against the Salesforce sandbox:
 * the default mapping's plan for a conversation is written, re-synced without duplicates, and
 * survives an expired session (refresh with rotation) and a daily allocation that runs out.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult, WrittenObject } from '../../src/crm/adapter.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { createSalesforceAdapter, type SalesforceAdapter } from '../../src/crm/salesforce/adapter.ts';
import type { RotatedTokens } from '../../src/crm/salesforce/session.ts';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { evaluateMapping } from '../../src/mapping/evaluate.ts';
import { loadMappingFile } from '../../src/mapping/load.ts';
import { Conversation } from '../../src/platform/schemas.ts';
import { renderTranscriptMarkdown } from '../../src/transcript/render-turns.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';

const root = path.resolve(import.meta.dirname, '../..');
let sandbox: SalesforceSandbox;
let mappedPlan: WritePlan;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, host: '127.0.0.1', dailyLimit: 40 });
  const loaded = await loadMappingFile(path.join(root, 'mappings/salesforce.default.yaml'), 'mappings/salesforce.default.yaml');
  if (!loaded.ok) throw new Error(`default mapping does not load: ${JSON.stringify(loaded.problems)}`);
  const conversation = Conversation.parse(JSON.parse(await readFile(path.join(root, 'test/fixtures/conversations/catering-complete.json'), 'utf8')));
  mappedPlan = evaluateMapping(loaded.mapping, conversation, { markdown: renderTranscriptMarkdown(conversation.transcript) }, { transcriptUrl: 'https://platform.example/c/1' });
});

afterAll(async () => {
  await sandbox?.close();
});

function adapterFor(org: { orgId: string; instanceUrl: string; accessToken: string; refreshToken: string; clientId: string }) {
  const rotated: RotatedTokens[] = [];
  const reconnect: string[] = [];
  const client = sandbox.oauthClients.find((c) => c.clientId === org.clientId)!;
  const adapter: SalesforceAdapter = createSalesforceAdapter({
    orgId: org.orgId,
    instanceUrl: org.instanceUrl,
    tokens: { accessToken: org.accessToken, refreshToken: org.refreshToken, clientId: client.clientId, clientSecret: client.clientSecret, loginUrl: sandbox.url },
    onTokensRotated: (tokens) => { rotated.push(tokens); },
    onNeedsReconnection: (reason) => { reconnect.push(reason); },
    limiter: new AccountRateLimiter(),
    backoff: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    budget: { share: 1 },
  });
  return { adapter, rotated, reconnect };
}

const succeeded = (result: ExecutionResult | undefined) => {
  if (!result?.ok) throw new Error(`sync failed: ${result ? result.error.describe() : 'no result'}`);
  return result;
};

describe('Salesforce adapter against the sandbox', () => {
  it('writes the default mapping\'s plan, then re-syncs it in place after the session expired', async () => {
    const org = sandbox.createOrg();
    const { adapter, rotated } = adapterFor(org);
    await adapter.ensureSchema();
    const plan = mappedPlan;

    const first = succeeded((await adapter.execute([{ plan, previous: {} }]))[0]);
    expect(Object.keys(first.objects).sort()).toEqual(['lead', 'opportunity', 'transcript_note', 'transcript_task']);
    const state = sandbox.state(org.orgId).records;
    expect(state.Lead).toHaveLength(1);
    expect(state.Lead![0]).toMatchObject({ Id: first.objects.lead!.id, Email: 'jane.doe@contoso.example', FirstName: 'Jane', LastName: 'Doe' });
    expect(state.Opportunity![0]).toMatchObject({ Id: first.objects.opportunity!.id, Conversation_Id__c: 'conv_catering_001' });
    expect(state.Task![0]).toMatchObject({ WhoId: first.objects.lead!.id, Status: 'Completed', TaskSubtype: 'Call' });
    expect(state.Task![0]).not.toHaveProperty('WhatId', expect.any(String));

    expect(state.ContentDocumentLink).toHaveLength(2);
    const note = Buffer.from(String(state.ContentNote![0]!.Content), 'base64').toString('utf8');
    expect(note).toContain('Jane');
    expect(note).not.toMatch(/\n|&nbsp;|&apos;/);

    sandbox.expireTokens(org.orgId);
    const previous: Record<string, WrittenObject> = first.objects;
    const second = succeeded((await adapter.execute([{ plan, previous }]))[0]);
    expect(rotated).toHaveLength(1);
    expect(second.objects.transcript_task!.id).toBe(first.objects.transcript_task!.id);
    expect(second.objects.transcript_note!.id).toBe(first.objects.transcript_note!.id);
    const after = sandbox.state(org.orgId).records;
    for (const type of ['Lead', 'Opportunity', 'Task', 'ContentNote', 'ContentDocumentLink']) {
      expect(after[type]?.length, type).toBe(state[type]?.length);
    }
  });

  it('creates the connector fields an org lacks through the Tooling API, then writes them', async () => {
    const org = sandbox.createOrg({ withoutFields: ['Opportunity.Credits_Charged__c', 'Opportunity.Duration_Seconds__c'] });
    const { adapter } = adapterFor(org);
    const usedBefore = sandbox.state(org.orgId).apiUsage.used;

    const result = succeeded((await adapter.execute([{ plan: forVisitor(mappedPlan, 'conv_tooling_1', 'tooling@example.com'), previous: {} }]))[0]);

    const opportunity = sandbox.state(org.orgId).records.Opportunity![0]!;
    expect(opportunity).toMatchObject({ Id: result.objects.opportunity!.id, Credits_Charged__c: expect.any(Number), Duration_Seconds__c: expect.any(Number) });
    const describes = await adapter.describe(['Opportunity']);
    const outcome = describes.get('Opportunity');
    const fields = outcome?.ok ? outcome.describe.fields.map((f) => f.name) : [];
    expect(fields).toEqual(expect.arrayContaining(['Credits_Charged__c', 'Duration_Seconds__c']));
    // Describe (cached before), two Tooling creates, describe again, lookups, writes: the creates are the extra calls.
    expect(sandbox.stats(org.orgId).byFamily.tooling).toBe(2);
    expect(sandbox.state(org.orgId).apiUsage.used - usedBefore).toBeGreaterThan(2);

    // Creating a field that exists is refused the way Salesforce refuses it.
    const again = await fetch(`${sandbox.url}/services/data/v62.0/tooling/sobjects/CustomField`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ FullName: 'Opportunity.Credits_Charged__c', Metadata: { label: 'Credits Charged', type: 'Number', precision: 18, scale: 0 } }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual([expect.objectContaining({ errorCode: 'DUPLICATE_DEVELOPER_NAME' })]);
  });

  it('forgets a conversation: deletes its Task, note and opportunity, keeps the person; again, finds nothing left', async () => {
    const org = sandbox.createOrg();
    const { adapter } = adapterFor(org);
    const written = succeeded((await adapter.execute([{ plan: forVisitor(mappedPlan, 'conv_forget_1', 'forget@example.com'), previous: {} }]))[0]);

    const forgotten = await adapter.forget({ conversationId: 'conv_forget_1', objects: written.objects, deal: 'delete' });

    expect(Object.fromEntries(forgotten.objects.map((o) => [o.key, o.action]))).toEqual({
      lead: 'kept', opportunity: 'deleted', transcript_task: 'deleted', transcript_note: 'deleted',
    });
    const records = sandbox.state(org.orgId).records;
    expect(records.Lead).toHaveLength(1);
    for (const type of ['Opportunity', 'Task', 'ContentNote', 'ContentDocumentLink']) expect(records[type], type).toEqual([]);
    const again = await adapter.forget({ conversationId: 'conv_forget_1', objects: written.objects, deal: 'delete' });
    expect(again.objects.filter((o) => o.key !== 'lead').map((o) => o.action)).toEqual(['missing', 'missing', 'missing']);
  });

  it('forgets with the opportunity kept: its description and connector fields cleared, another conversation\'s opportunity untouched', async () => {
    const org = sandbox.createOrg();
    const { adapter } = adapterFor(org);
    const written = succeeded((await adapter.execute([{ plan: forVisitor(mappedPlan, 'conv_redact_1', 'redact@example.com'), previous: {} }]))[0]);
    const other = succeeded((await adapter.execute([{ plan: forVisitor(mappedPlan, 'conv_redact_2', 'redact2@example.com'), previous: {} }]))[0]);

    const forgotten = await adapter.forget({
      conversationId: 'conv_redact_1',
      // A sync record naming another conversation's opportunity must not get it cleared.
      objects: { ...written.objects, stray: other.objects.opportunity! },
      deal: 'redact',
    });

    expect(forgotten.objects.find((o) => o.key === 'opportunity')?.action).toBe('redacted');
    expect(forgotten.objects.find((o) => o.key === 'stray')?.action).toBe('kept');
    const opportunities = new Map(sandbox.state(org.orgId).records.Opportunity!.map((o) => [o.Id, o]));
    const redacted = opportunities.get(written.objects.opportunity!.id)!;
    expect(redacted).toMatchObject({ Conversation_Id__c: null, Description: null, Page_URL__c: null, Credits_Charged__c: null });
    expect(opportunities.get(other.objects.opportunity!.id)).toMatchObject({ Conversation_Id__c: 'conv_redact_2' });
  });

  it('writes a backlog with sObject Collections, one visitor of two conversations as one Lead', async () => {
    const org = sandbox.createOrg();
    const { adapter } = adapterFor(org);
    const base = mappedPlan;
    // Describes are read once per org and cached for an hour: count the writes of a warm adapter.
    await adapter.describe(['Contact', ...base.records.map((r) => r.object)]);
    const plans = Array.from({ length: 25 }, (_, i) => forVisitor(base, `conv_backlog_${i}`, `visitor${i === 24 ? 3 : i}@example.com`));
    const usedBefore = sandbox.state(org.orgId).apiUsage.used;

    const results = await adapter.execute(plans.map((plan) => ({ plan, previous: {} })));

    expect(results.map((r) => (r.ok ? 'ok' : r.error.describe())).filter((r) => r !== 'ok')).toEqual([]);
    expect(adapter.stats().lastStrategy).toBe('collections');
    const records = sandbox.state(org.orgId).records;
    expect(records.Lead).toHaveLength(24);
    expect(records.Opportunity).toHaveLength(25);
    expect(records.Task).toHaveLength(25);
    expect(records.ContentDocumentLink).toHaveLength(50);
    // One Composite call for the lookups, then Lead, Opportunity, Task, ContentNote and link Collections.
    expect(sandbox.state(org.orgId).apiUsage.used - usedBefore).toBe(6);
  });

  it('stops at its share of the daily allocation and resumes when the window has room', async () => {
    let now = Date.now();
    const org = sandbox.createOrg();
    const client = sandbox.oauthClients[0]!;
    const adapter = createSalesforceAdapter({
      orgId: org.orgId,
      instanceUrl: org.instanceUrl,
      tokens: { accessToken: org.accessToken, refreshToken: org.refreshToken, clientId: client.clientId, clientSecret: client.clientSecret, loginUrl: sandbox.url },
      limiter: new AccountRateLimiter(),
      budget: { share: 0.25, checkIntervalMs: 60_000 },
      now: () => now,
    });
    const base = mappedPlan;
    let outcome: ExecutionResult | undefined;
    for (let i = 0; i < 10; i++) {
      [outcome] = await adapter.execute([{ plan: forVisitor(base, `conv_budget_${i}`, `budget${i}@example.com`), previous: {} }]);
      if (!outcome?.ok) break;
    }
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'retryable', code: 'DAILY_API_SHARE_USED' } });
    const used = sandbox.state(org.orgId).apiUsage.used;
    expect(used).toBeGreaterThanOrEqual(10);
    expect(used).toBeLessThan(40);

    sandbox.resetUsage(org.orgId);
    now += 60_000;
    const [resumed] = await adapter.execute([{ plan: forVisitor(base, 'conv_budget_last', 'budget-last@example.com'), previous: {} }]);
    expect(succeeded(resumed).objects.lead).toBeDefined();
  });
});

/** The plan of the same conversation for another visitor and conversation id. */
function forVisitor(base: WritePlan, conversationId: string, email: string): WritePlan {
  const json = JSON.stringify(base)
    .replaceAll(JSON.stringify(base.conversationId), JSON.stringify(conversationId))
    .replaceAll('jane.doe@contoso.example', email);
  return JSON.parse(json) as WritePlan;
}
