/**
 * SOQL, composite and sObject Collections in the Salesforce sandbox, through unmodified jsforce:
 * the queries the adapter sends (escaped quotes, case-insensitive email), Salesforce's query
 * errors, composite references and allOrNone rollback, collections create/update/upsert/delete.
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

function connect(): { conn: Connection; orgId: string } {
  const org = sandbox.createOrg();
  return { conn: new Connection({ instanceUrl: org.instanceUrl, accessToken: org.accessToken, version: '62.0' }), orgId: org.orgId };
}

/** SOQL string literal escaping, as the adapter must do it. */
const soqlString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function failure(promise: PromiseLike<unknown>): Promise<Error & { errorCode: string; data: { message: string; errorCode: string } }> {
  const error = await Promise.resolve(promise).then(() => undefined, (e: unknown) => e as Error & { errorCode: string; data: { message: string; errorCode: string } });
  expect(error, 'expected Salesforce to refuse').toBeInstanceOf(Error);
  return error!;
}

interface CompositeAnswer {
  compositeResponse: { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }[];
}

describe('query', () => {
  it('finds a contact by email ignoring case, with an escaped quote in the literal', async () => {
    const { conn } = connect();
    await conn.sobject('Contact').create({ FirstName: "D'Arcy", LastName: "O'Neil", Email: "d'arcy.o'neil@example.com" });
    await conn.sobject('Contact').create({ LastName: 'Other', Email: 'other@example.com' });
    const email = "D'Arcy.O'Neil@EXAMPLE.com";
    const result = await conn.query<{ Id: string; Email: string; LastName: string }>(`SELECT Id, Email, LastName FROM Contact WHERE Email = ${soqlString(email)} LIMIT 2`);
    expect(result).toMatchObject({ totalSize: 1, done: true, records: [{ attributes: { type: 'Contact' }, Email: "d'arcy.o'neil@example.com", LastName: "O'Neil" }] });
    expect(Object.keys(result.records[0]!)).toEqual(['attributes', 'Id', 'Email', 'LastName']);
  });

  it('supports IN, NOT IN, LIKE, AND/OR in parentheses, comparisons, ORDER BY with NULLS and LIMIT/OFFSET, and COUNT()', async () => {
    const { conn } = connect();
    const opps = [
      { Name: 'Alpha', StageName: 'Prospecting', CloseDate: '2026-01-10', Amount: 100 },
      { Name: 'beta', StageName: 'Closed Won', CloseDate: '2026-02-10', Amount: 300 },
      { Name: 'Gamma', StageName: 'Closed Lost', CloseDate: '2026-03-10' },
      { Name: 'Delta', StageName: 'Prospecting', CloseDate: '2026-04-10', Amount: 200 },
    ];
    for (const o of opps) await conn.sobject('Opportunity').create(o);
    const names = async (soql: string): Promise<string[]> => (await conn.query<{ Name: string }>(soql)).records.map((r) => r.Name);

    expect(await names("SELECT Name FROM Opportunity WHERE StageName IN ('Closed Won', 'Closed Lost') ORDER BY Name")).toEqual(['beta', 'Gamma']);
    expect(await names("SELECT Name FROM Opportunity WHERE StageName NOT IN ('Prospecting') ORDER BY Name DESC")).toEqual(['Gamma', 'beta']);
    expect(await names("SELECT Name FROM Opportunity WHERE Name LIKE '%ta' ORDER BY Name")).toEqual(['beta', 'Delta']);
    expect(await names("SELECT Name FROM Opportunity WHERE (StageName = 'Prospecting' AND Amount > 150) OR Name = 'GAMMA' ORDER BY Name")).toEqual(['Delta', 'Gamma']);
    expect(await names('SELECT Name FROM Opportunity WHERE CloseDate >= 2026-02-10 AND CloseDate < 2026-04-10 ORDER BY CloseDate')).toEqual(['beta', 'Gamma']);
    expect(await names('SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS LAST LIMIT 2 OFFSET 1')).toEqual(['Delta', 'Alpha']);
    expect(await names('SELECT Name FROM Opportunity WHERE Amount = null')).toEqual(['Gamma']);
    expect(await names('SELECT Name FROM Opportunity WHERE IsWon = true')).toEqual(['beta']);
    const count = await conn.query("SELECT COUNT() FROM Opportunity WHERE StageName = 'Prospecting'");
    expect(count).toEqual({ totalSize: 2, done: true, records: [] });
  });

  it('answers Salesforce query errors: unknown field or object, bad syntax, wrong literal types, unfilterable fields', async () => {
    const { conn } = connect();
    const cases: [string, string, string][] = [
      ['SELECT Id, Shoe_Size__c FROM Lead', 'INVALID_FIELD', "\nSELECT Id, Shoe_Size__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Shoe_Size__c' on entity 'Lead'."],
      ['SELECT Id FROM Widget__c', 'INVALID_TYPE', "ERROR at Row:1:Column:16\nsObject type 'Widget__c' is not supported."],
      ['SELECT Id FROMM Lead', 'MALFORMED_QUERY', "ERROR at Row:1:Column:11\nunexpected token: 'FROMM'"],
      ["SELECT Id FROM Lead WHERE Email = 'a' AND LastName = 'b' OR Company = 'c'", 'MALFORMED_QUERY', "unexpected token: 'OR'"],
      ["SELECT Id FROM Lead WHERE Email = 'unterminated", 'MALFORMED_QUERY', 'ERROR at Row:1:Column:35'],
      ["SELECT Id FROM Lead WHERE Email = 'bad \\q escape'", 'MALFORMED_QUERY', "Illegal character sequence '\\q' in string literal."],
      ["SELECT Id FROM Opportunity WHERE Amount = '5'", 'INVALID_FIELD', "value of filter criterion for field 'Amount' must be of type double and should not be enclosed in quotes"],
      ["SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'", 'INVALID_FIELD', "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes"],
      ["SELECT Id FROM Lead WHERE Description = 'x'", 'INVALID_FIELD', "field 'Description' can not be filtered in a query call"],
      ["SELECT Id FROM Lead WHERE Id = 'nope'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: nope'],
      ['SELECT Id, Account.Name FROM Contact', 'INVALID_FIELD', "Didn't understand relationship 'Account' in field path."],
      ['SELECT Id, id FROM Lead', 'MALFORMED_QUERY', 'duplicate field selected: Id'],
    ];
    for (const [soql, errorCode, excerpt] of cases) {
      const error = await failure(conn.query(soql));
      expect(error.errorCode, soql).toBe(errorCode);
      expect(error.data.message, soql).toContain(excerpt);
    }
  });

  it('pages large results through nextRecordsUrl and jsforce autoFetch', async () => {
    const { conn } = connect();
    const records = Array.from({ length: 450 }, (_, i) => ({ LastName: `L${String(i).padStart(3, '0')}`, Company: 'Bulk' }));
    for (let i = 0; i < records.length; i += 200) await conn.sobject('Lead').create(records.slice(i, i + 200));
    const first = await conn.request<{ totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] }>({
      method: 'GET', url: `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`, headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(first).toMatchObject({ totalSize: 450, done: false, nextRecordsUrl: expect.stringMatching(/^\/services\/data\/v62\.0\/query\/01g.+-200$/) });
    expect(first.records).toHaveLength(200);
    const all = await conn.query('SELECT Id, LastName FROM Lead ORDER BY LastName').run({ autoFetch: true, maxFetch: 1000 });
    expect(all.totalSize).toBe(450);
  });
});

describe('composite', () => {
  it('creates an Account, a Contact under it and a Task through references, as one API call', async () => {
    const { conn, orgId } = connect();
    const before = sandbox.stats(orgId).apiUsage.used;
    const answer = await conn.requestPost<CompositeAnswer>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'NewAccount', body: { Name: 'Northwind' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'NewContact', body: { LastName: 'Sam', AccountId: '@{NewAccount.id}', Email: 'sam@northwind.example' } },
        { method: 'GET', url: `/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE Email = 'SAM@northwind.example'")}`, referenceId: 'Found' },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Task', referenceId: 'NewTask', body: { Subject: 'Call', WhoId: '@{Found.records[0].Id}', WhatId: '@{NewAccount.id}' } },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Contact/@{NewContact.id}?fields=AccountId', referenceId: 'Check' },
      ],
    });
    expect(sandbox.stats(orgId).apiUsage.used - before).toBe(1);
    const [account, contact, found, task, check] = answer.compositeResponse;
    expect(account).toMatchObject({ httpStatusCode: 201, referenceId: 'NewAccount', body: { success: true, errors: [] }, httpHeaders: { Location: expect.stringContaining('/sobjects/Account/001') } });
    const accountId = (account!.body as { id: string }).id;
    expect(contact).toMatchObject({ httpStatusCode: 201, referenceId: 'NewContact' });
    expect(found).toMatchObject({ httpStatusCode: 200, body: { totalSize: 1 } });
    expect(task).toMatchObject({ httpStatusCode: 201 });
    expect(check).toMatchObject({ httpStatusCode: 200, body: { AccountId: accountId } });
    expect(sandbox.state(orgId).records.Task).toMatchObject([{ WhoId: (contact!.body as { id: string }).id, WhatId: accountId }]);
  });

  it('rolls everything back when one subrequest fails with allOrNone, and halts only dependants without it', async () => {
    const { conn, orgId } = connect();
    const request = (allOrNone: boolean) => ({
      allOrNone,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'Good', body: { Name: 'Kept?' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Lead', referenceId: 'Bad', body: { LastName: 'No company' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Task', referenceId: 'Dependant', body: { Subject: 'x', WhoId: '@{Bad.id}' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'Independent', body: { LastName: 'Indy' } },
      ],
    });
    const atomic = await conn.requestPost<CompositeAnswer>('/composite', request(true));
    expect(atomic.compositeResponse.map((r) => r.httpStatusCode)).toEqual([400, 400, 400, 400]);
    expect(atomic.compositeResponse[0]!.body).toEqual([{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }]);
    expect(atomic.compositeResponse[1]!.body).toEqual([{ message: 'Required fields are missing: [Company]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Company'] }]);
    expect(sandbox.state(orgId).records.Account).toEqual([]);

    const partial = await conn.requestPost<CompositeAnswer>('/composite', request(false));
    expect(partial.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 400, 400, 201]);
    expect(partial.compositeResponse[2]!.body).toEqual([{ errorCode: 'PROCESSING_HALTED', message: expect.stringContaining('Invalid reference specified. No value for Bad.id found in Bad.') }]);
    expect(sandbox.state(orgId).records.Account).toHaveLength(1);
    expect(sandbox.state(orgId).records.Contact).toHaveLength(1);
  });

  it('refuses malformed composite bodies as a whole', async () => {
    const { conn } = connect();
    const tooMany = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: '/services/data/v62.0/limits', referenceId: `r${i}` }));
    expect((await failure(conn.requestPost('/composite', { compositeRequest: tooMany }))).errorCode).toBe('LIMIT_EXCEEDED');
    const noRef = [{ method: 'GET', url: '/services/data/v62.0/limits' }];
    expect((await failure(conn.requestPost('/composite', { compositeRequest: noRef }))).data.message).toContain('referenceId is required');
  });
});

