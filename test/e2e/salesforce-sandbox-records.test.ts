/**
 * sObject resources of the Salesforce sandbox through unmodified jsforce: create, retrieve,
 * update, delete, upsert by external id, describe, and every validation error shape, with the
 * way jsforce surfaces them (error name = errorCode, `data` = Salesforce's error object).
 */
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';

let sandbox: SalesforceSandbox;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

function connect(version = '62.0'): { conn: Connection; orgId: string } {
  const org = sandbox.createOrg();
  return { conn: new Connection({ instanceUrl: org.instanceUrl, accessToken: org.accessToken, version }), orgId: org.orgId };
}

interface JsforceError extends Error {
  errorCode: string;
  data: unknown;
}

async function failure(promise: PromiseLike<unknown>): Promise<JsforceError> {
  const error = await Promise.resolve(promise).then(() => undefined, (e: unknown) => e as JsforceError);
  expect(error, 'expected Salesforce to refuse').toBeInstanceOf(Error);
  return error!;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('create, retrieve, update, delete', () => {
  it('creates a Lead with an 18-character 00Q id, defaults and audit fields, then updates and deletes it', async () => {
    const { conn, orgId } = connect();
    const created = await conn.sobject('Lead').create({ FirstName: 'Ada', LastName: 'Lovelace', Company: 'Analytical', Email: 'ada@example.com', LeadSource: 'Web' });
    expect(created).toEqual({ id: expect.stringMatching(/^00Q[a-zA-Z0-9]{15}$/), success: true, errors: [] });

    const lead = await conn.sobject('Lead').retrieve(created.id!);
    expect(lead).toMatchObject({
      attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${created.id}` },
      Id: created.id, Name: 'Ada Lovelace', Status: 'Open - Not Contacted', Description: null, IsDeleted: false,
      CreatedDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/),
    });
    expect(lead.LastModifiedDate).toBe(lead.CreatedDate);
    // A 15-character id names the same record.
    expect((await conn.sobject('Lead').retrieve(created.id!.slice(0, 15))).Id).toBe(created.id);

    const updated = await conn.sobject('Lead').update({ Id: created.id!, Status: 'Working - Contacted', FirstName: 'Augusta' });
    expect(updated).toEqual({ id: created.id, success: true, errors: [] });
    const after = sandbox.state(orgId).records.Lead![0]!;
    expect(after).toMatchObject({ Status: 'Working - Contacted', Name: 'Augusta Lovelace' });

    await conn.sobject('Lead').destroy(created.id!);
    expect(sandbox.state(orgId).records.Lead).toEqual([]);
    const gone = await failure(conn.sobject('Lead').retrieve(created.id!));
    expect(gone).toMatchObject({ name: 'ENTITY_IS_DELETED', errorCode: 'ENTITY_IS_DELETED', data: { errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' } });
    const never = await failure(conn.sobject('Lead').retrieve('00Q5g0000000zzz'));
    expect(never.data).toEqual({ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' });
  });

  it('retrieves only the fields asked for, and answers 404 for an unknown object', async () => {
    const { conn } = connect();
    const { id } = await conn.sobject('Account').create({ Name: 'Fields', Website: 'https://fields.example' });
    expect(await conn.sobject('Account').retrieve(id!, { fields: ['Name'] })).toEqual({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${id}` }, Name: 'Fields',
    });
    const unknown = await failure(conn.sobject('Widget__c').create({ Name: 'x' }));
    expect(unknown.errorCode).toBe('NOT_FOUND');
  });

  it('stores a ContentNote body escaped and stripped like Salesforce, serves it as a blob URL, and links it', async () => {
    const { conn, orgId } = connect();
    const lead = await conn.sobject('Lead').create({ LastName: 'Noted', Company: 'Notes Inc' });
    const note = await conn.sobject('ContentNote').create({
      Title: 'Transcript', Content: base64('<p>Visitor: Tom &amp; Jerry &lt;3</p>\n<p>Agent: hi</p><script>alert(1)</script>'),
    });
    expect(note.id).toMatch(/^069/);
    const link = await conn.sobject('ContentDocumentLink').create({ ContentDocumentId: note.id!, LinkedEntityId: lead.id!, ShareType: 'V' });
    expect(link.id).toMatch(/^06A/);

    const stored = sandbox.state(orgId).records.ContentNote![0]!;
    expect(Buffer.from(String(stored.Content), 'base64').toString('utf8')).toBe('<p>Visitor: Tom &amp; Jerry &lt;3</p><p>Agent: hi</p>');
    expect(stored).toMatchObject({ FileType: 'SNOTE', TextPreview: 'Visitor: Tom & Jerry <3 Agent: hi' });
    const retrieved = await conn.sobject('ContentNote').retrieve(note.id!);
    expect(retrieved.Content).toBe(`/services/data/v62.0/sobjects/ContentNote/${note.id}/Content`);
    const blob = await fetch(`${sandbox.url}${String(retrieved.Content)}`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(await blob.text()).toBe('<p>Visitor: Tom &amp; Jerry &lt;3</p><p>Agent: hi</p>');

    const links = await conn.query(`SELECT Id, LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId = '${note.id}'`);
    expect(links.records).toMatchObject([{ LinkedEntityId: lead.id, ShareType: 'V' }]);
    const again = await failure(conn.sobject('ContentDocumentLink').create({ ContentDocumentId: note.id!, LinkedEntityId: lead.id! }));
    expect(again.errorCode).toBe('DUPLICATE_VALUE');
    const unfiltered = await failure(conn.query('SELECT Id FROM ContentDocumentLink'));
    expect(unfiltered.errorCode).toBe('MALFORMED_QUERY');

    // Deleting the lead takes its note links with it, as Salesforce does.
    await conn.sobject('Lead').destroy(lead.id!);
    expect(sandbox.state(orgId).records.ContentDocumentLink).toEqual([]);
  });
});

describe('upsert by external id', () => {
  it('creates (201, created true) then updates (200, created false) an Opportunity on Conversation_Id__c', async () => {
    const { conn, orgId } = connect();
    const opp = { Conversation_Id__c: 'conv_xyz789', Name: 'Catering inquiry', StageName: 'Prospecting', CloseDate: '2026-06-15', Amount: 1250.555 };
    const first = await conn.sobject('Opportunity').upsert(opp, 'Conversation_Id__c');
    expect(first).toEqual({ id: expect.stringMatching(/^006/), success: true, errors: [], created: true });
    const second = await conn.sobject('Opportunity').upsert({ Conversation_Id__c: 'CONV_XYZ789', StageName: 'Closed Won' }, 'Conversation_Id__c');
    expect(second).toEqual({ id: first.id, success: true, errors: [], created: false });
    expect(sandbox.state(orgId).records.Opportunity).toMatchObject([{ Name: 'Catering inquiry', StageName: 'Closed Won', IsWon: true, Amount: 1250.56 }]);

    const byExternalId = await conn.request(`/sobjects/Opportunity/Conversation_Id__c/conv_xyz789`);
    expect(byExternalId).toMatchObject({ Id: first.id });
  });

  it('answers an empty 204 to an updating upsert before API 46.0, as jsforce expects', async () => {
    const { conn } = connect('45.0');
    await conn.sobject('Opportunity').upsert({ Conversation_Id__c: 'conv_old', Name: 'Old', StageName: 'Prospecting', CloseDate: '2026-01-01' }, 'Conversation_Id__c');
    const updated = await conn.sobject('Opportunity').upsert({ Conversation_Id__c: 'conv_old', Name: 'Older' }, 'Conversation_Id__c');
    expect(updated).toEqual({ success: true, errors: [] });
  });

  it('answers 300 Multiple Choices when an idLookup field matches several records', async () => {
    const { conn } = connect();
    await conn.sobject('Contact').create({ LastName: 'One', Email: 'twin@example.com' });
    await conn.sobject('Contact').create({ LastName: 'Two', Email: 'TWIN@example.com' });
    const error = await failure(conn.sobject('Contact').upsert({ Email: 'twin@example.com', Phone: '555' }, 'Email'));
    expect(error.errorCode).toBe('MULTIPLE_CHOICES');
    expect(error.data).toEqual([expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Contact\/003/), expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Contact\/003/)]);
    const notExternal = await failure(conn.sobject('Contact').upsert({ LastName: 'x' }, 'LastName'));
    expect(notExternal.errorCode).toBe('INVALID_FIELD');
  });
});

