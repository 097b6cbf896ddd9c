/**
 * Shared pieces of the HubSpot contract tests: WritePlans like the mapping engine produces,
 * an adapter wired for fast tests, and nock replies that answer batch calls the way HubSpot does.
 */
import nock from 'nock';
import type { PlanExecution } from '../../src/crm/adapter.ts';
import { createHubSpotAdapter, type HubSpotAdapterOptions } from '../../src/crm/hubspot/adapter.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import type { PlannedRecord, ValueOrigin, WritePlan } from '../../src/crm/write-plan.ts';

export const HUBSPOT = 'https://api.hubapi.com';
export const TOKEN = 'pat-na1-test-token';

export const origin = (path: string, line: number): ValueOrigin => ({ file: 'mappings/hubspot.yaml', line, column: 7, path });

export interface PlanShape {
  email?: string;
  firstname?: { value: string; policy: 'always' | 'if_empty' };
  dealstage?: string;
  noteHtml?: string;
  withDeal?: boolean;
}

/** contact (by email) + deal (by conversation id) + transcript note, as the default mapping plans them. */
export function conversationPlan(conversationId: string, shape: PlanShape = {}): WritePlan {
  const email = shape.email ?? `${conversationId}@example.com`;
  const records: PlannedRecord[] = [
    {
      key: 'contact', role: 'person', object: 'contacts',
      match: { property: 'email', value: email, origin: origin('objects.contact.match.email', 4) },
      properties: {
        firstname: { value: shape.firstname?.value ?? 'Ada', policy: shape.firstname?.policy ?? 'always', origin: origin('objects.contact.properties.firstname', 6) },
      },
      associations: [],
    },
  ];
  if (shape.withDeal !== false) {
    records.push({
      key: 'deal', role: 'deal', object: 'deals',
      match: { property: 'crm_connector_conversation_id', value: conversationId, origin: origin('objects.deal.match', 12) },
      properties: {
        dealname: { value: `Website conversation ${conversationId}`, policy: 'always', origin: origin('objects.deal.properties.dealname', 14) },
        dealstage: { value: shape.dealstage ?? 'appointmentscheduled', policy: 'always', origin: origin('objects.deal.properties.dealstage', 15) },
        crm_connector_credits: { value: 127, policy: 'always', origin: origin('objects.deal.properties.crm_connector_credits', 16) },
      },
      associations: ['contact'],
    });
  }
  records.push({
    key: 'transcript_note', role: 'note', object: 'notes', properties: {},
    associations: shape.withDeal === false ? ['contact'] : ['contact', 'deal'],
    body: {
      title: 'Transcript',
      html: shape.noteHtml ?? '<p><strong>Agent:</strong> Hi!</p>',
      text: 'Agent: Hi!',
      sourceUrl: `https://platform.example/conversations/${conversationId}`,
    },
    occurredAt: '2026-04-10T12:36:07Z',
  });
  return { crm: 'hubspot', conversationId, mapping: { file: 'mappings/hubspot.yaml', version: 'v1' }, records, skipped: [] };
}

export const fresh = (plan: WritePlan): PlanExecution => ({ plan, previous: {} });

let portalSeq = 0;

/** An adapter with its own limiter registry and fast retries; a new portal id each time. */
export function testAdapter(overrides: Partial<HubSpotAdapterOptions> = {}) {
  const limiters = new AccountRateLimiter();
  const adapter = createHubSpotAdapter({
    portalId: `${9_000_000 + ++portalSeq}`,
    tokens: { getAccessToken: async () => TOKEN },
    backoff: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    batchWindowMs: 5,
    limiters,
    ...overrides,
  });
  return { adapter, limiters };
}

export interface SeenRequest {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
}

type Answer = readonly [number, unknown] | readonly [number, unknown, Record<string, string>];

/** Records every request it answers, in order, so tests can count calls and inspect bodies. */
export class CallLog {
  readonly calls: SeenRequest[] = [];

  /** A nock 15 reply function (it receives the fetch Request) that records, then answers. */
  answer(handler: (body: any, path: string) => Answer) {
    return async (request: Request): Promise<Answer> => {
      const path = new URL(request.url).pathname;
      const text = await request.text();
      const body = text ? JSON.parse(text) : undefined;
      this.calls.push({ method: request.method, path, body, authorization: request.headers.get('authorization') ?? undefined });
      return handler(body, path);
    };
  }

  paths(): string[] {
    return this.calls.map((c) => `${c.method} ${c.path}`);
  }

  to(pathPart: string): SeenRequest[] {
    return this.calls.filter((c) => c.path.includes(pathPart));
  }
}

let idSeq = 1000;

/** HubSpot's 200 answer to batch/upsert|create|update: each input echoed with a new (or its own) id. */
export function echoBatch(body: any): Answer {
  const results = (body.inputs as any[]).map((input) => ({
    id: input.id && !input.idProperty ? input.id : String(++idSeq),
    properties: { ...input.properties, ...(input.idProperty ? { [input.idProperty]: input.id } : {}) },
    objectWriteTraceId: input.objectWriteTraceId,
    createdAt: '2026-04-10T12:40:00Z', updatedAt: '2026-04-10T12:40:00Z', archived: false,
  }));
  return [200, { status: 'COMPLETE', results, startedAt: '2026-04-10T12:40:00Z', completedAt: '2026-04-10T12:40:01Z' }];
}

/** HubSpot's 200 answer to v4 batch/associate/default. */
export function echoAssociations(body: any): Answer {
  return [200, {
    status: 'COMPLETE',
    results: (body.inputs as any[]).map((i) => ({ from: i.from, to: i.to, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 } })),
  }];
}

/** Interceptors answering any number of contact/deal/note/association calls successfully. */
export function happyHubSpot(log: CallLog): nock.Scope {
  return nock(HUBSPOT)
    .post('/crm/v3/objects/contacts/batch/upsert').reply(log.answer(echoBatch)).persist()
    .post('/crm/v3/objects/deals/batch/upsert').reply(log.answer(echoBatch)).persist()
    .post('/crm/v3/objects/notes/batch/upsert').reply(log.answer(echoBatch)).persist()
    .post('/crm/v3/objects/notes/batch/update').reply(log.answer(echoBatch)).persist()
    .post('/crm/v4/associations/deals/contacts/batch/associate/default').reply(log.answer(echoAssociations)).persist()
    .post('/crm/v4/associations/notes/contacts/batch/associate/default').reply(log.answer(echoAssociations)).persist()
    .post('/crm/v4/associations/notes/deals/batch/associate/default').reply(log.answer(echoAssociations)).persist();
}
