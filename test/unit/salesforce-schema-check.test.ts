import { describe, expect, it } from 'vitest';
import { SObjectDescribe } from '../../src/crm/salesforce/responses.ts';
import { checkMappingAgainstDescribe, type CheckedObject } from '../../src/crm/salesforce/schema-check.ts';

const origin = (line: number) => ({ file: 'mappings/salesforce.default.yaml', line, column: 7, path: `objects.x.properties.p${line}` });

const field = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, createable: true, updateable: true, ...extra });

const describes = new Map(
  [
    {
      name: 'Opportunity',
      fields: [
        field('Name', 'string', { length: 10 }),
        field('Amount', 'currency'),
        field('CloseDate', 'date'),
        field('IsPrivate', 'boolean'),
        field('Probability', 'percent'),
        field('TotalOpportunityQuantity', 'int'),
        field('LastActivityDate', 'date', { createable: false, updateable: false }),
        field('Conversation_Id__c', 'string', { length: 255 }),
        field('Types__c', 'multipicklist', { picklistValues: [{ value: 'A', active: true }, { value: 'B', active: true }] }),
        field('Source__c', 'picklist', { picklistValues: [{ value: 'Web', active: true }], restrictedPicklist: false }),
        field('Stage__c', 'picklist', { picklistValues: [{ value: 'Prospecting', active: true }], restrictedPicklist: true }),
        field('Seen_At__c', 'datetime'),
        field('AccountId', 'reference'),
        field('Contact_Email__c', 'email'),
      ],
    },
    { name: 'Task', fields: [field('Subject', 'string', { length: 255 }), field('TaskSubtype', 'picklist', { updateable: false, picklistValues: [{ value: 'Call', active: true }] })] },
  ].map((d) => [d.name, SObjectDescribe.parse(d)] as const),
);

function check(object: string, role: CheckedObject['role'], properties: [string, unknown][], match?: string) {
  return checkMappingAgainstDescribe(
    [{
      key: 'x',
      object,
      role,
      properties: properties.map(([name, value], i) => ({ name, origin: origin(i + 1), ...(value !== undefined && { value: value as string }) })),
      ...(match && { match: { property: match, origin: origin(99) } }),
    }],
    describes,
  ).map((issue) => `${issue.severity} ${issue.code} ${issue.field ?? '-'} @${issue.origin?.line}: ${issue.message}`);
}

describe('checkMappingAgainstDescribe', () => {
  it('accepts values of the right type', () => {
    expect(check('Opportunity', 'deal', [
      ['Name', 'Short'], ['Amount', '12.5'], ['CloseDate', '2026-06-15'], ['IsPrivate', false], ['Probability', 40],
      ['TotalOpportunityQuantity', 3], ['Types__c', 'A;B'], ['Stage__c', 'Prospecting'], ['Seen_At__c', '2026-04-10T12:36:07Z'],
      ['AccountId', '001000000000001AAA'], ['Contact_Email__c', 'a@example.com'], ['Conversation_Id__c', undefined],
    ])).toEqual([]);
  });

  it('reports each kind of problem with its mapping line', () => {
    expect(check('Opportunity', 'deal', [
      ['Nmae', 'x'],
      ['LastActivityDate', '2026-01-01'],
      ['Name', 'far too long for ten'],
      ['Amount', 'lots'],
      ['CloseDate', '15/06/2026'],
      ['IsPrivate', 'yes'],
      ['TotalOpportunityQuantity', 2.5],
      ['Seen_At__c', '2026-04-10'],
      ['AccountId', 'Acme'],
      ['Contact_Email__c', 'not-an-email'],
      ['Stage__c', 'Closed'],
      ['Source__c', 'Fax'],
      ['Types__c', 'A;C'],
    ], 'Conversation_Id__c')).toEqual([
      'error UNKNOWN_FIELD Nmae @1: Opportunity has no field Nmae — did you mean `Name`?',
      'error NOT_CREATEABLE LastActivityDate @2: Salesforce does not let Opportunity.LastActivityDate be set (it is read-only or calculated)',
      'error TOO_LONG Name @3: Name holds at most 10 characters, the mapping gives 20 (add a truncate transform)',
      'error TYPE_MISMATCH Amount @4: Amount is a currency field and needs a number, but the mapping gives "lots"',
      'error TYPE_MISMATCH CloseDate @5: CloseDate is a date field and needs a date like 2026-06-15, but the mapping gives "15/06/2026"',
      'error TYPE_MISMATCH IsPrivate @6: IsPrivate is a boolean field and needs true or false, but the mapping gives "yes"',
      'error TYPE_MISMATCH TotalOpportunityQuantity @7: TotalOpportunityQuantity is an int field and needs a whole number, but the mapping gives 2.5',
      'error TYPE_MISMATCH Seen_At__c @8: Seen_At__c is a datetime field and needs a date-time like 2026-06-15T09:30:00Z, but the mapping gives "2026-04-10"',
      'error TYPE_MISMATCH AccountId @9: AccountId is a reference field and needs a Salesforce record id, but the mapping gives "Acme"',
      'error TYPE_MISMATCH Contact_Email__c @10: Contact_Email__c is an email field and needs an email address, but the mapping gives "not-an-email"',
      'error UNKNOWN_PICKLIST_VALUE Stage__c @11: "Closed" is not a value of the picklist Stage__c: Salesforce refuses it (active values: Prospecting)',
      'warning UNKNOWN_PICKLIST_VALUE Source__c @12: "Fax" is not a value of the picklist Source__c: Salesforce stores it, but it is not one of the choices (active values: Web)',
      'warning UNKNOWN_PICKLIST_VALUE Types__c @13: "C" is not a value of the picklist Types__c: Salesforce stores it, but it is not one of the choices (active values: A, B)',
      'warning MATCH_NOT_EXTERNAL_ID Conversation_Id__c @99: Opportunity.Conversation_Id__c is not an External ID: records are found by a query before writing (make it a unique External ID to upsert in one step)',
    ]);
  });

  it('flags fields that can only be set on create, since re-syncs update', () => {
    expect(check('Task', 'activity', [['TaskSubtype', 'Call']])).toEqual([
      'error NOT_UPDATEABLE TaskSubtype @1: Task.TaskSubtype can only be set when the record is created: updates of existing records and re-syncs would be refused',
    ]);
  });

  it('reports objects the org does not have', () => {
    expect(check('Invoice__c', 'deal', [['Name', 'x']])).toEqual([
      "error UNKNOWN_OBJECT - @1: the org has no object Invoice__c, or the connector's user cannot see it",
    ]);
  });
});
