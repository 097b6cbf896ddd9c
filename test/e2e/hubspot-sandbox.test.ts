/**
 * The HubSpot sandbox driven by the unmodified `@hubspot/api-client` (basePath = sandbox URL,
 * no SDK retries): response shapes, HubSpot's error bodies as the SDK surfaces them
 * (ApiException with `code`, `body`, `headers`), limits, OAuth, faults and inspection.
 */
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';

const OAUTH_APP = { clientId: 'connector-app', clientSecret: 'connector-secret', redirectUri: 'http://127.0.0.1:9/oauth/callback' };
const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

let sandbox: HubSpotSandbox;
beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ oauthClients: [OAUTH_APP] });
});
afterAll(async () => {
  await sandbox?.close();
});

function clientFor(accessToken: string, basePath = sandbox.url): Client {
  return new Client({ accessToken, basePath, numberOfApiCallRetries: 0 });
}

/** Each test gets its own portal: own data and own rate-limit window. */
function freshPortal(target: HubSpotSandbox = sandbox) {
  const portal = target.createPortal();
  return { ...portal, client: clientFor(portal.privateAppToken, target.url) };
}

interface SdkError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The SDK throws an ApiException carrying the HTTP status as `code`, HubSpot's JSON as `body`. */
async function sdkError(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    const e = error as Partial<SdkError>;
    if (typeof e.code === 'number' && e.body !== undefined && e.headers !== undefined) return e as SdkError;
    throw error;
  }
  throw new Error('expected the HubSpot call to fail');
}

async function upsertContact(client: Client, email: string, properties: Record<string, string> = {}): Promise<string> {
  const response = await client.crm.contacts.batchApi.upsert({ inputs: [{ idProperty: 'email', id: email, properties }] });
  const [result] = response.results;
  if (!result) throw new Error('upsert returned no result');
  return result.id;
}

describe('batch upsert', () => {
  it('creates new contacts and matches existing ones by email, case-insensitively', async () => {
    const { client, portalId } = freshPortal();
    // The SDK renames HubSpot's `new` to `_new` (and v4's `from` to `_from`) on its models.
    const first = await client.crm.contacts.batchApi.upsert({ inputs: [{ idProperty: 'email', id: 'ada@example.com', properties: { firstname: 'Ada' } }] });
    expect(first.status).toBe('COMPLETE');
    const ada = first.results[0];
    expect(ada).toMatchObject({ _new: true, archived: false, properties: { email: 'ada@example.com', firstname: 'Ada', hs_object_id: ada?.id } });
    expect(ada?.id).toMatch(/^\d+$/);

    const second = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { idProperty: 'email', id: 'ADA@Example.COM', properties: { lastname: 'Lovelace' } },
        { idProperty: 'email', id: 'grace@example.com', properties: { firstname: 'Grace' } },
      ],
    });
    const byEmail = new Map(second.results.map((r) => [r.properties.email, r]));
    expect(byEmail.get('ada@example.com')).toMatchObject({ id: ada?.id, _new: false });
    expect(byEmail.get('grace@example.com')?._new).toBe(true);

    const contacts = sandbox.state(portalId).objects.contacts;
    expect(contacts).toHaveLength(2);
    const stored = contacts.find((c) => c.id === ada?.id);
    expect(stored?.properties).toMatchObject({ email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', hs_object_id: ada?.id });
    expect(stored?.properties.createdate).toBeDefined();
    expect(Date.parse(stored?.properties.lastmodifieddate ?? '')).toBeGreaterThanOrEqual(Date.parse(stored?.properties.createdate ?? ''));
  });

  it('rejects more than 100 inputs and the same email twice in one batch', async () => {
    const { client } = freshPortal();
    const inputs = Array.from({ length: 101 }, (_, i) => ({ idProperty: 'email', id: `p${i}@example.com`, properties: {} }));
    const tooMany = await sdkError(client.crm.contacts.batchApi.upsert({ inputs }));
    expect(tooMany.code).toBe(400);
    expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });

    const twice = await sdkError(client.crm.contacts.batchApi.upsert({
      inputs: [{ idProperty: 'email', id: 'x@example.com', properties: {} }, { idProperty: 'email', id: 'X@example.com', properties: {} }],
    }));
    expect(twice.code).toBe(400);
    expect(String(twice.body.message)).toContain('Duplicate IDs found in batch input');
  });
});

