import { describe, expect, it } from 'vitest';
import type { PlanExecution } from '../../src/crm/adapter.ts';
import { KeyedLock } from '../../src/crm/salesforce/keyed-lock.ts';
import { lookupTargetOf, planWrites } from '../../src/crm/salesforce/plan-writes.ts';
import { lookupKey, type LookupOutcome } from '../../src/crm/salesforce/record-lookup.ts';
import { SObjectDescribe } from '../../src/crm/salesforce/responses.ts';
import type { PlannedRecord, WritePlan } from '../../src/crm/write-plan.ts';

const at = { file: 'm.yaml', line: 1, column: 1, path: 'p' };
const value = (v: string, policy: 'always' | 'if_empty' = 'always') => ({ value: v, policy, origin: at });
const fields = (names: string[], extra: Record<string, unknown> = {}) => names.map((name) => ({ name, type: 'string', createable: true, updateable: true, ...extra }));

const describes = new Map([
  ['Account', SObjectDescribe.parse({ name: 'Account', fields: fields(['Name', 'Website']) })],
  ['Contact', SObjectDescribe.parse({ name: 'Contact', fields: fields(['Email', 'LastName', 'AccountId']) })],
  ['Lead', SObjectDescribe.parse({ name: 'Lead', fields: fields(['Email', 'LastName', 'Company']) })],
  ['Opportunity', SObjectDescribe.parse({ name: 'Opportunity', fields: [...fields(['Name', 'AccountId']), { name: 'Conversation_Id__c', type: 'string', externalId: true, createable: true, updateable: true }] })],
]);

function plan(id: string, records: PlannedRecord[]): PlanExecution {
  const writePlan: WritePlan = { crm: 'salesforce', conversationId: id, mapping: { file: 'm.yaml', version: '1' }, records, skipped: [] };
  return { plan: writePlan, previous: {} };
}

const account: PlannedRecord = { key: 'account', role: 'company', object: 'Account', match: { property: 'Website', value: 'acme.example', origin: at }, properties: { Name: value('Acme'), Website: value('acme.example') }, associations: [] };
const contact = (email: string, lastName: string, policy: 'always' | 'if_empty' = 'always'): PlannedRecord => ({
  key: 'contact', role: 'person', object: 'Contact', match: { property: 'Email', value: email, origin: at },
  properties: { Email: value(email), LastName: value(lastName, policy) }, associations: ['account'],
});
const deal = (id: string): PlannedRecord => ({ key: 'deal', role: 'deal', object: 'Opportunity', match: { property: 'Conversation_Id__c', value: id, origin: at }, properties: { Name: value(`Deal ${id}`) }, associations: ['contact', 'account'] });
const task: PlannedRecord = { key: 'task', role: 'activity', object: 'Task', properties: {}, associations: ['contact', 'deal'], body: { title: 'Chat', html: '<p>x</p>', text: 'x' }, occurredAt: '2026-04-10T12:00:00Z' };

const noMatches = (executions: PlanExecution[]): Map<string, LookupOutcome> =>
  new Map(executions.flatMap((e) => e.plan.records.flatMap((r) => {
    const target = lookupTargetOf(r, undefined, describes);
    return target ? [[lookupKey(target), { ok: true, match: undefined }] as const] : [];
  })));

describe('planWrites', () => {
  it('creates the account first and ties the new Contact and the opportunity to it', () => {
    const executions = [plan('c1', [deal('c1'), task, contact('ann@example.com', 'Lee'), account])];
    const { ops } = planWrites({ executions, active: [0], describes, lookups: noMatches(executions) });
    expect(ops.map((op) => `${op.id} L${op.level} ${op.kind} ${op.object}`)).toEqual([
      'op0 L0 create Account', 'op1 L1 create Contact', 'op2 L2 upsert Opportunity', 'op3 L3 create Task',
    ]);
    expect(ops[1]!.fields).toEqual({ Email: 'ann@example.com', LastName: 'Lee', AccountId: { ref: 'op0' } });
    expect(ops[2]!.fields).toEqual({ Name: 'Deal c1', AccountId: { ref: 'op0' } });
    // A Contact WhoId may have the opportunity as WhatId.
    expect(ops[3]!.fields).toMatchObject({ WhoId: { ref: 'op1' }, WhatId: { ref: 'op2' } });
  });

  it('writes one visitor of two conversations once: later always-values win, if_empty ones only fill gaps', () => {
    const executions = [
      plan('c1', [{ ...contact('ann@example.com', 'First'), associations: [] }]),
      plan('c2', [{ ...contact('ANN@example.com ', 'Second'), associations: [] }]),
      plan('c3', [{ ...contact('ann@example.com', 'Third', 'if_empty'), associations: [] }]),
    ];
    const result = planWrites({ executions, active: [0, 1, 2], describes, lookups: noMatches(executions) });
    expect(result.ops).toHaveLength(1);
    expect(result.ops[0]!.fields).toEqual({ Email: 'ann@example.com', LastName: 'Second' });
    expect(result.ops[0]!.owners).toEqual([{ plan: 0, key: 'contact' }, { plan: 1, key: 'contact' }, { plan: 2, key: 'contact' }]);
    expect(result.plans.get(2)!.identities.get('contact')).toEqual({ object: 'Contact', ref: 'op0' });
  });

  it('relates a Task without a person to the opportunity only', () => {
    const executions = [plan('c1', [deal('c1'), { ...task, associations: ['deal'] }])];
    const { ops } = planWrites({ executions, active: [0], describes, lookups: noMatches(executions) });
    expect(ops[1]!.fields).toMatchObject({ WhatId: { ref: 'op0' } });
    expect(ops[1]!.fields).not.toHaveProperty('WhoId');
  });
});

describe('KeyedLock', () => {
  it('serves holders of overlapping keys in arrival order and lets others through', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const releaseA = await lock.acquire(['x', 'y']);
    const b = lock.acquire(['y']).then((release) => { order.push('b'); return release; });
    const c = lock.acquire(['z']).then((release) => { order.push('c'); return release; });
    (await c)();
    expect(order).toEqual(['c']);
    releaseA();
    (await b)();
    expect(order).toEqual(['c', 'b']);
  });
});
