/**
 * Shared pieces of the Salesforce adapter's nock contract tests: an org's describe metadata, write
 * plans shaped like the default mapping's, and nock interceptors that record exactly what the
 * adapter sent.
 */
import { createRequire } from 'node:module';
import nock from 'nock';
import type { ExecutionResult, PlanExecution, WrittenObject } from '../../src/crm/adapter.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { createSalesforceAdapter, type SalesforceAdapterOptions } from '../../src/crm/salesforce/adapter.ts';
import type { NoteBody, PlannedRecord, ValueOrigin, WritePlan } from '../../src/crm/write-plan.ts';

/**
 * nock 15 (socket-level @mswjs/interceptors) lets a request through to the real network when
 * its body is written a tick after the request starts, which jsforce always does
 * (`setTimeout(() => duplex.end(body), 0)` in its request-helper); so every POST/PATCH would
 * escape the mocks. This writes the same body synchronously instead: same bytes, same headers,
 * only the timing of the write changes. The e2e tests against the Salesforce sandbox run jsforce
 * unpatched over real sockets.
 */
function writeJsforceBodiesSynchronously(): void {
  const helper = createRequire(import.meta.url)('jsforce/lib/request-helper') as {
    createHttpRequestHandlerStreams: (req: { body?: unknown }, options?: unknown) => { stream: NodeJS.WritableStream };
    __bodiesSynchronous?: boolean;
  };
  if (helper.__bodiesSynchronous) return;
  const original = helper.createHttpRequestHandlerStreams;
  helper.createHttpRequestHandlerStreams = (req, options) => {
    const streams = original({ ...req, body: undefined }, options);
    if (req.body !== undefined) streams.stream.end(req.body as string, 'utf8');
    return streams;
  };
  helper.__bodiesSynchronous = true;
}
writeJsforceBodiesSynchronously();

export const INSTANCE = 'https://acme.my.salesforce.com';
export const LOGIN = 'https://login.salesforce.com';
export const DATA = '/services/data/v62.0';
export const ORG_ID = '00D000000000001EAA';
export const LIMIT_HEADER = { 'Sforce-Limit-Info': 'api-usage=120/15000', 'Content-Type': 'application/json' };

export const origin = (path: string, line: number): ValueOrigin => ({ file: 'mappings/salesforce.default.yaml', line, column: 7, path });

// ---------------------------------------------------------------- describe metadata

interface FieldSpec {
  type: string;
  length?: number;
  createable?: boolean;
  updateable?: boolean;
  externalId?: boolean;
  unique?: boolean;
  picklist?: string[];
  inactive?: string[];
  restricted?: boolean;
}

function field(name: string, spec: FieldSpec) {
  return {
    name,
    label: name,
    type: spec.type,
    length: spec.length ?? 0,
    createable: spec.createable ?? true,
    updateable: spec.updateable ?? spec.createable ?? true,
    nillable: true,
    filterable: true,
    externalId: spec.externalId ?? false,
    unique: spec.unique ?? false,
    idLookup: spec.externalId ?? false,
    restrictedPicklist: spec.restricted ?? false,
    picklistValues: [
      ...(spec.picklist ?? []).map((value) => ({ value, label: value, active: true })),
      ...(spec.inactive ?? []).map((value) => ({ value, label: value, active: false })),
    ],
    referenceTo: [],
  };
}

const system = {
  Id: field('Id', { type: 'id', length: 18, createable: false }),
  LastModifiedDate: field('LastModifiedDate', { type: 'datetime', createable: false }),
};