describe('notes with inline associations', () => {
  it('creates notes associated to a contact and a deal, readable from both sides through v4', async () => {
    const { client } = freshPortal();
    const contactId = await upsertContact(client, 'visitor@example.com');
    const deals = await client.crm.deals.batchApi.create({
      inputs: [{
        properties: { dealname: 'Catering for 50', dealstage: 'appointmentscheduled', pipeline: 'default', amount: '1200.50' },
        associations: [{ to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 3 }] }],
      }],
    });
    const dealId = deals.results[0]?.id ?? '';

    const notes = await client.crm.objects.notes.batchApi.create({
      inputs: [{
        properties: { hs_note_body: '<p>Transcript</p>', hs_timestamp: '2026-04-10T12:36:07Z' },
        associations: [
          { to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] },
          { to: { id: dealId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 214 }] },
        ],
      }],
    });
    const note = notes.results[0];
    expect(note?.properties).toMatchObject({ hs_note_body: '<p>Transcript</p>', hs_timestamp: '2026-04-10T12:36:07.000Z' });
    const noteId = note?.id ?? '';

    const v4 = client.crm.associations.v4.batchApi;
    const noteToContact = await v4.getPage('notes', 'contacts', { inputs: [{ id: noteId }] });
    expect(noteToContact.results).toHaveLength(1);
    expect(noteToContact.results[0]?._from.id).toBe(noteId);
    // v4 sends the other side's id as a JSON number although the SDK types it as a string.
    expect(noteToContact.results[0]?.to).toEqual([{ toObjectId: Number(contactId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 202, label: null }] }]);

    const contactToNote = await v4.getPage('contacts', 'notes', { inputs: [{ id: contactId }] });
    expect(contactToNote.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(201);
    const contactToDeal = await v4.getPage('contacts', 'deals', { inputs: [{ id: contactId }] });
    expect(contactToDeal.results[0]?.to).toEqual([{ toObjectId: Number(dealId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }] }]);
    const dealToNote = await v4.getPage('deals', 'notes', { inputs: [{ id: dealId }] });
    expect(dealToNote.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(213);
  });

  it('associates with default and explicit types, and reports records without associations', async () => {
    const { client } = freshPortal();
    const contactId = await upsertContact(client, 'buyer@example.com');
    const companies = await client.crm.companies.batchApi.create({ inputs: [{ properties: { name: 'Northwind', domain: 'northwind.example' }, associations: [] }] });
    const companyId = companies.results[0]?.id ?? '';
    const v4 = client.crm.associations.v4.batchApi;

    const byDefault = await v4.createDefault('contacts', 'companies', { inputs: [{ _from: { id: contactId }, to: { id: companyId } }] });
    expect(byDefault.results.map((r) => r.associationSpec.associationTypeId).sort()).toEqual([279, 280]);

    const typed = await v4.create('contacts', 'companies', {
      inputs: [{ _from: { id: contactId }, to: { id: companyId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 1 }] }],
    });
    expect(typed.results[0]).toMatchObject({ fromObjectTypeId: '0-1', toObjectTypeId: '0-2', labels: ['Primary'] });
    const fromCompany = await v4.getPage('companies', 'contacts', { inputs: [{ id: companyId }] });
    expect(fromCompany.results[0]?.to[0]?.associationTypes.map((t) => t.typeId).sort()).toEqual([2, 280]);

    const wrongPair = await sdkError(v4.create('contacts', 'companies', {
      inputs: [{ _from: { id: contactId }, to: { id: companyId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] }],
    }));
    expect(wrongPair.code).toBe(400);

    const none = await v4.getPage('deals', 'contacts', { inputs: [{ id: '424242' }] });
    expect(none).toMatchObject({ numErrors: 1, results: [] });
  });

  it('requires hs_timestamp and rejects a body over 65,536 characters', async () => {
    const { client, portalId } = freshPortal();
    const missing = await sdkError(client.crm.objects.notes.batchApi.create({ inputs: [{ properties: { hs_note_body: 'hi' }, associations: [] }] }));
    expect(missing.code).toBe(400);
    expect(missing.body).toMatchObject({ category: 'VALIDATION_ERROR', context: { properties: ['hs_timestamp'] } });

    const at = '2026-04-10T12:36:07Z';
    await client.crm.objects.notes.batchApi.create({ inputs: [{ properties: { hs_note_body: 'x'.repeat(65_536), hs_timestamp: at }, associations: [] }] });
    const tooLong = await sdkError(client.crm.objects.notes.batchApi.create({ inputs: [{ properties: { hs_note_body: 'x'.repeat(65_537), hs_timestamp: at }, associations: [] }] }));
    expect(tooLong.code).toBe(400);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ context: { propertyName: ['hs_note_body'] } })]);
    expect(sandbox.state(portalId).objects.notes).toHaveLength(1);
  });
});

