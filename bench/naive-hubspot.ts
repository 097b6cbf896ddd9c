/**
 * The naive per-event baseline the benchmark compares the connector with: what an integration
 * written against the HubSpot SDK one webhook at a time does for each conversation. Same SDK,
 * same WritePlans, same rate limiter and budgets (so it never draws a 429 either); only the
 * call pattern differs:
 *   search the contact by email → create or update it → create the deal → create the note →
 *   associate note→contact, note→deal, deal→contact (one call each).
 * The sandbox has no single-record create or association endpoints, so creates and associations
 * go through the batch endpoints with one input each: one HTTP call either way.
 */
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import type { AccountLimiter } from '../src/crm/rate-limit.ts';
import type { PlannedRecord, WritePlan } from '../src/crm/write-plan.ts';

/** HubSpot-defined association types: note→contact, note→deal, deal→contact. */
const NOTE_TO_CONTACT = 202;
const NOTE_TO_DEAL = 214;
const DEAL_TO_CONTACT = 3;
const NOTE_BODY_LIMIT = 65_536;

export interface NaiveWriter {
  /** Writes one conversation's plan; resolves with the HubSpot calls it made. */
  write(plan: WritePlan): Promise<number>;
}

export function naiveWriter(options: { basePath: string; accessToken: string; limiter: AccountLimiter }): NaiveWriter {
  const client = new Client({ basePath: options.basePath, accessToken: options.accessToken, numberOfApiCallRetries: 0 });
  return {
    async write(plan) {
      let calls = 0;
      const call = <T>(bucket: 'default' | 'search', request: () => Promise<T>): Promise<T> => {
        calls += 1;
        return options.limiter.schedule(bucket, request);
      };
      const contact = recordWith(plan, 'person');
      const deal = recordWith(plan, 'deal');
      const note = recordWith(plan, 'note');

      let contactId: string | undefined;
      if (contact?.match) {
        const email = contact.match.value;
        const found = await call('search', () =>
          client.crm.contacts.searchApi.doSearch({
            filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: email }] }],
            properties: ['email'],
            limit: 1,
          }),
        );
        const existing = found.results[0]?.id;
        if (existing) {
          await call('default', () => client.crm.contacts.basicApi.update(existing, { properties: valuesOf(contact) }));
          contactId = existing;
        } else {
          const created = await call('default', () => client.crm.contacts.batchApi.create({ inputs: [{ properties: valuesOf(contact), associations: [] }] }));
          contactId = created.results[0]?.id;
        }
      }
      let dealId: string | undefined;
      if (deal) {
        const created = await call('default', () => client.crm.deals.batchApi.create({ inputs: [{ properties: valuesOf(deal), associations: [] }] }));
        dealId = created.results[0]?.id;
      }
      let noteId: string | undefined;
      if (note?.body && (contactId || dealId)) {
        const properties = {
          hs_note_body: note.body.html.slice(0, NOTE_BODY_LIMIT),
          hs_timestamp: note.occurredAt ?? new Date().toISOString(),
        };
        const created = await call('default', () => client.crm.objects.notes.batchApi.create({ inputs: [{ properties, associations: [] }] }));
        noteId = created.results[0]?.id;
      }
      const associate = (from: string, fromId: string | undefined, to: string, toId: string | undefined, typeId: number) =>
        fromId && toId
          ? call('default', () =>
              client.crm.associations.v4.batchApi.create(from, to, {
                inputs: [{
                  _from: { id: fromId },
                  to: { id: toId },
                  types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: typeId }],
                }],
              }),
            )
          : Promise.resolve();
      await associate('notes', noteId, 'contacts', contactId, NOTE_TO_CONTACT);
      await associate('notes', noteId, 'deals', dealId, NOTE_TO_DEAL);
      await associate('deals', dealId, 'contacts', contactId, DEAL_TO_CONTACT);
      return calls;
    },
  };
}

const recordWith = (plan: WritePlan, role: PlannedRecord['role']): PlannedRecord | undefined => plan.records.find((r) => r.role === role);

/** Every planned value as HubSpot's string form; a naive integration ignores the write policies. */
const valuesOf = (record: PlannedRecord): Record<string, string> =>
  Object.fromEntries(Object.entries(record.properties).map(([name, planned]) => [name, String(planned.value)]));
