/**
 * What "synced once, nothing duplicated" means in a HubSpot sandbox portal after a fault run:
 * one contact per email, the contacts and deals the sync records name and no others, one deal per
 * conversation that qualifies for one, and exactly the notes the sync records account for (a write
 * retried after an ambiguous failure would leave a note no record names).
 */
import { expect } from 'vitest';
import type { Conversation } from '../../src/platform/schemas.ts';
import type { PortalState } from '../../src/sandbox/hubspot/index.ts';
import type { SyncRecord } from '../../src/store/sync-records.ts';

/** The shipped mapping's deal rule: a completed conversation whose contact details were collected. */
export const qualifiesForDeal = (c: Conversation): boolean =>
  c.outcome === 'completed' && c.criteria_results.collected_contact_info?.passed === true;

export function expectRecordsAndObjectsOnce(state: PortalState, records: readonly SyncRecord[], conversations: readonly Conversation[]): void {
  expect(records.map((r) => r.status).filter((s) => s !== 'synced')).toEqual([]);
  expect(new Set(records.map((r) => r.conversationId))).toEqual(new Set(conversations.map((c) => c.id)));

  const emails = state.objects.contacts.map((c) => c.properties.email?.toLowerCase());
  expect(emails.length - new Set(emails).size, 'contacts sharing an email').toBe(0);
  const recordedContacts = new Set(records.flatMap((r) => (r.crmObjects.contact ? [r.crmObjects.contact.id] : [])));
  expect(new Set(state.objects.contacts.map((c) => c.id))).toEqual(recordedContacts);

  const deals = state.objects.deals.map((d) => d.properties.crm_connector_conversation_id);
  expect(deals.length - new Set(deals).size, 'deals of the same conversation').toBe(0);
  expect(new Set(deals)).toEqual(new Set(conversations.filter(qualifiesForDeal).map((c) => c.id)));
}

/** The note ids the sync records name (a split transcript names each part). */
export function recordedNotes(records: readonly SyncRecord[]): string[] {
  return records.flatMap((r) => {
    const note = r.crmObjects.transcript_note;
    return note ? (note.partIds ?? [note.id]) : [];
  });
}

export function expectNotesOnce(state: PortalState, records: readonly SyncRecord[]): void {
  const notes = recordedNotes(records);
  expect(notes.length - new Set(notes).size, 'notes named twice').toBe(0);
  const stray = state.objects.notes.map((n) => n.id).filter((id) => !notes.includes(id));
  expect(stray, 'notes in the portal that no sync record names (written twice)').toEqual([]);
  expect(state.objects.notes).toHaveLength(notes.length);
}