describe('batch result order', () => {
  it('echoes objectWriteTraceId and can reverse results to catch clients that rely on order', async () => {
    const reversed = await startHubSpotSandbox({ reverseBatchResults: true });
    try {
      const { client } = freshPortal(reversed);
      const created = await client.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'first@example.com' }, associations: [], objectWriteTraceId: 'a' },
          { properties: { email: 'second@example.com' }, associations: [], objectWriteTraceId: 'b' },
        ],
      });
      expect(created.results.map((r) => [r.objectWriteTraceId, r.properties.email])).toEqual([['b', 'second@example.com'], ['a', 'first@example.com']]);
    } finally {
      await reversed.close();
    }
  });
});

describe('unique values', () => {
  it('answers 409 CONFLICT when a create reuses a unique value', async () => {
    const { client } = freshPortal();
    const existingId = await upsertContact(client, 'taken@example.com');
    const conflict = await sdkError(client.crm.contacts.batchApi.create({ inputs: [{ properties: { email: 'Taken@Example.com' }, associations: [] }] }));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing ID: ${existingId}` });
    expect(conflict.body.errors).toEqual([expect.objectContaining({ message: `A contact with email taken@example.com already exists. Existing ID: ${existingId}` })]);
  });

  it('upserts deals by a custom unique property and refuses a duplicate create', async () => {
    const { client, portalId } = freshPortal();
    await client.crm.properties.coreApi.create('deals', {
      name: 'crm_connector_conversation_id', label: 'Conversation id', type: 'string' as never, fieldType: 'text' as never,
      groupName: 'dealinformation', hasUniqueValue: true,
    });
    const upsert = (dealname: string) => client.crm.deals.batchApi.upsert({
      inputs: [{ idProperty: 'crm_connector_conversation_id', id: 'conv_1', properties: { dealname } }],
    });
    const created = await upsert('First');
    const again = await upsert('Renamed');
    expect(again.results[0]).toMatchObject({ id: created.results[0]?.id, _new: false });
    expect(sandbox.state(portalId).objects.deals.map((d) => d.properties.dealname)).toEqual(['Renamed']);

    const duplicate = await sdkError(client.crm.deals.batchApi.create({ inputs: [{ properties: { crm_connector_conversation_id: 'conv_1' }, associations: [] }] }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body.message).toBe(`Deal already exists. Existing ID: ${created.results[0]?.id}`);

    const notUnique = await sdkError(client.crm.deals.batchApi.upsert({ inputs: [{ idProperty: 'dealname', id: 'x', properties: {} }] }));
    expect(notUnique.code).toBe(400);
  });
});

describe('partial batches', () => {
  it('answers 207 multi-status with OBJECT_NOT_FOUND for unknown ids on read and update', async () => {
    const { client } = freshPortal();
    const id = await upsertContact(client, 'known@example.com', { firstname: 'Known' });
    const read = await client.crm.contacts.batchApi.readWithHttpInfo({ inputs: [{ id }, { id: '999999' }], properties: ['firstname'], propertiesWithHistory: [] });
    expect(read.httpStatusCode).toBe(207);
    expect(read.data).toMatchObject({
      status: 'COMPLETE',
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } }],
    });
    expect(read.data.results.map((r) => r.properties)).toEqual([expect.objectContaining({ firstname: 'Known', hs_object_id: id })]);

    const update = await client.crm.contacts.batchApi.updateWithHttpInfo({
      inputs: [{ id, properties: { lastname: 'Contact' } }, { id: '888888', properties: { lastname: 'Nobody' } }],
    });
    expect(update.httpStatusCode).toBe(207);
    expect(update.data.results).toEqual([expect.objectContaining({ id, properties: expect.objectContaining({ lastname: 'Contact' }) })]);
  });
});

describe('property validation', () => {
  it('rejects bad values with VALIDATION_ERROR bodies and writes nothing', async () => {
    const { client, portalId } = freshPortal();
    const error = await sdkError(client.crm.deals.batchApi.create({
      inputs: [{ properties: { dealname: 'Bad', dealstage: 'maybe', amount: '12 euros', favourite_colour: 'blue' }, associations: [] }],
    }));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(String(error.body.message)).toMatch(/^Property values were not valid: \[/);
    expect(error.body.errors).toEqual([
      { message: expect.stringContaining('maybe was not one of the allowed options: [appointmentscheduled'), code: 'INVALID_OPTION', context: { propertyName: ['dealstage'] } },
      { message: '12 euros was not a valid number.', code: 'INVALID_INTEGER', context: { propertyName: ['amount'] } },
      { message: 'Property "favourite_colour" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['favourite_colour'] } },
    ]);
    expect(sandbox.state(portalId).objects.deals).toEqual([]);
  });

  it('accepts date properties only at midnight UTC', async () => {
    const { client } = freshPortal();
    await client.crm.properties.coreApi.create('deals', {
      name: 'event_date', label: 'Event date', type: 'date' as never, fieldType: 'date' as never, groupName: 'dealinformation',
    });
    const notMidnight = await sdkError(client.crm.deals.batchApi.create({ inputs: [{ properties: { dealname: 'Party', event_date: '2026-06-15T10:00:00Z' }, associations: [] }] }));
    expect(notMidnight.code).toBe(400);
    expect(notMidnight.body.errors).toEqual([
      { message: '2026-06-15T10:00:00Z is at 10:0:0.0 UTC, not midnight!', code: 'INVALID_DATE', context: { propertyName: ['event_date'] } },
    ]);
    const midnight = String(Date.UTC(2026, 5, 15));
    const ok = await client.crm.deals.batchApi.create({ inputs: [{ properties: { dealname: 'Party', event_date: midnight }, associations: [] }] });
    expect(ok.results[0]?.properties.event_date).toBe('2026-06-15');
  });
});

describe('properties API', () => {
  it('creates groups and properties, answering 409 when they exist', async () => {
    const { client } = freshPortal();
    const group = await client.crm.properties.groupsApi.create('contacts', { name: 'crm_connector', label: 'Conversation connector' });
    expect(group).toMatchObject({ name: 'crm_connector', label: 'Conversation connector', archived: false });
    const groupAgain = await sdkError(client.crm.properties.groupsApi.create('contacts', { name: 'crm_connector', label: 'Again' }));
    expect(groupAgain.code).toBe(409);
    expect((await client.crm.properties.groupsApi.getAll('contacts')).results.map((g) => g.name)).toContain('crm_connector');

    const outcome = {
      name: 'crm_connector_outcome', label: 'Outcome', type: 'enumeration' as never, fieldType: 'select' as never, groupName: 'crm_connector',
      options: [{ label: 'Completed', value: 'completed', hidden: false }, { label: 'Abandoned', value: 'abandoned', hidden: false }],
    };
    const created = await client.crm.properties.coreApi.create('contacts', outcome);
    expect(created).toMatchObject({ name: 'crm_connector_outcome', type: 'enumeration', groupName: 'crm_connector', hubspotDefined: false });
    const again = await sdkError(client.crm.properties.coreApi.create('contacts', outcome));
    expect(again.code).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });

    const fetched = await client.crm.properties.coreApi.getByName('contacts', 'crm_connector_outcome');
    expect(fetched.options.map((o) => o.value)).toEqual(['completed', 'abandoned']);
    const email = await client.crm.properties.coreApi.getByName('contacts', 'email');
    expect(email).toMatchObject({ type: 'string', hasUniqueValue: true, hubspotDefined: true });
    const lifecycle = await client.crm.properties.coreApi.getByName('contacts', 'lifecyclestage');
    expect(lifecycle.options.map((o) => o.value)).toContain('salesqualifiedlead');
    const all = await client.crm.properties.coreApi.getAll('deals');
    expect(all.results.map((p) => p.name)).toEqual(expect.arrayContaining(['dealname', 'amount', 'dealstage', 'pipeline', 'closedate', 'description']));
    expect((await sdkError(client.crm.properties.coreApi.getByName('contacts', 'nope'))).code).toBe(404);

    const mismatched = await sdkError(client.crm.properties.coreApi.create('contacts', { ...outcome, name: 'bad_field', type: 'string' as never }));
    expect(mismatched.code).toBe(400);
  });
});

describe('endpoints the adapter uses besides the brief', () => {
  it('archives records in a batch, releasing their associations', async () => {
    const { client, portalId } = freshPortal();
    const contactId = await upsertContact(client, 'archived@example.com');
    const notes = await client.crm.objects.notes.batchApi.create({
      inputs: [{ properties: { hs_note_body: 'old part', hs_timestamp: '2026-04-10T12:00:00Z' }, associations: [{ to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] }] }],
    });
    const noteId = notes.results[0]?.id ?? '';
    await client.crm.objects.notes.batchApi.archive({ inputs: [{ id: noteId }, { id: '777777' }] });
    expect((await sdkError(client.crm.objects.notes.basicApi.getById(noteId))).code).toBe(404);
    const archived = await client.crm.objects.notes.basicApi.getById(noteId, undefined, undefined, undefined, true);
    expect(archived).toMatchObject({ id: noteId, archived: true });
    expect(sandbox.state(portalId).objects.contacts[0]?.associations).toEqual({});
  });

  it('creates properties in a batch, reporting taken names as a 207', async () => {
    const { client } = freshPortal();
    const property = (name: string) => ({ name, label: name, type: 'number' as never, fieldType: 'number' as never, groupName: 'dealinformation' });
    const first = await client.crm.properties.batchApi.createWithHttpInfo('deals', { inputs: [property('crm_connector_credits')] });
    expect(first.httpStatusCode).toBe(201);
    const second = await client.crm.properties.batchApi.createWithHttpInfo('deals', { inputs: [property('crm_connector_credits'), property('crm_connector_duration_seconds')] });
    expect(second.httpStatusCode).toBe(207);
    expect(second.data.results.map((p) => p.name)).toEqual(['crm_connector_duration_seconds']);
    expect(second.data).toMatchObject({ numErrors: 1, errors: [{ category: 'OBJECT_ALREADY_EXISTS', context: { name: ['crm_connector_credits'] } }] });
  });

  it('serves the date-versioned paths with the same bodies', async () => {
    const { privateAppToken, portalId } = freshPortal();
    const post = (path: string, body: unknown) => fetch(`${sandbox.url}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${privateAppToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const upsert = await post('/crm/objects/2026-03/contacts/batch/upsert', { inputs: [{ idProperty: 'email', id: 'dated@example.com', properties: {} }] });
    expect(upsert.status).toBe(200);
    expect(await upsert.json()).toMatchObject({ status: 'COMPLETE', results: [{ new: true, properties: { email: 'dated@example.com' } }] });
    expect(sandbox.state(portalId).objects.contacts).toHaveLength(1);
    expect((await post('/crm/objects/latest/contacts/batch/upsert', { inputs: [] })).status).toBe(404);
  });
});

describe('search', () => {
  it('filters with EQ and IN, pages with limit/after, and returns requested properties', async () => {
    const { client } = freshPortal();
    for (const [email, stage] of [['ada@example.com', 'lead'], ['grace@example.com', 'customer'], ['alan@example.com', 'lead']] as const) {
      await upsertContact(client, email, { lifecyclestage: stage });
    }
    const byEmail = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: 'ADA@example.com' }] }],
      properties: ['lifecyclestage'],
      limit: 10,
    });
    expect(byEmail.total).toBe(1);
    expect(byEmail.results[0]?.properties).toMatchObject({ lifecyclestage: 'lead', hs_object_id: expect.any(String) });

    const leads = { filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: FilterOperatorEnum.In, values: ['lead'] }] }], limit: 1 };
    const page1 = await client.crm.contacts.searchApi.doSearch(leads);
    expect(page1.total).toBe(2);
    expect(page1.paging?.next?.after).toBe('1');
    const page2 = await client.crm.contacts.searchApi.doSearch({ ...leads, after: page1.paging?.next?.after ?? '' });
    expect(page2.paging).toBeUndefined();
    expect(new Set([page1.results[0]?.id, page2.results[0]?.id]).size).toBe(2);

    const unknown = await sdkError(client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'nope', operator: FilterOperatorEnum.Eq, value: 'x' }] }] }));
    expect(unknown.code).toBe(400);
  });
});

