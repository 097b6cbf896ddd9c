/**
 * Forgetting a conversation in Salesforce (the policy is on ForgetRequest in ../adapter.ts):
 * - Tasks, Events and notes (ContentNote: deleting it deletes its ContentDocument and links):
 *   deleted, every part of a split note;
 * - Opportunities: read first; only one whose Conversation_Id__c names this conversation is the
 *   connector's own record: deleted, or with `deal: 'redact'` its Description and the connector's
 *   fields cleared. One naming another conversation is kept untouched;
 * - Leads, Contacts, Accounts and anything else: kept (a person may have other conversations and
 *   predate the connector; the default mapping writes no connector field on them).
 * Calls: one query for the opportunities, one sObject Collections delete (≤200 ids per call),
 * one Collections update when redacting. Every step is idempotent, so a failed forget is re-run.
 */
import type { ForgetRequest, ForgetResult, ForgottenObject } from '../adapter.ts';
import type { SalesforceApi } from './api.ts';
import { CONNECTOR_FIELDS } from './connector-fields.ts';
import { findField, type DescribeCache } from './describe-cache.ts';
import { classifyErrorItems } from './error-classifier.ts';
import { QueryResult, SaveResults, type SaveResult } from './responses.ts';
import { buildInQueries } from './soql.ts';

const COLLECTION_LIMIT = 200;
const DELETED_OBJECTS = new Set(['Task', 'Event', 'ContentNote', 'ContentDocument', 'Note']);
const CONVERSATION_ID_FIELD = 'Conversation_Id__c';
/** Save-result codes of a record that is already gone: what forgetting wanted. */
const GONE = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND']);

interface Entry {
  key: string;
  object: string;
  ids: string[];
}

export async function forgetInSalesforce(api: SalesforceApi, describes: DescribeCache, request: ForgetRequest): Promise<ForgetResult> {
  const entries: Entry[] = Object.entries(request.objects).map(([key, written]) => ({
    key,
    object: written.object,
    ids: written.partIds?.length ? written.partIds : [written.id],
  }));
  const activities = entries.filter((e) => DELETED_OBJECTS.has(e.object));
  const opportunities = entries.filter((e) => e.object === 'Opportunity');
  const owners = await conversationIdsOf(api, opportunities.flatMap((o) => o.ids));
  const own = opportunities.filter((o) => owners.get(o.ids[0]!) === request.conversationId);

  // Activities first: deleting an opportunity takes its Tasks with it.
  const toDelete = [...activities, ...(request.deal === 'delete' ? own : [])];
  const gone = await deleteRecords(api, toDelete.flatMap((e) => e.ids));
  if (request.deal === 'redact') await redact(api, describes, own.flatMap((o) => o.ids));

  const results: ForgottenObject[] = [
    ...activities.map((e): ForgottenObject => (e.ids.every((id) => gone.has(id))
      ? { ...e, action: 'missing', detail: 'no longer in Salesforce' }
      : { ...e, action: 'deleted' })),
    ...opportunities.map((opportunity): ForgottenObject => {
      const owner = owners.get(opportunity.ids[0]!);
      if (owner === undefined) return { ...opportunity, action: 'missing', detail: 'no longer in Salesforce' };
      if (owner !== request.conversationId) {
        return { ...opportunity, action: 'kept', detail: `its ${CONVERSATION_ID_FIELD} is ${JSON.stringify(owner)}, not this conversation: not this conversation's own opportunity` };
      }
      return request.deal === 'delete'
        ? { ...opportunity, action: 'deleted' }
        : { ...opportunity, action: 'redacted', detail: 'kept; Description and the connector fields cleared' };
    }),
    ...entries.filter((e) => !DELETED_OBJECTS.has(e.object) && e.object !== 'Opportunity').map((e): ForgottenObject => ({
      ...e,
      action: 'kept',
      detail: e.object === 'Lead' || e.object === 'Contact'
        ? 'the person is kept: they may have other conversations and predate the connector'
        : `the forget policy leaves ${e.object} records as they are`,
    })),
  ];
  return { objects: results };
}

/** Opportunity id → its Conversation_Id__c ('' when empty), for the ones that still exist. */
async function conversationIdsOf(api: SalesforceApi, ids: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (ids.length === 0) return owners;
  for (const soql of buildInQueries({ object: 'Opportunity', fields: [CONVERSATION_ID_FIELD], field: 'Id', values: ids })) {
    const result = await api.call({
      method: 'GET',
      path: `/query?q=${encodeURIComponent(soql)}`,
      schema: QueryResult,
      idempotent: true,
      what: 'reading the opportunities to forget',
    });
    for (const record of result.records) {
      const value = (record as Record<string, unknown>)[CONVERSATION_ID_FIELD];
      // Salesforce answers 18-character ids; the sync record holds the same form.
      owners.set(record.Id, typeof value === 'string' ? value : '');
    }
  }
  return owners;
}

/** Deletes the records; answers the ids that were already gone. Any other refusal fails the forget. */
async function deleteRecords(api: SalesforceApi, ids: string[]): Promise<Set<string>> {
  const gone = new Set<string>();
  for (let i = 0; i < ids.length; i += COLLECTION_LIMIT) {
    const chunk = ids.slice(i, i + COLLECTION_LIMIT);
    const results = await api.call({
      method: 'DELETE',
      path: `/composite/sobjects?allOrNone=false&ids=${chunk.map(encodeURIComponent).join(',')}`,
      schema: SaveResults,
      idempotent: true,
      what: 'deleting what the connector wrote for the conversation',
    });
    failOnRefusals(results, chunk, 'deleting what the connector wrote for the conversation', (id) => gone.add(id));
  }
  return gone;
}

/** Clears Description and the connector's fields (those the org has) of the connector's own opportunities. */
async function redact(api: SalesforceApi, describes: DescribeCache, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const outcome = (await describes.get(['Opportunity'])).get('Opportunity')!;
  if (!outcome.ok) throw outcome.error;
  const fields = ['Description', ...CONNECTOR_FIELDS.map((f) => f.name)].filter((name) => findField(outcome.describe, name)?.updateable);
  const cleared = Object.fromEntries(fields.map((name) => [name, null]));
  for (let i = 0; i < ids.length; i += COLLECTION_LIMIT) {
    const chunk = ids.slice(i, i + COLLECTION_LIMIT);
    const results = await api.call({
      method: 'PATCH',
      path: '/composite/sobjects',
      body: { allOrNone: false, records: chunk.map((id) => ({ attributes: { type: 'Opportunity' }, id, ...cleared })) },
      schema: SaveResults,
      idempotent: true,
      what: 'clearing the connector fields of the opportunity',
    });
    failOnRefusals(results, chunk, 'clearing the connector fields of the opportunity', () => undefined);
  }
}

function failOnRefusals(results: SaveResult[], ids: string[], what: string, onGone: (id: string) => void): void {
  const refused: SaveResult[] = [];
  results.forEach((result, index) => {
    if (result.success) return;
    const codes = result.errors.map((e) => e.statusCode ?? e.errorCode ?? '');
    if (codes.length > 0 && codes.every((code) => GONE.has(code))) onGone(ids[index]!);
    else refused.push(result);
  });
  if (refused.length > 0) throw classifyErrorItems(refused.flatMap((r) => r.errors), what);
}
