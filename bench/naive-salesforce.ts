/**
 * The naive per-event baseline the Salesforce benchmark compares the adapter with: what an
 * integration written against jsforce one webhook at a time does for each conversation. Same
 * WritePlans, same org; only the call pattern differs:
 *   SOQL Contact by email → SOQL Lead by email → create (or update) the Lead → upsert the
 *   Opportunity on Conversation_Id__c → create the Task → create the ContentNote → link the note
 *   to the person and to the opportunity (one call each).
 */
import { Connection } from 'jsforce';
import type { PlannedRecord, WritePlan } from '../src/crm/write-plan.ts';

export interface NaiveSalesforceWriter {
  /** Writes one conversation's plan; resolves with the REST calls it made. */
  write(plan: WritePlan): Promise<number>;
}

const TASK_DESCRIPTION_LIMIT = 32_000;

const valuesOf = (record: PlannedRecord | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries(Object.entries(record?.properties ?? {}).map(([name, planned]) => [name, planned.value]));

const soqlQuote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function naiveSalesforceWriter(options: { instanceUrl: string; accessToken: string }): NaiveSalesforceWriter {
  const conn = new Connection({ instanceUrl: options.instanceUrl, accessToken: options.accessToken, version: '62.0' });
  return {
    async write(plan) {
      let calls = 0;
      // jsforce queries are thenables, not promises.
      const call = async <T>(request: () => PromiseLike<T>): Promise<T> => {
        calls += 1;
        return await request();
      };
      const byRole = (role: PlannedRecord['role']) => plan.records.find((r) => r.role === role);
      const person = byRole('person');
      const deal = byRole('deal');
      const task = byRole('activity');
      const note = byRole('note');

      let personId: string | undefined;
      if (person?.match) {
        const email = soqlQuote(person.match.value);
        const contacts = await call(() => conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Email = ${email} LIMIT 1`));
        personId = contacts.records[0]?.Id;
        if (!personId) {
          const leads = await call(() => conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE Email = ${email} LIMIT 1`));
          personId = leads.records[0]?.Id;
          if (personId) {
            await call(() => conn.sobject('Lead').update({ Id: personId!, ...valuesOf(person) }));
          } else {
            const created = await call(() => conn.sobject('Lead').create(valuesOf(person)));
            personId = created.id;
          }
        }
      }
      let dealId: string | undefined;
      if (deal?.match) {
        const upserted = await call(() => conn.sobject('Opportunity').upsert(valuesOf(deal), deal.match!.property));
        dealId = upserted.id ?? undefined;
        if (!dealId) {
          const found = await call(() => conn.query<{ Id: string }>(`SELECT Id FROM Opportunity WHERE ${deal.match!.property} = ${soqlQuote(deal.match!.value)}`));
          dealId = found.records[0]?.Id;
        }
      }
      if (task) {
        await call(() => conn.sobject('Task').create({
          ...valuesOf(task),
          Subject: task.body?.title ?? 'Website conversation',
          Description: (task.body?.text ?? '').slice(0, TASK_DESCRIPTION_LIMIT),
          ...(personId ? { WhoId: personId } : dealId ? { WhatId: dealId } : {}),
        }));
      }
      if (note) {
        const created = await call(() => conn.sobject('ContentNote').create({
          Title: note.body?.title ?? 'Website conversation',
          Content: Buffer.from(note.body?.html ?? '', 'utf8').toString('base64'),
        }));
        for (const linked of [personId, dealId]) {
          if (!linked || !created.id) continue;
          await call(() => conn.sobject('ContentDocumentLink').create({ ContentDocumentId: created.id, LinkedEntityId: linked, ShareType: 'V' }));
        }
      }
      return calls;
    },
  };
}