describe('basic object API', () => {
  it('reads one record with its associations and patches it', async () => {
    const { client } = freshPortal();
    const contactId = await upsertContact(client, 'one@example.com', { firstname: 'One' });
    await client.crm.deals.batchApi.create({
      inputs: [{ properties: { dealname: 'D' }, associations: [{ to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 3 }] }] }],
    });
    const contact = await client.crm.contacts.basicApi.getById(contactId, ['firstname', 'phone'], undefined, ['deals']);
    expect(contact.properties).toMatchObject({ firstname: 'One', phone: null, hs_object_id: contactId });
    expect(contact.associations?.deals?.results).toEqual([expect.objectContaining({ type: 'contact_to_deal' })]);

    const patched = await client.crm.contacts.basicApi.update(contactId, { properties: { phone: '+1 555 0100' } });
    expect(patched.properties.phone).toBe('+1 555 0100');
    const byEmail = await client.crm.contacts.basicApi.getById('ONE@example.com', ['phone'], undefined, undefined, false, 'email');
    expect(byEmail.properties.phone).toBe('+1 555 0100');
    const missing = await sdkError(client.crm.contacts.basicApi.getById('31337'));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
  });
});

describe('OAuth', () => {
  async function install(portalId: number) {
    const code = sandbox.issueAuthorizationCode(portalId, { clientId: OAUTH_APP.clientId, redirectUri: OAUTH_APP.redirectUri });
    const oauth = new Client({ basePath: sandbox.url, numberOfApiCallRetries: 0 }).oauth;
    const tokens = await oauth.tokensApi.create('authorization_code', code, OAUTH_APP.redirectUri, OAUTH_APP.clientId, OAUTH_APP.clientSecret);
    return { code, oauth, tokens };
  }

  it('exchanges a code, refreshes with rotation and revokes', async () => {
    const { portalId } = freshPortal();
    const { code, oauth, tokens } = await install(portalId);
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 1800 });
    const reused = await sdkError(oauth.tokensApi.create('authorization_code', code, OAUTH_APP.redirectUri, OAUTH_APP.clientId, OAUTH_APP.clientSecret));
    expect(reused).toMatchObject({ code: 400, body: { status: 'BAD_AUTH_CODE' } });

    const info = await oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ hubId: portalId, tokenType: 'access', scopes: expect.arrayContaining(['crm.objects.contacts.write']) });
    expect((await clientFor(tokens.accessToken).crm.properties.coreApi.getAll('contacts')).results.length).toBeGreaterThan(0);

    const refresh = (refreshToken: string, secret = OAUTH_APP.clientSecret) =>
      oauth.tokensApi.create('refresh_token', undefined, undefined, OAUTH_APP.clientId, secret, refreshToken);
    const badSecret = await sdkError(refresh(tokens.refreshToken, 'wrong'));
    expect(badSecret).toMatchObject({ code: 400, body: { status: 'BAD_CLIENT_SECRET' } });
    const refreshed = await refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    const stale = await sdkError(refresh(tokens.refreshToken));
    expect(stale).toMatchObject({ code: 400, body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' } });
    expect((await clientFor(refreshed.accessToken).crm.properties.coreApi.getAll('deals')).results.length).toBeGreaterThan(0);

    await oauth.refreshTokensApi.archive(refreshed.refreshToken);
    expect((await sdkError(refresh(refreshed.refreshToken))).body.status).toBe('BAD_REFRESH_TOKEN');
    expect((await sdkError(clientFor(refreshed.accessToken).crm.properties.coreApi.getAll('deals'))).code).toBe(401);
  });

  it('answers 401 for expired and unknown tokens', async () => {
    const { portalId, client } = freshPortal();
    const { tokens } = await install(portalId);
    sandbox.expireTokens(portalId);
    const expired = await sdkError(clientFor(tokens.accessToken).crm.contacts.batchApi.upsert({ inputs: [] }));
    expect(expired.code).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
    // Private-app tokens do not expire.
    expect((await client.crm.properties.coreApi.getAll('contacts')).results.length).toBeGreaterThan(0);

    const unknown = await sdkError(clientFor('pat-na1-not-a-token').crm.properties.coreApi.getAll('contacts'));
    expect(unknown.code).toBe(401);
    expect(unknown.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', message: expect.stringContaining('Authentication credentials not found') });
  });
});