export const DESCRIBES: Record<string, unknown> = {
  Lead: {
    name: 'Lead',
    label: 'Lead',
    fields: [
      system.Id, system.LastModifiedDate,
      field('FirstName', { type: 'string', length: 40 }),
      field('LastName', { type: 'string', length: 80 }),
      field('Company', { type: 'string', length: 255 }),
      field('Email', { type: 'email', length: 80 }),
      field('Phone', { type: 'phone', length: 40 }),
      field('LeadSource', { type: 'picklist', picklist: ['Web', 'Phone Inquiry'] }),
      field('Status', { type: 'picklist', picklist: ['Open - Not Contacted'], restricted: true }),
      field('IsConverted', { type: 'boolean', createable: false }),
    ],
  },
  Contact: {
    name: 'Contact',
    label: 'Contact',
    fields: [
      system.Id, system.LastModifiedDate,
      field('FirstName', { type: 'string', length: 40 }),
      field('LastName', { type: 'string', length: 80 }),
      field('Email', { type: 'email', length: 80 }),
      field('Phone', { type: 'phone', length: 40 }),
      field('LeadSource', { type: 'picklist', picklist: ['Web'] }),
      field('AccountId', { type: 'reference', length: 18 }),
    ],
  },
  Opportunity: {
    name: 'Opportunity',
    label: 'Opportunity',
    fields: [
      system.Id, system.LastModifiedDate,
      field('Name', { type: 'string', length: 120 }),
      field('StageName', { type: 'picklist', picklist: ['Prospecting', 'Closed Won'], inactive: ['Legacy'], restricted: true }),
      field('CloseDate', { type: 'date' }),
      field('Amount', { type: 'currency' }),
      field('AccountId', { type: 'reference', length: 18 }),
      field('Conversation_Id__c', { type: 'string', length: 255, externalId: true, unique: true }),
      field('Conversation_Outcome__c', { type: 'picklist', picklist: ['completed', 'abandoned', 'error'], restricted: true }),
    ],
  },
  Task: {
    name: 'Task',
    label: 'Task',
    fields: [
      system.Id, system.LastModifiedDate,
      field('Subject', { type: 'combobox', length: 255 }),
      field('Description', { type: 'textarea', length: 32_000 }),
      field('Status', { type: 'picklist', picklist: ['Completed', 'Not Started'] }),
      field('Priority', { type: 'picklist', picklist: ['Normal', 'High'] }),
      field('ActivityDate', { type: 'date' }),
      field('WhoId', { type: 'reference', length: 18 }),
      field('WhatId', { type: 'reference', length: 18 }),
      field('TaskSubtype', { type: 'picklist', picklist: ['Call', 'Task'], createable: true, updateable: false }),
      field('CallDurationInSeconds', { type: 'int' }),
    ],
  },
  ContentNote: {
    name: 'ContentNote',
    label: 'Note',
    fields: [system.Id, system.LastModifiedDate, field('Title', { type: 'string', length: 255 }), field('Content', { type: 'base64' })],
  },
};

// ---------------------------------------------------------------- plans

export const BODY: NoteBody = {
  title: 'Website conversation with Ann Lee',
  html: '<p><strong>Agent:</strong> Hi! Tom &amp; Jerry&#39;s catering&nbsp;here.</p>\n<p><strong>User:</strong> Do you cater <em>vegan</em>?</p>',
  text: "Agent: Hi! Tom & Jerry's catering here.\nUser: Do you cater vegan?",
  sourceUrl: 'https://platform.example/conversations/conv_1',
};

export interface PlanSpec {
  conversationId: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  /** Leave out the opportunity (conversation without contact details). */
  withoutDeal?: boolean;
}

export function leadRecord(spec: PlanSpec): PlannedRecord {
  return {
    key: 'lead',
    role: 'person',
    object: 'Lead',
    match: { property: 'Email', value: spec.email, origin: origin('objects.lead.match', 14) },
    properties: {
      Email: { value: spec.email, policy: 'always', origin: origin('objects.lead.properties.Email', 17) },
      FirstName: { value: spec.firstName ?? 'Ann', policy: 'if_empty', origin: origin('objects.lead.properties.FirstName', 20) },
      LastName: { value: spec.lastName ?? 'Lee', policy: 'if_empty', origin: origin('objects.lead.properties.LastName', 27) },
      Company: { value: spec.company ?? '[not provided]', policy: 'if_empty', origin: origin('objects.lead.properties.Company', 35) },
      LeadSource: { value: 'Web', policy: 'if_empty', origin: origin('objects.lead.properties.LeadSource', 43) },
    },
    associations: [],
  };
}

