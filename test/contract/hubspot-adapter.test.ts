/**
 * Contract tests of the HubSpot adapter's request shapes: exact paths, bodies and headers of
 * every call, and how few calls a batch costs.
 */
import nock from 'nock';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { HubSpotApi } from '../../src/crm/hubspot/api.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { log } from '../../src/log.ts';
import {
  CallLog, conversationPlan, echoAssociations, echoBatch, fresh, happyHubSpot, HUBSPOT, testAdapter, TOKEN,
} from './hubspot-fixtures.ts';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('HubSpot adapter request shapes', () => {
  it('writes contact, deal, note and association with the documented bodies', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();

    const [result] = await adapter.execute([fresh(conversationPlan('conv_1', { email: '  Ada@Example.COM ' }))]);

    // Records first (contacts and deals concurrently), then the note, then the associations (concurrently).
    const paths = calls.paths();
    expect(paths.slice(0, 2).sort()).toEqual(['POST /crm/v3/objects/contacts/batch/upsert', 'POST /crm/v3/objects/deals/batch/upsert']);
    expect(paths[2]).toBe('POST /crm/v3/objects/notes/batch/upsert');
    expect(paths.slice(3).sort()).toEqual([
      'POST /crm/v4/associations/deals/contacts/batch/associate/default',
      'POST /crm/v4/associations/notes/contacts/batch/associate/default',
      'POST /crm/v4/associations/notes/deals/batch/associate/default',
    ]);
    for (const call of calls.calls) expect(call.authorization).toBe(`Bearer ${TOKEN}`);

    expect(calls.to('contacts/batch/upsert')[0]!.body).toEqual({
      inputs: [{
        idProperty: 'email', id: 'ada@example.com',
        properties: { firstname: 'Ada', email: 'ada@example.com' },
        objectWriteTraceId: 'conv_1/contact',
      }],
    });
    expect(calls.to('deals/batch/upsert')[0]!.body).toEqual({
      inputs: [{
        idProperty: 'crm_connector_conversation_id', id: 'conv_1',
        properties: {
          dealname: 'Website conversation conv_1', dealstage: 'appointmentscheduled', crm_connector_credits: '127',
          crm_connector_conversation_id: 'conv_1',
        },
        objectWriteTraceId: 'conv_1/deal',
      }],
    });
    expect(result!.ok).toBe(true);
    if (!result!.ok) return;
    const { contact, deal, transcript_note: note } = result!.objects;
    // Upserted on the connector's part key: a retry after an ambiguous failure finds this note.
    expect(calls.to('notes/batch/upsert')[0]!.body).toEqual({
      inputs: [{
        idProperty: 'crm_connector_note_key', id: 'conv_1:transcript_note:1',
        properties: {
          hs_timestamp: '2026-04-10T12:36:07Z',
          hs_note_body: '<p><strong>Transcript</strong></p><p><strong>Agent:</strong> Hi!</p>',
        },
        objectWriteTraceId: 'conv_1/transcript_note/1',
      }],
    });
    expect(calls.to('deals/contacts/batch/associate/default')[0]!.body).toEqual({ inputs: [{ from: { id: deal!.id }, to: { id: contact!.id } }] });
    expect(calls.to('notes/contacts/batch/associate/default')[0]!.body).toEqual({ inputs: [{ from: { id: note!.id }, to: { id: contact!.id } }] });
    expect(calls.to('notes/deals/batch/associate/default')[0]!.body).toEqual({ inputs: [{ from: { id: note!.id }, to: { id: deal!.id } }] });

    const portalId = adapter.portalId;
    expect(contact).toEqual({ object: 'contacts', id: contact!.id, url: `https://app.hubspot.com/contacts/${portalId}/record/0-1/${contact!.id}` });
    expect(deal!.url).toBe(`https://app.hubspot.com/contacts/${portalId}/record/0-3/${deal!.id}`);
    expect(note).toEqual({ object: 'notes', id: note!.id });
    limiters.close();
  });

  it('builds the SDK client without its Bottleneck limiter or retries', () => {
    const limiters = new AccountRateLimiter();
    const api = new HubSpotApi({
      basePath: HUBSPOT, tokens: { getAccessToken: async () => TOKEN }, limiter: limiters.forAccount('hubspot', '1', { default: { intervalCap: 1, intervalMs: 1 } }),
      backoff: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, maxRateLimitWaits: 0, requestTimeoutMs: 1_000, policyWindowsMs: {}, log,
    });
    expect(api.sdkConfig.limiterOptions).toBeUndefined();
    expect(api.sdkConfig.numberOfApiCallRetries).toBe(0);
    expect(api.sdkConfig.accessToken).toBeUndefined();
    limiters.close();
  });

  it('micro-batches 150 concurrent jobs into a handful of calls, deduplicating emails', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();
    // 150 conversations from 75 visitors: each visitor came twice and gave a new first name the second time.
    const plans = Array.from({ length: 150 }, (_, i) =>
      conversationPlan(`conv_${i}`, { email: `visitor${i % 75}@example.com`, firstname: { value: `Name${i}`, policy: 'always' } }));

    const results = (await Promise.all(plans.map((plan) => adapter.execute([fresh(plan)])))).flat();

    expect(results.every((r) => r.ok)).toBe(true);
    const upserts = calls.to('contacts/batch/upsert');
    // maxPlansPerBatch 100: batch one holds conversations 0–99 (75 emails), batch two 100–149 (50 emails).
    expect(calls.calls).toHaveLength(12); // per batch: contacts, deals, notes, deal→contact, note→contact, note→deal associations
    expect(upserts.map((c) => c.body.inputs.length)).toEqual([75, 50]);
    const first = upserts[0]!.body.inputs.find((i: any) => i.id === 'visitor0@example.com');
    expect(first.properties.firstname).toBe('Name75'); // the later conversation's `always` value wins
    for (const call of calls.calls) expect(call.body.inputs.length).toBeLessThanOrEqual(100);
    // Both conversations of one visitor point at the same contact.
    const contactOf = (i: number) => (results[i]!.ok ? results[i]!.objects.contact!.id : undefined);
    expect(contactOf(0)).toBe(contactOf(75));
    limiters.close();
  });

  it('reads current values first and leaves if_empty properties that HubSpot already has', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    nock(HUBSPOT).post('/crm/v3/objects/contacts/batch/read').reply(calls.answer((body) => [207, {
      status: 'COMPLETE',
      results: [{ id: '501', properties: { email: 'known@example.com', firstname: 'Grace', hs_object_id: '501' } }],
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: [body.inputs[1].id] } }],
      numErrors: 1,
    }]));
    const { adapter, limiters } = testAdapter();

    const results = await adapter.execute([
      fresh(conversationPlan('conv_a', { email: 'known@example.com', firstname: { value: 'Ada', policy: 'if_empty' } })),
      fresh(conversationPlan('conv_b', { email: 'new@example.com', firstname: { value: 'Alan', policy: 'if_empty' } })),
    ]);

    expect(calls.paths()[0]).toBe('POST /crm/v3/objects/contacts/batch/read');
    expect(calls.calls[0]!.body).toEqual({
      idProperty: 'email', inputs: [{ id: 'known@example.com' }, { id: 'new@example.com' }],
      properties: ['email', 'firstname'], propertiesWithHistory: [],
    });
    const upsert = calls.to('contacts/batch/upsert')[0]!.body.inputs;
    expect(upsert.find((i: any) => i.id === 'known@example.com').properties).toEqual({ email: 'known@example.com' });
    expect(upsert.find((i: any) => i.id === 'new@example.com').properties).toEqual({ firstname: 'Alan', email: 'new@example.com' });
    expect(results[0]!.ok && results[0]!.notes).toContain('kept the existing contacts value of firstname (if_empty)');
    expect(results[1]!.ok).toBe(true);
    limiters.close();
  });

  it('splits a transcript over 65,536 characters into ordered, well-formed notes', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();
    const turn = (i: number) => `<p><strong>${i % 2 ? 'Visitor' : 'Agent'}:</strong> ${'We need vegan catering for fifty guests &amp; a terrace. '.repeat(20)}</p>`;
    const html = `<h2>Conversation</h2>${Array.from({ length: 150 }, (_, i) => turn(i)).join('')}<ul>${'<li>item</li>'.repeat(5_000)}</ul>`;
    expect(html.length).toBeGreaterThan(2 * 65_536);

    const [result] = await adapter.execute([fresh(conversationPlan('conv_long', { noteHtml: html }))]);

    const inputs = calls.to('notes/batch/upsert')[0]!.body.inputs as any[];
    const count = inputs.length;
    expect(count).toBe(Math.ceil(html.length / 65_000)); // parts are nearly full: no space wasted
    inputs.forEach((input, i) => {
      const body: string = input.properties.hs_note_body;
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(body.startsWith(`<p><strong>Transcript (part ${i + 1} of ${count})</strong></p>`)).toBe(true);
      expect(body.match(/<p>/g)?.length).toBe(body.match(/<\/p>/g)?.length); // never cut mid-element
      expect(body.match(/<ul>/g)?.length ?? 0).toBe(body.match(/<\/ul>/g)?.length ?? 0);
      expect(body).not.toMatch(/&amp(?!;)|&am$|<[^>]*$/);
      expect(input.objectWriteTraceId).toBe(`conv_long/transcript_note/${i + 1}`);
      expect(input).toMatchObject({ idProperty: 'crm_connector_note_key', id: `conv_long:transcript_note:${i + 1}` });
    });
    // Nothing lost, nothing reordered: the parts without their headings are the original HTML.
    const rejoined = inputs.map((i) => (i.properties.hs_note_body as string).replace(/^<p><strong>Transcript \(part \d of \d\)<\/strong><\/p>/, '')).join('');
    expect(rejoined.replace(/<\/ul><ul>/g, '')).toBe(html);
    expect(result!.ok).toBe(true);
    if (result!.ok) {
      expect(result!.objects.transcript_note!.partIds).toEqual(inputs.map(() => expect.any(String)));
      expect(result!.notes).toContain(`transcript_note: transcript split into ${count} notes`);
    }
    limiters.close();
  });

  it('truncates with a visible marker and a link back when configured to', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter({ noteOverflow: 'truncate' });
    const html = '<p>word </p>'.repeat(10_000);

    await adapter.execute([fresh(conversationPlan('conv_trunc', { noteHtml: html }))]);

    const inputs = calls.to('notes/batch/upsert')[0]!.body.inputs as any[];
    expect(inputs).toHaveLength(1);
    const body: string = inputs[0].properties.hs_note_body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/<p><em>Transcript truncated: [\d,]+ of 120,000 characters shown\.<\/em> <a href="https:\/\/platform\.example\/conversations\/conv_trunc">Open the full conversation<\/a><\/p>$/);
    limiters.close();
  });

  it('updates the note and skips known associations when re-syncing with previous ids', async () => {
    const calls = new CallLog();
    happyHubSpot(calls);
    const { adapter, limiters } = testAdapter();
    const plan = conversationPlan('conv_again');

    const [first] = await adapter.execute([fresh(plan)]);
    expect(first!.ok).toBe(true);
    if (!first!.ok) return;
    calls.calls.length = 0;
    // The contact upsert answers with the same id as before (HubSpot matches on the email).
    nock.cleanAll();
    nock(HUBSPOT)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(calls.answer((body) => [200, { status: 'COMPLETE', results: [{ id: first!.objects.contact!.id, properties: body.inputs[0].properties, objectWriteTraceId: body.inputs[0].objectWriteTraceId }] }]))
      .post('/crm/v3/objects/deals/batch/upsert').reply(calls.answer((body) => [200, { status: 'COMPLETE', results: [{ id: first!.objects.deal!.id, properties: body.inputs[0].properties, objectWriteTraceId: body.inputs[0].objectWriteTraceId }] }]))
      .post('/crm/v3/objects/notes/batch/update').reply(calls.answer(echoBatch));

    const [again] = await adapter.execute([{ plan, previous: first!.objects }]);

    expect(calls.paths().sort()).toEqual([
      'POST /crm/v3/objects/contacts/batch/upsert',
      'POST /crm/v3/objects/deals/batch/upsert',
      'POST /crm/v3/objects/notes/batch/update',
    ]);
    expect(calls.to('notes/batch/update')[0]!.body).toEqual({
      inputs: [{
        id: first!.objects.transcript_note!.id,
        properties: { hs_timestamp: '2026-04-10T12:36:07Z', hs_note_body: '<p><strong>Transcript</strong></p><p><strong>Agent:</strong> Hi!</p>' },
        objectWriteTraceId: 'conv_again/transcript_note/1',
      }],
    });
    expect(again!.ok && again!.objects.transcript_note!.id).toBe(first!.objects.transcript_note!.id);
    limiters.close();
  });

  it('matches companies on domain by search, updating found ones and creating the rest', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/v3/objects/companies/search').reply(calls.answer(() => [200, {
        total: 2,
        results: [
          { id: '900', properties: { domain: 'northwind.example', industry: null } },
          { id: '700', properties: { domain: 'northwind.example', industry: 'FOOD' } },
        ],
      }]))
      .post('/crm/v3/objects/companies/batch/update').reply(calls.answer(echoBatch))
      .post('/crm/v3/objects/companies/batch/create').reply(calls.answer(echoBatch));
    const { adapter, limiters } = testAdapter();
    const companyPlan = (id: string, domain: string) => ({
      crm: 'hubspot' as const, conversationId: id, mapping: { file: 'm.yaml', version: '1' }, skipped: [],
      records: [{
        key: 'company', role: 'company' as const, object: 'companies',
        match: { property: 'domain', value: domain, origin: { file: 'm.yaml', line: 3, column: 1, path: 'objects.company.match' } },
        properties: {
          name: { value: domain, policy: 'always' as const, origin: { file: 'm.yaml', line: 4, column: 1, path: 'objects.company.properties.name' } },
          industry: { value: 'RESTAURANTS', policy: 'if_empty' as const, origin: { file: 'm.yaml', line: 5, column: 1, path: 'objects.company.properties.industry' } },
        },
        associations: [],
      }],
    });

    const results = await adapter.execute([fresh(companyPlan('c1', 'Northwind.example')), fresh(companyPlan('c2', 'fabrikam.example'))]);

    expect(calls.calls[0]!.body).toEqual({
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'IN', values: ['northwind.example', 'fabrikam.example'] }] }],
      properties: ['domain', 'industry'], limit: 200,
    });
    // The oldest duplicate (id 700) is updated, and its industry is kept (if_empty).
    expect(calls.to('batch/update')[0]!.body).toEqual({ inputs: [{ id: '700', properties: { name: 'Northwind.example' }, objectWriteTraceId: 'c1/company' }] });
    expect(calls.to('batch/create')[0]!.body).toEqual({
      inputs: [{ properties: { name: 'fabrikam.example', industry: 'RESTAURANTS', domain: 'fabrikam.example' }, associations: [], objectWriteTraceId: 'c2/company' }],
    });
    expect(results.map((r) => r.ok && r.objects.company!.url)).toEqual([
      `https://app.hubspot.com/contacts/${adapter.portalId}/record/0-2/700`,
      expect.stringMatching(/\/record\/0-2\/\d+$/),
    ]);
    limiters.close();
  });

  it('uses date-versioned paths when apiVersion is set', async () => {
    const calls = new CallLog();
    nock(HUBSPOT)
      .post('/crm/objects/2026-03/contacts/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/objects/2026-03/notes/batch/upsert').reply(calls.answer(echoBatch))
      .post('/crm/associations/2026-03/notes/contacts/batch/associate/default').reply(calls.answer(echoAssociations));
    const { adapter, limiters } = testAdapter({ apiVersion: '2026-03' });

    const [result] = await adapter.execute([fresh(conversationPlan('conv_dated', { withDeal: false }))]);

    expect(result!.ok).toBe(true);
    expect(calls.calls).toHaveLength(3);
    limiters.close();
  });

  it('creates its property group and properties once, tolerating 409 from a concurrent installer', async () => {
    const calls = new CallLog();
    const created = (body: any) => [201, { ...body, createdAt: '2026-04-10T12:00:00Z', archived: false }] as const;
    const scope = nock(HUBSPOT)
      .get('/crm/v3/properties/contacts/groups').reply(calls.answer(() => [200, { results: [{ name: 'contactinformation', label: 'Contact information' }] }]))
      .post('/crm/v3/properties/contacts/groups').reply(calls.answer(() => [409, { status: 'error', category: 'CONFLICT', message: 'A property group named crm_connector already exists.' }]))
      .get('/crm/v3/properties/contacts').reply(calls.answer(() => [200, { results: [{ name: 'email' }, { name: 'crm_connector_outcome' }] }]))
      .post('/crm/v3/properties/contacts').times(5).reply(calls.answer(created))
      .get('/crm/v3/properties/deals/groups').reply(calls.answer(() => [200, { results: [{ name: 'crm_connector' }] }]))
      .get('/crm/v3/properties/deals').reply(calls.answer(() => [200, { results: [{ name: 'dealname' }] }]))
      .post('/crm/v3/properties/deals').reply(calls.answer(() => [409, {
        status: 'error', category: 'OBJECT_ALREADY_EXISTS', message: 'Property crm_connector_conversation_id already exists',
      }]))
      .post('/crm/v3/properties/deals').times(5).reply(calls.answer(created))
      .get('/crm/v3/properties/notes/groups').reply(calls.answer(() => [200, { results: [] }]))
      .post('/crm/v3/properties/notes/groups').reply(calls.answer(created))
      .get('/crm/v3/properties/notes').reply(calls.answer(() => [200, { results: [{ name: 'hs_note_body' }] }]))
      .post('/crm/v3/properties/notes').reply(calls.answer(created))
      .get('/crm/v3/properties/calls/groups').reply(calls.answer(() => [200, { results: [{ name: 'crm_connector' }] }]))
      .get('/crm/v3/properties/calls').reply(calls.answer(() => [200, { results: [{ name: 'crm_connector_note_key' }] }]));
    const { adapter, limiters } = testAdapter();

    await Promise.all([adapter.ensureSchema(), adapter.ensureSchema()]);
    await adapter.ensureSchema();
    // Another adapter instance for the same portal in this process does not ask again.
    const { adapter: twin, limiters: twinLimiters } = testAdapter({ portalId: adapter.portalId });
    await twin.ensureSchema();

    expect(scope.isDone()).toBe(true);
    expect(calls.calls).toHaveLength(22);
    expect(calls.to('/properties/contacts/groups').find((c) => c.method === 'POST')!.body).toEqual({ name: 'crm_connector', label: 'Conversation connector', displayOrder: -1 });
    const contactProps = calls.calls.filter((c) => c.method === 'POST' && c.path === '/crm/v3/properties/contacts').map((c) => c.body);
    expect(contactProps.map((p) => p.name)).toEqual([
      'crm_connector_conversation_id', 'crm_connector_criteria_summary', 'crm_connector_credits', 'crm_connector_duration_seconds', 'crm_connector_page_url',
    ]);
    const dealProps = calls.calls.filter((c) => c.method === 'POST' && c.path === '/crm/v3/properties/deals').map((c) => c.body);
    expect(dealProps[0]).toEqual({
      name: 'crm_connector_conversation_id', label: 'Conversation ID', groupName: 'crm_connector', type: 'string', fieldType: 'text',
      description: expect.any(String), hasUniqueValue: true,
    });
    expect(dealProps.find((p) => p.name === 'crm_connector_outcome')).toMatchObject({
      type: 'enumeration', fieldType: 'select',
      options: [{ label: 'Completed', value: 'completed', displayOrder: 0 }, { label: 'Abandoned', value: 'abandoned', displayOrder: 1 }, { label: 'Error', value: 'error', displayOrder: 2 }],
    });
    expect(contactProps.every((p) => p.hasUniqueValue === undefined)).toBe(true);
    // Notes (and calls) get the unique part key the adapter upserts transcript parts on.
    expect(calls.calls.filter((c) => c.method === 'POST' && c.path === '/crm/v3/properties/notes').map((c) => c.body)).toEqual([{
      name: 'crm_connector_note_key', label: 'Transcript part key', groupName: 'crm_connector', type: 'string', fieldType: 'text',
      description: expect.any(String), hasUniqueValue: true,
    }]);
    limiters.close();
    twinLimiters.close();
  });

  it('does not memoise a failed schema setup', async () => {
    nock(HUBSPOT).get('/crm/v3/properties/contacts/groups').reply(403, {
      status: 'error', message: 'This app hasn\'t been granted all required scopes to make this call.', category: 'MISSING_SCOPES',
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.schemas.contacts.write'] } }],
    });
    const { adapter, limiters } = testAdapter();

    await expect(adapter.ensureSchema()).rejects.toMatchObject({ kind: 'auth', code: 'MISSING_SCOPES' });
    nock(HUBSPOT).get('/crm/v3/properties/contacts/groups').reply(500, { status: 'error', message: 'again' }).persist();
    await expect(adapter.ensureSchema()).rejects.toMatchObject({ kind: 'retryable', status: 500 });
    limiters.close();
  });
});