describe('rate limits', () => {
  it('sends the rate-limit headers with the default 100 per 10 s', async () => {
    const { client } = freshPortal();
    const response = await client.crm.properties.coreApi.getAllWithHttpInfo('contacts');
    expect(response.headers).toMatchObject({
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': '100',
      'x-hubspot-ratelimit-remaining': '99',
    });
  });

  it('answers 429 TEN_SECONDLY_ROLLING past the limit, per portal, and counts it', async () => {
    const limited = await startHubSpotSandbox({ limits: { perTenSeconds: 5, searchPerSecond: 1 } });
    try {
      const { client, portalId } = freshPortal(limited);
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) remaining.push((await client.crm.properties.coreApi.getAllWithHttpInfo('contacts')).headers['x-hubspot-ratelimit-remaining'] ?? '');
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);

      const limitedCall = await sdkError(client.crm.contacts.batchApi.upsert({ inputs: [] }));
      expect(limitedCall.code).toBe(429);
      expect(limitedCall.body).toEqual({
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: expect.any(String),
        policyName: 'TEN_SECONDLY_ROLLING',
        groupName: expect.stringContaining(String(portalId)),
      });
      expect(limitedCall.headers).toMatchObject({ 'x-hubspot-ratelimit-max': '5', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' });
      expect(limited.stats(portalId)).toMatchObject({
        totalRequests: 6, tooManyRequests: 1, rateLimited: { total: 1, tenSecondly: 1, secondly: 0 }, maxRequestsInTenSeconds: 6, injectedFaults: 0,
      });
      expect(limited.stats(portalId).byEndpoint).toMatchObject({ 'GET /crm/v3/properties/contacts': 5, 'POST /crm/v3/objects/contacts/batch/upsert': 1 });

      // Another portal has its own window.
      const other = freshPortal(limited);
      expect((await other.client.crm.properties.coreApi.getAll('contacts')).results.length).toBeGreaterThan(0);

      // Search has its own per-second budget (1 here); concurrent searches exceed it.
      const search = () => other.client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
      const outcomes = await Promise.allSettled([search(), search(), search()]);
      const rejected = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as SdkError] : []));
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      expect(rejected[0]?.body).toMatchObject({ policyName: 'SECONDLY', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT' });
      expect(limited.stats(other.portalId).rateLimited.secondly).toBe(rejected.length);
    } finally {
      await limited.close();
    }
  });
});