describe('describe', () => {
  it('describes Opportunity fields with types, lengths, picklists, external id and required-ness', async () => {
    const { conn } = connect();
    const opportunity = await conn.sobject('Opportunity').describe();
    expect(opportunity).toMatchObject({ name: 'Opportunity', keyPrefix: '006', createable: true, urls: { rowTemplate: '/services/data/v62.0/sobjects/Opportunity/{ID}' } });
    const field = (name: string) => opportunity.fields.find((f) => f.name === name);
    expect(field('Conversation_Id__c')).toMatchObject({ type: 'string', length: 255, externalId: true, unique: true, custom: true, nillable: true });
    expect(field('StageName')).toMatchObject({ type: 'picklist', nillable: false, createable: true, restrictedPicklist: true });
    expect(field('StageName')!.picklistValues).toContainEqual({ active: true, defaultValue: false, label: 'Closed Won', validFor: null, value: 'Closed Won' });
    expect(field('CloseDate')).toMatchObject({ type: 'date', nillable: false });
    expect(field('Criteria_Summary__c')).toMatchObject({ type: 'textarea', length: 32768, filterable: false });
    expect(field('Page_URL__c')).toMatchObject({ type: 'url' });
    expect(field('Id')).toMatchObject({ type: 'id', createable: false, updateable: false });

    const task = await conn.sobject('Task').describe();
    expect(task.fields.find((f) => f.name === 'Description')).toMatchObject({ type: 'textarea', length: 32000 });
    expect(task.fields.find((f) => f.name === 'WhoId')).toMatchObject({ type: 'reference', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' });
    const lead = await conn.sobject('Lead').describe();
    expect(lead.fields.find((f) => f.name === 'Email')).toMatchObject({ type: 'email', idLookup: true, length: 80 });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'ContentNote', 'ContentDocumentLink']));
  });
});

