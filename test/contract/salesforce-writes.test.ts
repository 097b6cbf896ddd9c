/**
 * The exact requests the Salesforce adapter sends for a conversation: the batched Contact/Lead
 * lookup (escaped SOQL), the one Composite call with references, the Collections calls of a
 * backlog, ContentNote HTML, links, and re-syncs that update instead of duplicating.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BODY, DATA, INSTANCE, LIMIT_HEADER, decodeNote, execution, interceptComposite, interceptDescribes, lookupAnswer, newRecorder,
  planFor, queried, setUpNock, soqlOf, sfId, succeeded, tearDownNock, testAdapter, writeAnswer, type CompositeSub,
} from './salesforce-helpers.ts';

beforeEach(setUpNock);
afterEach(tearDownNock);

const byRef = (subs: CompositeSub[]) => Object.fromEntries(subs.map((s) => [s.referenceId, s]));

describe('one new visitor', () => {
  it('looks up Contact and Lead in one call, then writes everything in one Composite call with references', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    interceptComposite(recorder, writeAnswer);

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_1', email: 'Ann.Lee@Example.com' }))]);

    expect(recorder.composites).toHaveLength(3);
    const [describes, lookups, writes] = recorder.composites as [CompositeSub[], CompositeSub[], CompositeSub[]];
    expect(describes.map((s) => `${s.method} ${s.url}`).sort()).toEqual(
      ['Contact', 'ContentNote', 'Lead', 'Opportunity', 'Task'].map((o) => `GET ${DATA}/sobjects/${o}/describe`),
    );
    expect(lookups.map(soqlOf)).toEqual([
      "SELECT Id, Email, LastModifiedDate, FirstName, LastName, LeadSource FROM Contact WHERE Email IN ('Ann.Lee@Example.com') ORDER BY LastModifiedDate DESC",
      "SELECT Id, Email, LastModifiedDate, FirstName, LastName, Company, LeadSource FROM Lead WHERE Email IN ('Ann.Lee@Example.com') AND IsConverted = false ORDER BY LastModifiedDate DESC",
      "SELECT Id, Conversation_Id__c, LastModifiedDate, Name, StageName, CloseDate FROM Opportunity WHERE Conversation_Id__c IN ('conv_1') ORDER BY LastModifiedDate DESC",
    ]);
    expect(lookups.every((s) => s.method === 'GET' && s.url.startsWith(`${DATA}/query?q=`))).toBe(true);

    expect(writes.map((s) => `${s.method} ${s.url}`)).toEqual([
      `POST ${DATA}/sobjects/Lead`,
      `PATCH ${DATA}/sobjects/Opportunity/Conversation_Id__c/conv_1`,
      `POST ${DATA}/sobjects/Task`,
      `POST ${DATA}/sobjects/ContentNote`,
      `POST ${DATA}/sobjects/ContentDocumentLink`,
      `POST ${DATA}/sobjects/ContentDocumentLink`,
    ]);
    const sub = byRef(writes);
    expect(sub.op0!.body).toEqual({ Email: 'Ann.Lee@Example.com', FirstName: 'Ann', LastName: 'Lee', Company: '[not provided]', LeadSource: 'Web' });
    expect(sub.op1!.body).toEqual({ Name: 'Website inquiry: Ann', StageName: 'Prospecting', CloseDate: '2026-06-15', Conversation_Outcome__c: 'completed' });
    // A Lead WhoId cannot have a WhatId: the opportunity is related through the note's link.
    expect(sub.op2!.body).toEqual({
      Subject: 'Website conversation with Ann Lee',
      Description: BODY.text,
      Status: 'Completed',
      ActivityDate: '2026-04-10',
      TaskSubtype: 'Call',
      CallDurationInSeconds: 127,
      WhoId: '@{op0.id}',
    });
    expect(sub.op3!.body).toEqual({ Title: 'Website conversation with Ann Lee', Content: expect.any(String) });
    expect(decodeNote(sub.op3!.body!.Content)).toBe(
      '<p><strong>Agent:</strong> Hi! Tom &amp; Jerry&#39;s catering\u00a0here.</p><p><strong>User:</strong> Do you cater <em>vegan</em>?</p>',
    );
    expect(sub.op4!.body).toEqual({ ContentDocumentId: '@{op3.id}', LinkedEntityId: '@{op0.id}', ShareType: 'I', Visibility: 'AllUsers' });
    expect(sub.op5!.body).toEqual({ ContentDocumentId: '@{op3.id}', LinkedEntityId: '@{op1.id}', ShareType: 'I', Visibility: 'AllUsers' });

    const written = succeeded(result);
    expect(Object.keys(written.objects)).toEqual(['lead', 'opportunity', 'transcript_task', 'transcript_note']);
    const lead = written.objects.lead!;
    expect(lead.object).toBe('Lead');
    expect(lead.id).toMatch(/^00Q/);
    expect(lead.url).toBe(`${INSTANCE}/lightning/r/Lead/${lead.id}/view`);
    const note = written.objects.transcript_note!;
    expect(note.url).toBe(`${INSTANCE}/lightning/r/ContentDocument/${note.id}/view`);
    expect(note.linkedTo).toEqual([lead.id, written.objects.opportunity!.id]);
    expect(written.notes).toEqual([
      'transcript_task: the Task is not related to opportunity (Salesforce allows no WhatId on a Task whose WhoId is a Lead); the transcript note is linked to it instead',
    ]);
    expect(adapter.stats()).toMatchObject({ callsSent: 3, lastStrategy: 'composite' });
  });

  it('costs two calls per conversation once the describes are cached', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    for (let i = 0; i < 2; i++) {
      interceptComposite(recorder, lookupAnswer({}));
      interceptComposite(recorder, writeAnswer);
    }
    await adapter.execute([execution(planFor({ conversationId: 'conv_a', email: 'a@example.com' }))]);
    const [second] = await adapter.execute([execution(planFor({ conversationId: 'conv_b', email: 'b@example.com' }))]);
    expect(second!.ok).toBe(true);
    expect(adapter.stats().callsSent).toBe(5);
  });

  it('escapes quotes and backslashes in the SOQL it sends', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    interceptComposite(recorder, writeAnswer);
    await adapter.execute([execution(planFor({ conversationId: "conv_'x", email: "o'brien\\@example.com", withoutDeal: true }))]);
    expect(soqlOf(recorder.composites[1]![0]!)).toContain("WHERE Email IN ('o\\'brien\\\\@example.com')");
  });
});

describe('matching existing people', () => {
  it('updates the most recently modified of several Contacts, leaving out Lead-only and already filled fields', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    const newest = sfId('003');
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({
      Contact: [
        queried('Contact', newest, { Email: 'ann.lee@example.com', LastModifiedDate: '2026-04-01T10:00:00.000+0000', FirstName: 'Annie', LastName: null, LeadSource: null }),
        queried('Contact', sfId('003'), { Email: 'ANN.LEE@example.com', LastModifiedDate: '2026-03-01T10:00:00.000+0000', FirstName: null, LastName: null, LeadSource: null }),
        queried('Contact', sfId('003'), { Email: 'ann.lee@example.com', LastModifiedDate: '2025-01-01T10:00:00.000+0000', FirstName: null, LastName: null, LeadSource: null }),
      ],
      Lead: [queried('Lead', sfId('00Q'), { Email: 'ann.lee@example.com', LastModifiedDate: '2026-04-09T10:00:00.000+0000' })],
    }));
    interceptComposite(recorder, writeAnswer);

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_2', email: 'Ann.Lee@example.com' }))]);

    const writes = byRef(recorder.composites[2]!);
    expect(writes.op0).toEqual({
      method: 'PATCH',
      url: `${DATA}/sobjects/Contact/${newest}`,
      referenceId: 'op0',
      // FirstName is filled already (if_empty); Company is a Lead field.
      body: { Email: 'Ann.Lee@example.com', LastName: 'Lee', LeadSource: 'Web' },
    });
    // A Contact WhoId can carry the opportunity as WhatId.
    expect(writes.op2!.body).toMatchObject({ WhoId: newest, WhatId: '@{op1.id}' });
    expect(writes.op4!.body).toMatchObject({ LinkedEntityId: newest });
    const written = succeeded(result);
    expect(written.objects.lead).toMatchObject({
      object: 'Contact',
      id: newest,
      note: 'matched the most recently modified of 3 Contacts with Email = Ann.Lee@example.com; not written (no such updateable Contact field): Company',
    });
    expect(written.notes).toEqual([`lead: ${written.objects.lead!.note}`]);
  });

  it('updates the one Lead with the email when there is no Contact', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    const lead = sfId('00Q');
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({
      Lead: [queried('Lead', lead, { Email: 'ann@example.com', LastModifiedDate: '2026-04-09T10:00:00.000+0000', FirstName: 'Ann', LastName: 'Lee', Company: 'Acme', LeadSource: 'Phone Inquiry' })],
    }));
    interceptComposite(recorder, writeAnswer);
    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_3', email: 'ann@example.com' }))]);
    const writes = byRef(recorder.composites[2]!);
    expect(writes.op0).toMatchObject({ method: 'PATCH', url: `${DATA}/sobjects/Lead/${lead}`, body: { Email: 'ann@example.com' } });
    expect(writes.op2!.body).toMatchObject({ WhoId: lead });
    expect(writes.op2!.body).not.toHaveProperty('WhatId');
    expect(result).toMatchObject({ ok: true, objects: { lead: { object: 'Lead', id: lead, note: 'matched the existing Lead with Email = ann@example.com' } } });
  });
});

describe('re-syncs', () => {
  it('updates the Task and the note an earlier sync wrote and only adds missing links', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    const lead = sfId('00Q');
    const opportunity = sfId('006');
    const task = sfId('00T');
    const note = sfId('069');
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({
      Lead: [queried('Lead', lead, { Email: 'ann@example.com', LastModifiedDate: '2026-04-09T10:00:00.000+0000', FirstName: 'Ann', LastName: 'Lee', Company: 'x', LeadSource: 'Web' })],
      Opportunity: [queried('Opportunity', opportunity, { Conversation_Id__c: 'conv_4', Name: 'Website inquiry: Ann', StageName: 'Closed Won', CloseDate: '2026-06-15' })],
    }));
    interceptComposite(recorder, (sub) => (sub.url.includes('Conversation_Id__c')
      ? { httpStatusCode: 200, body: { id: opportunity, success: true, errors: [], created: false } }
      : writeAnswer(sub)));

    const previous = {
      lead: { object: 'Lead', id: lead },
      opportunity: { object: 'Opportunity', id: opportunity },
      transcript_task: { object: 'Task', id: task },
      transcript_note: { object: 'ContentNote', id: note, linkedTo: [lead] },
    };
    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_4', email: 'ann@example.com' }), previous)]);

    const writes = recorder.composites[2]!;
    expect(writes.map((s) => `${s.method} ${s.url}`)).toEqual([
      `PATCH ${DATA}/sobjects/Lead/${lead}`,
      `PATCH ${DATA}/sobjects/Opportunity/Conversation_Id__c/conv_4`,
      `PATCH ${DATA}/sobjects/Task/${task}`,
      `PATCH ${DATA}/sobjects/ContentNote/${note}`,
      `POST ${DATA}/sobjects/ContentDocumentLink`,
    ]);
    const sub = byRef(writes);
    // Stage and close date are set already (if_empty); the outcome is always written.
    expect(sub.op1!.body).toEqual({ Conversation_Outcome__c: 'completed' });
    expect(sub.op2!.body).not.toHaveProperty('TaskSubtype');
    expect(sub.op2!.body).toMatchObject({ WhoId: lead, Status: 'Completed' });
    expect(sub.op4!.body).toEqual({ ContentDocumentId: note, LinkedEntityId: '@{op1.id}', ShareType: 'I', Visibility: 'AllUsers' });
    expect(result).toMatchObject({
      ok: true,
      objects: {
        transcript_task: { object: 'Task', id: task },
        transcript_note: { object: 'ContentNote', id: note, linkedTo: [lead, opportunity] },
      },
    });
  });
});

describe('a backlog', () => {
  it('writes 30 conversations with sObject Collections, one call per object and operation', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    const existing = sfId('00Q');
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({
      Lead: [queried('Lead', existing, { Email: 'visitor0@example.com', LastModifiedDate: '2026-04-09T10:00:00.000+0000', FirstName: 'V', LastName: 'Zero', Company: 'Z', LeadSource: 'Web' })],
    }));
    const prefixes: Record<string, string> = { Lead: '00Q', Opportunity: '006', Task: '00T', ContentNote: '069', ContentDocumentLink: '06A' };
    nock(INSTANCE)
      .intercept(/\/services\/data\/v62\.0\/composite\/sobjects/, 'POST')
      .times(4)
      .reply(recorder.answer((body) => [200, body.records.map((r: any) => ({ id: sfId(prefixes[r.attributes.type]!), success: true, errors: [] })), LIMIT_HEADER]))
      .intercept(/\/services\/data\/v62\.0\/composite\/sobjects/, 'PATCH')
      .times(2)
      .reply(recorder.answer((body, request) => [200, body.records.map((r: any) => ({
        id: r.id ?? sfId(prefixes[r.attributes.type]!), success: true, errors: [], ...(request.path.endsWith('Conversation_Id__c') && { created: true }),
      })), LIMIT_HEADER]));

    // 30 conversations of 29 visitors: visitor7 had two, and gets one Lead.
    const plans = Array.from({ length: 30 }, (_, i) => planFor({ conversationId: `conv_${i}`, email: `visitor${i === 29 ? 7 : i}@example.com` }));
    const results = await adapter.execute(plans.map((p) => execution(p)));

    expect(results.every((r) => r.ok)).toBe(true);
    const lookups = recorder.composites[1]!;
    expect(lookups.map((sub) => /FROM (\w+)/.exec(soqlOf(sub))![1])).toEqual(['Contact', 'Lead', 'Opportunity']);
    expect(soqlOf(lookups[0]!).match(/'visitor\d+@example\.com'/g)).toHaveLength(29);

    const collections = recorder.requests.filter((r) => r.path.includes('/composite/sobjects'));
    const summary = (r: (typeof collections)[number]) => `${r.method} ${r.path} ${r.body.records[0].attributes.type}×${r.body.records.length}`;
    expect(collections.map(summary).sort()).toEqual([
      `PATCH ${DATA}/composite/sobjects Lead×1`,
      `PATCH ${DATA}/composite/sobjects/Opportunity/Conversation_Id__c Opportunity×30`,
      `POST ${DATA}/composite/sobjects ContentDocumentLink×60`,
      `POST ${DATA}/composite/sobjects ContentNote×30`,
      `POST ${DATA}/composite/sobjects Lead×28`,
      `POST ${DATA}/composite/sobjects Task×30`,
    ]);
    expect(collections.every((r) => r.body.allOrNone === false)).toBe(true);
    const sent = (method: string, type: string) => collections.find((r) => r.method === method && r.body.records[0].attributes.type === type)!.body.records;
    expect(sent('POST', 'Lead')[0]).toEqual({
      attributes: { type: 'Lead' }, Email: 'visitor1@example.com', FirstName: 'Ann', LastName: 'Lee', Company: '[not provided]', LeadSource: 'Web',
    });
    // visitor0's Lead has every if_empty field filled: only the email is written.
    expect(sent('PATCH', 'Lead')).toEqual([{ attributes: { type: 'Lead' }, id: existing, Email: 'visitor0@example.com' }]);
    expect(sent('PATCH', 'Opportunity')[0]).toEqual({
      attributes: { type: 'Opportunity' }, Name: 'Website inquiry: Ann', StageName: 'Prospecting', CloseDate: '2026-06-15', Conversation_Outcome__c: 'completed', Conversation_Id__c: 'conv_0',
    });
    // Both conversations of visitor7 log their Task on the one Lead created for them.
    const leadOf = (i: number) => (results[i] as { objects: Record<string, { id: string }> }).objects.lead!.id;
    expect(leadOf(29)).toBe(leadOf(7));
    const tasks = sent('POST', 'Task');
    expect(tasks[7].WhoId).toBe(leadOf(7));
    expect(tasks[29].WhoId).toBe(leadOf(7));
    expect(tasks[0].WhoId).toBe(existing);
    expect(adapter.stats()).toMatchObject({ callsSent: 8, lastStrategy: 'collections' });
  });
});