describe('fault injection', () => {
  it('fails, delays or replaces responses for the next matching requests', async () => {
    const { client, portalId } = freshPortal();
    sandbox.injectFaults(portalId, { status: 503, count: 1, pathPrefix: '/crm/v3/objects/contacts' });
    expect((await client.crm.properties.coreApi.getAll('contacts')).results.length).toBeGreaterThan(0); // other path: untouched
    const unavailable = await sdkError(upsertContact(client, 'retry@example.com'));
    expect(unavailable.code).toBe(503);
    await upsertContact(client, 'retry@example.com');

    // After the write: the client sees a 500 but the contact exists.
    sandbox.injectFaults(portalId, { status: 500, count: 1, afterWrite: true });
    expect((await sdkError(upsertContact(client, 'ghost@example.com'))).code).toBe(500);
    expect(sandbox.state(portalId).objects.contacts.map((c) => c.properties.email)).toContain('ghost@example.com');

    // Over HTTP for out-of-process tests.
    const response = await fetch(`${sandbox.url}/_sandbox/portals/${portalId}/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 429, count: 1 }),
    });
    expect(response.status).toBe(204);
    expect((await sdkError(client.crm.properties.coreApi.getAll('deals'))).body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(sandbox.stats(portalId)).toMatchObject({ injectedFaults: 3, tooManyRequests: 1, rateLimited: { total: 0 } });

    sandbox.injectFaults(portalId, { status: 502, delayMs: 20, count: 1 });
    expect((await sdkError(client.crm.properties.coreApi.getAll('deals'))).code).toBe(502);

    expect(() => sandbox.injectFaults(portalId, { count: 1 })).toThrow(/a fault needs a status, a delayMs, or both/);
  });
});

describe('inspection', () => {
  it('serves the state as JSON and an HTML page that escapes note bodies', async () => {
    const { client, portalId } = freshPortal();
    const contactId = await upsertContact(client, 'page@example.com', { firstname: 'Page' });
    await client.crm.objects.notes.batchApi.create({
      inputs: [{
        properties: { hs_note_body: '<script>alert("x")</script><b>bold</b>', hs_timestamp: '2026-04-10T12:00:00Z' },
        associations: [{ to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] }],
      }],
    });
    const state = await (await fetch(`${sandbox.url}/_sandbox/portals/${portalId}/state`)).json();
    expect(state).toMatchObject({
      portalId,
      objects: { notes: [{ associations: { contacts: [{ id: contactId, typeIds: [202] }] } }], contacts: [{ associations: { notes: [expect.objectContaining({ typeIds: [201] })] } }] },
      stats: { totalRequests: 2 },
    });

    const page = await (await fetch(`${sandbox.url}/_sandbox?portalId=${portalId}`)).text();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;');
    expect(page).not.toContain('<script>');
    expect(page).toContain('page@example.com');
  });
});

describe('CLI', () => {
  it('prints the URL and token, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/cli.ts', 'sandbox', 'hubspot', '--port', '0', '--per-ten-seconds', '7'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      for await (const chunk of child.stdout) {
        out += String(chunk);
        if (out.includes('Ctrl-C')) break;
      }
      const url = /HubSpot sandbox:\s+(\S+)/.exec(out)?.[1] ?? '';
      const token = /Private app token:\s+(\S+)/.exec(out)?.[1] ?? '';
      expect(token).toMatch(/^pat-na1-/);
      const response = await clientFor(token, url).crm.properties.coreApi.getAllWithHttpInfo('contacts');
      expect(response.headers['x-hubspot-ratelimit-max']).toBe('7');
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
    expect(child.exitCode).toBe(0);
  });
});
