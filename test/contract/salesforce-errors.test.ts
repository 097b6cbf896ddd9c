/**
 * How the Salesforce adapter handles refusals: validation errors dead-letter only the
 * conversation they belong to, with Salesforce's message and the mapping line; locks, request
 * limits and outages are retried with backoff, without ever sending a create twice after an
 * ambiguous failure.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrmError } from '../../src/crm/errors.ts';
import {
  DATA, INSTANCE, LIMIT_HEADER, execution, interceptComposite, interceptDescribes, lookupAnswer, newRecorder, planFor, setUpNock,
  sfId, tearDownNock, testAdapter, writeAnswer, type CompositeAnswer, type CompositeSub,
} from './salesforce-helpers.ts';

beforeEach(setUpNock);
afterEach(tearDownNock);

const halted = (ref: string): CompositeAnswer => ({
  httpStatusCode: 400,
  body: [{ errorCode: 'PROCESSING_HALTED', message: `Invalid reference specified. No value for ${ref}.id found in ${ref}. Provided referenceId ('${ref}') must be in the same request.` }],
});

const refersTo = (sub: CompositeSub, ref: string) => JSON.stringify(sub.body ?? {}).includes(`@{${ref}.id}`);

function failed(result: unknown): CrmError {
  const r = result as { ok: boolean; error?: CrmError };
  expect(r.ok).toBe(false);
  return r.error!;
}

describe('validation errors', () => {
  it('fail only the conversation whose record Salesforce refused, naming the mapping line', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    interceptComposite(recorder, (sub) => {
      if (sub.referenceId === 'op0') {
        return { httpStatusCode: 400, body: [{ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Company]', fields: ['Company'] }] };
      }
      return refersTo(sub, 'op0') ? halted('op0') : writeAnswer(sub);
    });

    const [bad, good] = await adapter.execute([
      execution(planFor({ conversationId: 'conv_bad', email: 'bad@example.com' })),
      execution(planFor({ conversationId: 'conv_good', email: 'good@example.com' })),
    ]);

    // Both conversations went out in one Composite call (12 subrequests).
    expect(recorder.composites[2]).toHaveLength(12);
    const error = failed(bad);
    expect(error).toBeInstanceOf(CrmError);
    expect(error.kind).toBe('permanent');
    expect(error.code).toBe('REQUIRED_FIELD_MISSING');
    expect(error.origin).toEqual({ file: 'mappings/salesforce.default.yaml', line: 35, column: 7, path: 'objects.lead.properties.Company' });
    expect(error.describe()).toBe(
      'REQUIRED_FIELD_MISSING: Salesforce refused creating a Lead: Required fields are missing: [Company] (value from mappings/salesforce.default.yaml:35:7 objects.lead.properties.Company)',
    );
    // What was written anyway is kept, so the retry updates it instead of creating it again.
    expect(Object.keys((bad as { objects: object }).objects)).toEqual(['opportunity', 'transcript_note']);
    expect(good).toMatchObject({ ok: true, conversationId: 'conv_good' });
  });

  it('dead-letter each refused record of a Collections batch with its own message and origin', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    const refusals: Record<string, { statusCode: string; message: string; fields: string[] }> = {
      'visitor3@example.com': { statusCode: 'DUPLICATES_DETECTED', message: 'Use one of these records?', fields: [] },
      'visitor9@example.com': { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Leads from this domain are not accepted', fields: ['Email'] },
      conv_5: { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'bad value for restricted picklist field: completed', fields: ['Conversation_Outcome__c'] },
      conv_8: { statusCode: 'STRING_TOO_LONG', message: 'Opportunity Name: data value too large', fields: ['Name'] },
    };
    const prefixes: Record<string, string> = { Lead: '00Q', Opportunity: '006', Task: '00T', ContentNote: '069', ContentDocumentLink: '06A' };
    nock(INSTANCE)
      .intercept(/\/composite\/sobjects/, 'POST').times(4)
      .reply(recorder.answer((body) => [200, body.records.map((r: any) => answerFor(r)), LIMIT_HEADER]))
      .intercept(/\/composite\/sobjects/, 'PATCH')
      .reply(recorder.answer((body) => [200, body.records.map((r: any) => answerFor(r)), LIMIT_HEADER]));
    function answerFor(record: any) {
      const refusal = refusals[record.Email] ?? refusals[record.Conversation_Id__c];
      return refusal
        ? { id: null, success: false, errors: [refusal] }
        : { id: sfId(prefixes[record.attributes.type]!), success: true, errors: [] };
    }

    const results = await adapter.execute(Array.from({ length: 25 }, (_, i) => execution(planFor({ conversationId: `conv_${i}`, email: `visitor${i}@example.com` }))));

    expect(adapter.stats().lastStrategy).toBe('collections');
    const described = Object.fromEntries(results.flatMap((r, i) => (r.ok ? [] : [[i, `${r.error.kind} ${r.error.describe()}`]])));
    expect(described).toEqual({
      3: 'permanent DUPLICATES_DETECTED: Salesforce refused creating a Lead: Use one of these records? (value from mappings/salesforce.default.yaml:14:7 objects.lead.match)',
      5: 'permanent INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Salesforce refused upserting the Opportunity with Conversation_Id__c = conv_5: Conversation_Outcome__c: bad value for restricted picklist field: completed (value from mappings/salesforce.default.yaml:88:7 objects.opportunity.properties.Conversation_Outcome__c)',
      8: 'permanent STRING_TOO_LONG: Salesforce refused upserting the Opportunity with Conversation_Id__c = conv_8: Opportunity Name: data value too large (value from mappings/salesforce.default.yaml:59:7 objects.opportunity.properties.Name)',
      9: 'permanent FIELD_CUSTOM_VALIDATION_EXCEPTION: Salesforce refused creating a Lead: Email: Leads from this domain are not accepted (value from mappings/salesforce.default.yaml:17:7 objects.lead.properties.Email)',
    });
    // The Task of a refused Lead is never sent: it would have no WhoId.
    const tasks = recorder.requests.find((r) => r.body?.records?.[0]?.attributes.type === 'Task')!.body.records;
    expect(tasks).toHaveLength(23);
  });
});

describe('retries', () => {
  it('resends a record refused for a locked row, with the ops that waited for it', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    let note = '';
    interceptComposite(recorder, (sub) => {
      if (sub.referenceId === 'op1') return { httpStatusCode: 400, body: [{ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' }] };
      if (refersTo(sub, 'op1')) return halted('op1');
      const answer = writeAnswer(sub);
      if (sub.referenceId === 'op3') note = (answer.body as { id: string }).id;
      return answer;
    });
    interceptComposite(recorder, writeAnswer);

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_lock', email: 'lock@example.com' }))]);

    expect(result!.ok).toBe(true);
    const resent = recorder.composites[3]!;
    expect(resent.map((s) => `${s.method} ${s.url}`)).toEqual([
      `PATCH ${DATA}/sobjects/Opportunity/Conversation_Id__c/conv_lock`,
      `POST ${DATA}/sobjects/ContentDocumentLink`,
    ]);
    expect(resent[1]!.body).toEqual({ ContentDocumentId: note, LinkedEntityId: '@{op1.id}', ShareType: 'I', Visibility: 'AllUsers' });
  });

  it('waits out REQUEST_LIMIT_EXCEEDED for concurrent requests, pausing the org queue', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    interceptComposite(recorder, lookupAnswer({}));
    nock(INSTANCE).post(`${DATA}/composite`).reply(recorder.answer(() => [403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrgLongTxn Limit exceeded.' }], LIMIT_HEADER]));
    interceptComposite(recorder, writeAnswer);

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_busy', email: 'busy@example.com' }))]);

    expect(result!.ok).toBe(true);
    expect(adapter.stats().limiter.rateLimited).toBe(1);
    expect(adapter.stats().callsSent).toBe(4);
  });

  it('retries a query after 503 and a refused connection, but never resends creates after an ambiguous 500', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptDescribes(recorder);
    nock(INSTANCE).post(`${DATA}/composite`).reply(recorder.answer(() => [503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Service unavailable' }]]));
    nock(INSTANCE).post(`${DATA}/composite`).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    interceptComposite(recorder, lookupAnswer({}));
    nock(INSTANCE).post(`${DATA}/composite`).reply(recorder.answer(() => [500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId: 1234-5678' }]]));

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_outage', email: 'outage@example.com' }))]);

    const error = failed(result);
    expect(error.kind).toBe('retryable');
    expect(error.code).toBe('UNKNOWN_EXCEPTION');
    // describe, 503 + refused + lookup, one write: the write was not repeated.
    expect(adapter.stats().callsSent).toBe(5);
  });
});