describe('sObject Collections', () => {
  it('creates, updates, upserts and deletes up to 200 records per call, one API call each', async () => {
    const { conn, orgId } = connect();
    const before = sandbox.stats(orgId).apiUsage.used;
    const created = await conn.sobject('Lead').create([
      { LastName: 'One', Company: 'C', Email: 'one@example.com' },
      { LastName: 'Two', Company: 'C' },
      { LastName: 'Three' },
    ]);
    expect(created).toEqual([
      { id: expect.stringMatching(/^00Q/), success: true, errors: [] },
      { id: expect.stringMatching(/^00Q/), success: true, errors: [] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Company]', fields: ['Company'] }] },
    ]);
    const updated = await conn.sobject('Lead').update([{ Id: created[0]!.id!, Status: 'Working - Contacted' }, { Id: created[1]!.id!, LeadSource: 'Telepathy' }]);
    expect(updated).toEqual([
      { id: created[0]!.id, success: true, errors: [] },
      { id: created[1]!.id, success: false, errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Lead Source: bad value for restricted picklist field: Telepathy', fields: ['LeadSource'] }] },
    ]);

    const opps = (suffix: string) => [
      { Conversation_Id__c: 'conv_a', Name: `A${suffix}`, StageName: 'Prospecting', CloseDate: '2026-05-01' },
      { Conversation_Id__c: 'conv_b', Name: `B${suffix}`, StageName: 'Prospecting', CloseDate: '2026-05-01' },
    ];
    const firstUpsert = await conn.sobject('Opportunity').upsert(opps(''), 'Conversation_Id__c');
    expect(firstUpsert).toEqual([
      { id: expect.stringMatching(/^006/), success: true, errors: [], created: true },
      { id: expect.stringMatching(/^006/), success: true, errors: [], created: true },
    ]);
    const secondUpsert = await conn.sobject('Opportunity').upsert(opps(' v2'), 'Conversation_Id__c');
    expect(secondUpsert).toEqual(firstUpsert.map((r) => ({ ...r, created: false })));
    expect(sandbox.state(orgId).records.Opportunity!.map((o) => o.Name)).toEqual(['A v2', 'B v2']);

    const deleted = await conn.sobject('Lead').destroy([created[0]!.id!, created[1]!.id!]);
    expect(deleted).toEqual([{ id: created[0]!.id, success: true, errors: [] }, { id: created[1]!.id, success: true, errors: [] }]);
    expect(sandbox.stats(orgId).apiUsage.used - before).toBe(5);
  });

  it('rolls a whole collection back with allOrNone and says why for each record', async () => {
    const { conn, orgId } = connect();
    const result = await conn.sobject('Account').create([{ Name: 'Fine' }, { Website: 'https://no-name.example' }], { allOrNone: true });
    expect(result).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] },
    ]);
    expect(sandbox.state(orgId).records.Account).toEqual([]);
  });

  it('refuses more than 200 records and duplicate external ids within one upsert', async () => {
    const { conn } = connect();
    const many = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `A${i}` }));
    const tooMany = await failure(conn.requestPost('/composite/sobjects', { records: many }));
    expect(tooMany.data).toEqual({ message: 'record limit reached. cannot submit more than 200 records into this call', errorCode: 'EXCEEDED_ID_LIMIT' });
    const twice = await conn.sobject('Opportunity').upsert([
      { Conversation_Id__c: 'same', Name: 'x', StageName: 'Prospecting', CloseDate: '2026-01-01' },
      { Conversation_Id__c: 'SAME', Name: 'y', StageName: 'Prospecting', CloseDate: '2026-01-01' },
    ], 'Conversation_Id__c');
    expect(twice.map((r) => r.errors)).toEqual([
      [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: 'Duplicate external id specified: same', fields: ['Conversation_Id__c'] }],
      [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: 'Duplicate external id specified: SAME', fields: ['Conversation_Id__c'] }],
    ]);
  });

  it('runs collections inside composite, and an allOrNone composite overrides their own flag', async () => {
    const { conn, orgId } = connect();
    const answer = await conn.requestPost<CompositeAnswer>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/composite/sobjects', referenceId: 'Accounts', body: { allOrNone: false, records: [{ attributes: { type: 'Account' }, Name: 'One' }, { attributes: { type: 'Account' } }] } },
      ],
    });
    expect(answer.compositeResponse[0]).toMatchObject({ httpStatusCode: 200 });
    expect((answer.compositeResponse[0]!.body as { errors: { statusCode: string }[] }[]).map((r) => r.errors[0]?.statusCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'REQUIRED_FIELD_MISSING']);
    expect(sandbox.state(orgId).records.Account).toEqual([]);
  });
});