export function planFor(spec: PlanSpec): WritePlan {
  const deal: PlannedRecord = {
    key: 'opportunity',
    role: 'deal',
    object: 'Opportunity',
    match: { property: 'Conversation_Id__c', value: spec.conversationId, origin: origin('objects.opportunity.match', 53) },
    properties: {
      Conversation_Id__c: { value: spec.conversationId, policy: 'always', origin: origin('objects.opportunity.properties.Conversation_Id__c', 57) },
      Name: { value: `Website inquiry: ${spec.firstName ?? 'Ann'}`, policy: 'if_empty', origin: origin('objects.opportunity.properties.Name', 59) },
      StageName: { value: 'Prospecting', policy: 'if_empty', origin: origin('objects.opportunity.properties.StageName', 66) },
      CloseDate: { value: '2026-06-15', policy: 'if_empty', origin: origin('objects.opportunity.properties.CloseDate', 69) },
      Conversation_Outcome__c: { value: 'completed', policy: 'always', origin: origin('objects.opportunity.properties.Conversation_Outcome__c', 88) },
    },
    associations: ['lead'],
  };
  const content = (key: string, role: 'activity' | 'note', object: string, line: number): PlannedRecord => ({
    key,
    role,
    object,
    properties: role === 'activity'
      ? {
          Status: { value: 'Completed', policy: 'always', origin: origin(`objects.${key}.properties.Status`, line) },
          CallDurationInSeconds: { value: 127, policy: 'always', origin: origin(`objects.${key}.properties.CallDurationInSeconds`, line + 2) },
        }
      : {},
    associations: spec.withoutDeal ? ['lead'] : ['lead', 'opportunity'],
    body: BODY,
    occurredAt: '2026-04-10T12:36:07Z',
  });
  return {
    crm: 'salesforce',
    conversationId: spec.conversationId,
    mapping: { file: 'mappings/salesforce.default.yaml', version: 'v1' },
    records: [
      leadRecord(spec),
      ...(spec.withoutDeal ? [] : [deal]),
      content('transcript_task', 'activity', 'Task', 112),
      content('transcript_note', 'note', 'ContentNote', 130),
    ],
    skipped: [],
  };
}

export const execution = (plan: WritePlan, previous: Record<string, WrittenObject> = {}): PlanExecution => ({ plan, previous });

// ---------------------------------------------------------------- adapter

export interface TestAdapter {
  adapter: ReturnType<typeof createSalesforceAdapter>;
  limiter: AccountRateLimiter;
  rotated: unknown[];
  reconnect: string[];
}

export function testAdapter(overrides: Partial<SalesforceAdapterOptions> = {}): TestAdapter {
  const limiter = new AccountRateLimiter();
  const rotated: unknown[] = [];
  const reconnect: string[] = [];
  const adapter = createSalesforceAdapter({
    orgId: ORG_ID,
    instanceUrl: INSTANCE,
    apiVersion: '62.0',
    tokens: { accessToken: 'access-1', refreshToken: 'refresh-1', clientId: 'client-id', clientSecret: 'client-secret', loginUrl: LOGIN },
    onTokensRotated: (tokens) => {
      rotated.push(tokens);
    },
    onNeedsReconnection: (reason) => {
      reconnect.push(reason);
    },
    limiter,
    backoff: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    ...overrides,
  });
  return { adapter, limiter, rotated, reconnect };
}

// ---------------------------------------------------------------- nock

export interface CompositeSub {
  method: string;
  url: string;
  referenceId: string;
  body?: Record<string, unknown>;
}

export interface CompositeAnswer {
  httpStatusCode: number;
  body: unknown;
}

/** A request as the adapter sent it. */
export interface SeenRequest {
  method: string;
  /** Path and query string. */
  path: string;
  body: any;
  authorization: string | undefined;
}

type Answer = readonly [number, unknown] | readonly [number, unknown, Record<string, string>];

/** Every request answered through it, in order; `composites` holds the subrequests of Composite calls. */
export class Recorder {
  readonly requests: SeenRequest[] = [];
  readonly composites: CompositeSub[][] = [];

  /** A nock 15 reply function (it receives the fetch Request) that records, then answers. */
  answer(handler: (body: any, request: SeenRequest) => Answer) {
    return async (request: Request): Promise<Answer> => {
      const url = new URL(request.url);
      const text = await request.text();
      const seen: SeenRequest = {
        method: request.method,
        path: decodeURIComponent(url.pathname + url.search),
        body: text ? JSON.parse(text) : undefined,
        authorization: request.headers.get('authorization') ?? undefined,
      };
      this.requests.push(seen);
      return handler(seen.body, seen);
    };
  }
}

export const newRecorder = (): Recorder => new Recorder();

