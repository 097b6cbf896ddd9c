/**
 * The connector's own fields: found through describe, created through the Tooling API when
 * missing, and — when Salesforce does not let the connector create them — an error telling the
 * admin exactly which field to create. Also `mappings check` against the org's describe.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmError } from '../../src/crm/errors.ts';
import { checkedObjectsFromPlan } from '../../src/crm/salesforce/schema-check.ts';
import {
  DATA, DESCRIBES, INSTANCE, LIMIT_HEADER, describeAnswer, execution, interceptComposite, newRecorder, planFor, setUpNock, tearDownNock,
  testAdapter, type CompositeSub,
} from './salesforce-helpers.ts';

beforeEach(setUpNock);
afterEach(tearDownNock);

/** Opportunity's describe without the given fields (and, optionally, with Conversation_Id__c not an External ID). */
function opportunityWithout(fields: string[], notExternal = false) {
  const opportunity = DESCRIBES.Opportunity as { fields: { name: string; externalId: boolean }[] };
  return {
    ...opportunity,
    fields: opportunity.fields
      .filter((f) => !fields.includes(f.name))
      .map((f) => (notExternal && f.name === 'Conversation_Id__c' ? { ...f, externalId: false } : f)),
  };
}

const describeWith = (opportunity: unknown) => (sub: CompositeSub) =>
  sub.url.endsWith('/Opportunity/describe') ? { httpStatusCode: 200, body: opportunity } : describeAnswer(sub);

describe('ensureSchema', () => {
  it('does nothing more than one describe when Conversation_Id__c exists as an External ID', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeAnswer);
    await adapter.ensureSchema();
    expect(recorder.requests).toHaveLength(1);
    await adapter.ensureSchema();
    expect(recorder.requests).toHaveLength(1);
  });

  it('creates a missing field through the Tooling API and checks it is visible', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeWith(opportunityWithout(['Conversation_Id__c'])));
    nock(INSTANCE).post(`${DATA}/tooling/sobjects/CustomField`).reply(recorder.answer(() => [201, { id: '00N000000000001AAA', success: true, errors: [] }, LIMIT_HEADER]));
    interceptComposite(recorder, describeAnswer);

    await adapter.ensureSchema();

    const tooling = recorder.requests.find((r) => r.path.includes('/tooling/'))!;
    expect(tooling.body).toEqual({
      FullName: 'Opportunity.Conversation_Id__c',
      Metadata: {
        label: 'Conversation Id',
        description: 'Created by the conversations connector.',
        type: 'Text',
        length: 255,
        externalId: true,
        unique: true,
        caseSensitive: false,
      },
    });
    expect(recorder.requests).toHaveLength(3);
  });

  it('tells the admin exactly which field to create when the connector may not', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeWith(opportunityWithout(['Conversation_Id__c'])));
    nock(INSTANCE).post(`${DATA}/tooling/sobjects/CustomField`).reply(recorder.answer(() => [403, [{ errorCode: 'INSUFFICIENT_ACCESS', message: 'insufficient access rights on cross-reference id' }]]));

    const error: CrmError = await adapter.ensureSchema().then(() => { throw new Error('expected a failure'); }, (e: CrmError) => e);

    expect(error.kind).toBe('permanent');
    expect(error.code).toBe('MISSING_CUSTOM_FIELD');
    expect(error.message).toBe(
      'Opportunity.Conversation_Id__c is missing and the connector may not create it (Salesforce refused creating the custom field Opportunity.Conversation_Id__c: insufficient access rights on cross-reference id): ' +
        'create the custom field Opportunity.Conversation_Id__c in Setup → Object Manager → Opportunity → Fields & Relationships: Field Label "Conversation Id", Field Name "Conversation_Id", ' +
        'data type Text(255), with "Unique" (case-insensitive) and "External ID" ticked; give the connector\'s user Edit access to it (field-level security)',
    );
  });

  it('refuses a Conversation_Id__c that is not an External ID', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeWith(opportunityWithout([], true)));
    await expect(adapter.ensureSchema()).rejects.toMatchObject({ kind: 'permanent', code: 'NOT_EXTERNAL_ID' });
  });

  it('fails a plan that uses a connector field the org lacks and may not get, pointing at the mapping line', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeWith(opportunityWithout(['Conversation_Outcome__c'])));
    nock(INSTANCE).post(`${DATA}/tooling/sobjects/CustomField`).reply(recorder.answer(() => [404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]]));

    const [result] = await adapter.execute([execution(planFor({ conversationId: 'conv_1', email: 'a@example.com' }))]);

    const error = (result as { error: CrmError }).error;
    expect(error).toMatchObject({ kind: 'permanent', code: 'MISSING_CUSTOM_FIELD' });
    expect(error.origin?.path).toBe('objects.opportunity.properties.Conversation_Outcome__c');
    expect(error.message).toContain('data type Picklist with the values completed, abandoned, error');
  });
});

describe('mappings check', () => {
  it('reports what the org would refuse, from one describe call', async () => {
    const { adapter } = testAdapter();
    const recorder = newRecorder();
    interceptComposite(recorder, describeAnswer);
    const plan = planFor({ conversationId: 'conv_1', email: 'a@example.com' });
    const opportunity = plan.records.find((r) => r.key === 'opportunity')!;
    opportunity.properties.StageName!.value = 'Legacy';
    opportunity.properties.CloseDate!.value = 'next week';

    const issues = await adapter.checkMapping(checkedObjectsFromPlan(plan));

    expect(recorder.requests).toHaveLength(1);
    expect(issues.map((i) => `${i.severity} ${i.code} ${i.key}.${i.field}: ${i.message}`)).toEqual([
      'warning NOT_ON_CONTACT lead.Company: when the visitor is an existing Contact, Company is not written: Contact has no updateable field Company',
      'error INACTIVE_PICKLIST_VALUE opportunity.StageName: "Legacy" is an inactive value of the picklist StageName: Salesforce refuses it (active values: Prospecting, Closed Won)',
      'error TYPE_MISMATCH opportunity.CloseDate: CloseDate is a date field and needs a date like 2026-06-15, but the mapping gives "next week"',
    ]);
  });
});
