/**
 * Forgetting a conversation in HubSpot (the policy is on ForgetRequest in ../adapter.ts):
 * - notes, calls, tasks, meetings: archived (batch/archive, ≤100 per call; every part of a split note);
 * - deals: read first; only a deal whose conversation-id property names this conversation is the
 *   connector's own record: archived, or with `deal: 'redact'` its description and connector
 *   properties cleared. A deal naming another conversation is kept untouched;
 * - contacts: kept (a person may have other conversations and predate the connector); when the
 *   contact's conversation-id property names this conversation, its connector properties are cleared;
 * - companies and anything else: kept.
 * Every step is idempotent (archiving an archived record answers 204), so a failed forget is re-run.
 */
import type { ForgetRequest, ForgetResult, ForgottenObject } from '../adapter.ts';
import { CrmError } from '../errors.ts';
import { BATCH_SIZE, ENGAGEMENT_FIELDS } from './endpoints.ts';
import type { HubSpotRequests } from './requests.ts';
import { CONVERSATION_ID_PROPERTY, connectorProperties } from './schema-setup.ts';

const DEAL_REDACTED_PROPERTIES = ['description', ...connectorProperties('deals').map((p) => p.name)];
const CONTACT_CONNECTOR_PROPERTIES = connectorProperties('contacts').map((p) => p.name);

interface Entry {
  key: string;
  object: string;
  ids: string[];
}

export async function forgetInHubSpot(requests: HubSpotRequests, request: ForgetRequest): Promise<ForgetResult> {
  const entries: Entry[] = Object.entries(request.objects).map(([key, written]) => ({
    key,
    object: written.object,
    ids: written.partIds?.length ? written.partIds : [written.id],
  }));
  const ofType = (test: (object: string) => boolean) => entries.filter((e) => test(e.object));
  const isEngagement = (object: string) => object in ENGAGEMENT_FIELDS;
  const results: ForgottenObject[] = [
    ...(await archiveEngagements(requests, ofType(isEngagement))),
    ...(await forgetDeals(requests, ofType((o) => o === 'deals'), request)),
    ...(await clearContacts(requests, ofType((o) => o === 'contacts'), request.conversationId)),
    ...ofType((o) => !isEngagement(o) && o !== 'deals' && o !== 'contacts').map(
      (e): ForgottenObject => ({
        ...e,
        action: 'kept',
        detail: e.object === 'companies' ? 'companies are kept: other people and conversations share them' : `the forget policy leaves ${e.object} as they are`,
      }),
    ),
  ];
  return { objects: results };
}

async function archiveEngagements(requests: HubSpotRequests, entries: Entry[]): Promise<ForgottenObject[]> {
  for (const [object, group] of byObject(entries)) await archive(requests, object, group.flatMap((e) => e.ids));
  return entries.map((e) => ({ ...e, action: 'deleted' }));
}

async function forgetDeals(requests: HubSpotRequests, deals: Entry[], request: ForgetRequest): Promise<ForgottenObject[]> {
  if (deals.length === 0) return [];
  const owners = await conversationIdsOf(requests, 'deals', deals.flatMap((d) => d.ids));
  const own = deals.filter((d) => owners.get(d.ids[0]!) === request.conversationId);
  if (request.deal === 'delete') await archive(requests, 'deals', own.flatMap((d) => d.ids));
  else await clearProperties(requests, 'deals', own.flatMap((d) => d.ids), DEAL_REDACTED_PROPERTIES);
  return deals.map((deal): ForgottenObject => {
    const owner = owners.get(deal.ids[0]!);
    if (owner === undefined) return { ...deal, action: 'missing', detail: 'no longer in HubSpot' };
    if (owner !== request.conversationId) {
      return { ...deal, action: 'kept', detail: `its ${CONVERSATION_ID_PROPERTY} is ${JSON.stringify(owner)}, not this conversation: not this conversation's own deal` };
    }
    return request.deal === 'delete'
      ? { ...deal, action: 'deleted' }
      : { ...deal, action: 'redacted', detail: `kept; description and connector properties cleared` };
  });
}

async function clearContacts(requests: HubSpotRequests, contacts: Entry[], conversationId: string): Promise<ForgottenObject[]> {
  if (contacts.length === 0) return [];
  const owners = await conversationIdsOf(requests, 'contacts', contacts.flatMap((c) => c.ids));
  const fromThis = contacts.filter((c) => owners.get(c.ids[0]!) === conversationId);
  await clearProperties(requests, 'contacts', fromThis.flatMap((c) => c.ids), CONTACT_CONNECTOR_PROPERTIES);
  return contacts.map((contact): ForgottenObject => {
    const owner = owners.get(contact.ids[0]!);
    if (owner === undefined) return { ...contact, action: 'missing', detail: 'no longer in HubSpot' };
    return owner === conversationId
      ? { ...contact, action: 'redacted', detail: 'the person is kept; the connector properties, which came from this conversation, are cleared' }
      : { ...contact, action: 'kept', detail: 'the person is kept; its connector properties come from another conversation (or none)' };
  });
}

/** Record id → its conversation-id property ('' when empty) for the records that still exist. */
async function conversationIdsOf(requests: HubSpotRequests, object: string, ids: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const chunk of chunks(ids)) {
    const response = await requests.batchRead(object, 'hs_object_id', chunk, [CONVERSATION_ID_PROPERTY]);
    for (const record of response.results) owners.set(record.id, String(record.properties[CONVERSATION_ID_PROPERTY] ?? ''));
  }
  return owners;
}

async function archive(requests: HubSpotRequests, object: string, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) await requests.batchArchive(object, chunk);
}

/** An empty string is how HubSpot clears a property. */
async function clearProperties(requests: HubSpotRequests, object: string, ids: string[], names: string[]): Promise<void> {
  const properties = Object.fromEntries(names.map((name) => [name, '']));
  for (const chunk of chunks(ids)) {
    const response = await requests.batchUpdate(object, chunk.map((id) => ({ id, properties, objectWriteTraceId: `forget-${id}` })));
    // A record deleted meanwhile has nothing left to clear; any other refusal must not pass for done.
    const refused = response.errors.filter((e) => e.category !== 'OBJECT_NOT_FOUND');
    if (refused.length > 0) {
      throw new CrmError('permanent', `HubSpot refused to clear the connector properties of ${object}: ${refused.map((e) => e.message ?? e.category).join('; ')}`, {
        code: refused[0]?.category,
      });
    }
  }
}

function byObject(entries: Entry[]): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) groups.set(entry.object, [...(groups.get(entry.object) ?? []), entry]);
  return groups;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_SIZE) out.push(items.slice(i, i + BATCH_SIZE));
  return out;
}