/** Intercepts the next Composite call and answers each subrequest with `answer`. */
export function interceptComposite(recorder: Recorder, answer: (sub: CompositeSub) => CompositeAnswer, headers: Record<string, string> = LIMIT_HEADER): nock.Scope {
  return nock(INSTANCE)
    .post(`${DATA}/composite`)
    .reply(recorder.answer((body: { allOrNone: boolean; compositeRequest: CompositeSub[] }) => {
      if (body.allOrNone !== false) throw new Error('composite requests must be sent with allOrNone: false');
      recorder.composites.push(body.compositeRequest);
      return [200, { compositeResponse: body.compositeRequest.map((sub) => ({ referenceId: sub.referenceId, httpHeaders: {}, ...answer(sub) })) }, headers];
    }));
}

/** Answers describe subrequests from DESCRIBES (404 for unknown objects). */
export function describeAnswer(sub: CompositeSub): CompositeAnswer {
  const name = /\/sobjects\/(\w+)\/describe$/.exec(sub.url)?.[1] ?? '';
  const describe = DESCRIBES[name];
  return describe
    ? { httpStatusCode: 200, body: describe }
    : { httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
}

export const interceptDescribes = (recorder: Recorder) => interceptComposite(recorder, describeAnswer);

/** The SOQL text of a query subrequest. */
export const soqlOf = (sub: CompositeSub): string => decodeURIComponent(sub.url.split('?q=')[1] ?? '');

export const queryAnswer = (records: Record<string, unknown>[]): CompositeAnswer => ({
  httpStatusCode: 200,
  body: { totalSize: records.length, done: true, records },
});

/** A queried record as Salesforce returns it. */
export function queried(type: string, id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { attributes: { type, url: `${DATA}/sobjects/${type}/${id}` }, Id: id, ...fields };
}

/** Answers lookups with the given records per object (matched on the FROM clause). */
export function lookupAnswer(byObject: Record<string, Record<string, unknown>[]>): (sub: CompositeSub) => CompositeAnswer {
  return (sub) => {
    const object = /FROM (\w+)/.exec(soqlOf(sub))?.[1] ?? '';
    return queryAnswer(byObject[object] ?? []);
  };
}

let nextId = 1;
/** A fresh 18-character id with the object's key prefix. */
export function sfId(prefix: string): string {
  return `${prefix}${String(nextId++).padStart(12, '0')}AAA`;
}

const PREFIX: Record<string, string> = { Lead: '00Q', Contact: '003', Opportunity: '006', Task: '00T', ContentNote: '069', ContentDocumentLink: '06A', Account: '001' };

/** Answers write subrequests like Salesforce: 201 with an id for creates and upserts, 204 for updates. */
export function writeAnswer(sub: CompositeSub): CompositeAnswer {
  const [, object = '', ...rest] = sub.url.replace(`${DATA}/sobjects`, '').split('/');
  if (sub.method === 'POST') return { httpStatusCode: 201, body: { id: sfId(PREFIX[object] ?? '0XX'), success: true, errors: [] } };
  if (rest.length === 2) return { httpStatusCode: 201, body: { id: sfId(PREFIX[object] ?? '0XX'), success: true, errors: [], created: true } };
  return { httpStatusCode: 204, body: null };
}

export function setUpNock(): void {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

export function tearDownNock(): void {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  if (pending.length > 0) throw new Error(`expected requests were not made: ${pending.join(', ')}`);
}

export const decodeNote = (content: unknown): string => Buffer.from(String(content), 'base64').toString('utf8');

/** Answers any subrequest like a Salesforce org would: describes, queries (with `records`), writes. */
export function orgAnswer(records: Record<string, Record<string, unknown>[]> = {}): (sub: CompositeSub) => CompositeAnswer {
  const lookups = lookupAnswer(records);
  return (sub) => {
    if (sub.url.endsWith('/describe')) return describeAnswer(sub);
    if (sub.url.includes('/query?q=')) return lookups(sub);
    return writeAnswer(sub);
  };
}

/** The result of a plan that must have succeeded (fails the test with the CRM's message otherwise). */
export function succeeded(result: ExecutionResult | undefined): Extract<ExecutionResult, { ok: true }> {
  if (!result?.ok) throw new Error(`expected the plan to succeed, got: ${result ? result.error.describe() : 'no result'}`);
  return result;
}