describe('validation errors', () => {
  it('surfaces each error with Salesforce\'s shape: jsforce error name = errorCode, data = {message, errorCode, fields}', async () => {
    const { conn, orgId } = connect();
    const cases: { record: () => Promise<unknown>; data: unknown }[] = [
      { record: () => conn.sobject('Lead').create({ FirstName: 'No' }),
        data: { message: 'Required fields are missing: [LastName, Company]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName', 'Company'] } },
      { record: () => conn.sobject('Lead').create({ LastName: 'P', Company: 'C', LeadSource: 'Carrier Pigeon' }),
        data: { message: 'Lead Source: bad value for restricted picklist field: Carrier Pigeon', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['LeadSource'] } },
      { record: () => conn.sobject('Lead').create({ LastName: 'x'.repeat(81), Company: 'C' }),
        data: { message: `Last Name: data value too large: ${'x'.repeat(81)} (max length=80)`, errorCode: 'STRING_TOO_LONG', fields: ['LastName'] } },
      { record: () => conn.sobject('Lead').create({ LastName: 'P', Company: 'C', Email: 'not-an-email' }),
        data: { message: 'Email: invalid email address: not-an-email', errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] } },
      { record: () => conn.sobject('Lead').create({ LastName: 'P', Company: 'C', Shoe_Size__c: 42 }),
        data: { message: "No such column 'Shoe_Size__c' on sobject of type Lead", errorCode: 'INVALID_FIELD' } },
      { record: () => conn.sobject('Lead').create({ LastName: 'P', Company: 'C', CreatedDate: '2020-01-01T00:00:00Z' }),
        data: { message: 'Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.', errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['CreatedDate'] } },
      { record: () => conn.sobject('Opportunity').create({ Name: 'O', StageName: 'Prospecting', CloseDate: 'next tuesday' }),
        data: { message: 'Cannot deserialize instance of date from VALUE_STRING value next tuesday or request may be missing a required field', errorCode: 'JSON_PARSER_ERROR' } },
      { record: () => conn.sobject('Task').create({ Subject: 'Call', Description: 'd'.repeat(32_001) }),
        data: { message: expect.stringMatching(/^Description: data value too large: d{200}\.\.\. \(max length=32000\)$/), errorCode: 'STRING_TOO_LONG', fields: ['Description'] } },
      { record: () => conn.sobject('Contact').create({ LastName: 'C', AccountId: 'garbage' }),
        data: { message: 'Account ID: id value of incorrect type: garbage', errorCode: 'MALFORMED_ID', fields: ['AccountId'] } },
      { record: () => conn.sobject('Contact').create({ LastName: 'C', AccountId: '001000000000000AAA' }),
        data: { message: 'invalid cross reference id', errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] } },
      { record: () => conn.sobject('ContentNote').create({ Title: 'Raw', Content: base64('Tom & Jerry') }),
        data: { message: "Note can't be saved because it contains HTML tags or unescaped characters that are not allowed in a Note.", errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['Content'] } },
    ];
    for (const c of cases) {
      const error = await failure(c.record());
      const expected = c.data as { errorCode: string };
      expect(error.name).toBe(expected.errorCode);
      expect(error.errorCode).toBe(expected.errorCode);
      expect(error.data).toEqual(c.data);
    }
    expect(sandbox.state(orgId).records.Lead).toEqual([]);
  });

  it('refuses a Task about a Lead that is also related to an Opportunity (FIELD_INTEGRITY_EXCEPTION)', async () => {
    const { conn } = connect();
    const lead = await conn.sobject('Lead').create({ LastName: 'L', Company: 'C' });
    const contact = await conn.sobject('Contact').create({ LastName: 'K' });
    const opp = await conn.sobject('Opportunity').create({ Name: 'O', StageName: 'Prospecting', CloseDate: '2026-01-01' });
    const error = await failure(conn.sobject('Task').create({ Subject: 'Call', WhoId: lead.id!, WhatId: opp.id! }));
    expect(error.data).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['WhatId'] });
    const wrongType = await failure(conn.sobject('Task').create({ Subject: 'Call', WhoId: opp.id! }));
    expect(wrongType.data).toEqual({ message: `Name ID: id value of incorrect type: ${opp.id}`, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['WhoId'] });
    const ok = await conn.sobject('Task').create({ Subject: 'Call', WhoId: contact.id!, WhatId: opp.id!, TaskSubtype: 'Call', CallDurationInSeconds: 127, Status: 'Completed' });
    expect(ok.success).toBe(true);
    const subtype = await failure(conn.sobject('Task').update({ Id: ok.id!, TaskSubtype: 'Email' }));
    expect(subtype.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });

  it('enforces the unique external id (DUPLICATE_VALUE), configured validation rules and duplicate rules', async () => {
    const { conn, orgId } = connect();
    const first = await conn.sobject('Opportunity').create({ Name: 'A', StageName: 'Prospecting', CloseDate: '2026-01-01', Conversation_Id__c: 'conv_1' });
    const clash = await failure(conn.sobject('Opportunity').create({ Name: 'B', StageName: 'Prospecting', CloseDate: '2026-01-01', Conversation_Id__c: 'CONV_1' }));
    expect(clash.data).toEqual({ message: `duplicate value found: Conversation_Id__c duplicates value on record with id: ${first.id}`, errorCode: 'DUPLICATE_VALUE', fields: [] });

    sandbox.addRule(orgId, { kind: 'validation', sobject: 'Lead', field: 'Email', operator: 'endsWith', value: '@blocked.example', message: 'Leads from blocked.example are not accepted', errorOnField: true });
    const blocked = await failure(conn.sobject('Lead').create({ LastName: 'B', Company: 'C', Email: 'someone@Blocked.example' }));
    expect(blocked.data).toEqual({ message: 'Leads from blocked.example are not accepted', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: ['Email'] });

    sandbox.addRule(orgId, { kind: 'duplicate', sobject: 'Lead', matchFields: ['Email'] });
    const original = await conn.sobject('Lead').create({ LastName: 'O', Company: 'C', Email: 'dup@example.com' });
    const dup = await failure(conn.sobject('Lead').create({ LastName: 'D', Company: 'C', Email: 'DUP@example.com' }));
    expect(dup.errorCode).toBe('DUPLICATES_DETECTED');
    expect(dup.data).toMatchObject({
      message: "You're creating a duplicate record. We recommend you use an existing record instead.",
      duplicateResult: { allowSave: false, duplicateRuleEntityType: 'Lead', matchResults: [{ entityType: 'Lead', size: 1, matchRecords: [{ record: { Id: original.id } }] }] },
    });
    expect(() => sandbox.addRule(orgId, { kind: 'validation', sobject: 'Lead', field: 'Nope__c', operator: 'isBlank', message: 'x' })).toThrow('Lead has no field named "Nope__c"');
  });
});
