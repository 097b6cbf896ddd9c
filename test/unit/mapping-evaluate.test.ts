/** Evaluation rules beyond the golden files: skips with reasons, fallbacks, conditions, origins, safety of note bodies. */
import { describe, expect, it } from 'vitest';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { evaluateMapping, type EvaluateOptions } from '../../src/mapping/evaluate.ts';
import { loadMappingText, type LoadedMapping } from '../../src/mapping/load.ts';
import { Conversation } from '../../src/platform/schemas.ts';

const base = Conversation.parse({
  id: 'conv_1',
  widget_id: 'wgt_1',
  started_at: '2026-04-10T12:34:00Z',
  ended_at: '2026-04-10T12:36:07Z',
  duration_seconds: 127,
  credits_charged: 127,
  page_url: 'https://northwindcatering.example/catering',
  outcome: 'completed',
  visitor: { ip_country: 'US' },
  transcript: [{ role: 'user', text: 'Hello', ts: '2026-04-10T12:34:08Z' }],
  extracted_data: { email: 'Jane@Contoso.example', name: 'Jane Doe', intent: 'catering_inquiry', notes: 'null', empty: '  ', nested: { a: 1 } },
  criteria_results: { collected_contact_info: { passed: true, reasoning: 'yes' }, answered: { passed: false, reasoning: 'no' } },
});

function mapping(yaml: string, crm: 'hubspot' | 'salesforce' = 'hubspot'): LoadedMapping {
  const result = loadMappingText(`version: 1\ncrm: ${crm}\nobjects:\n${yaml}`, 'test.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  return result.mapping;
}

const plan = (m: LoadedMapping, patch: Partial<Conversation> = {}, markdown = '**Visitor:** Hello', options: EvaluateOptions = {}): WritePlan =>
  evaluateMapping(m, { ...base, ...patch }, { markdown }, options);

const CONTACT = `  contact:
    object: contacts
    match: email
    properties:
      email: { source: extracted_data.email, transforms: [email] }
`;

describe('skipping', () => {
  it('skips an object whose match property has no value, saying which source was missing', () => {
    const p = plan(mapping(CONTACT), { extracted_data: {} });
    expect(p.records).toEqual([]);
    expect(p.skipped).toEqual([{ key: 'contact', object: 'contacts', reason: 'match property email has no value (extracted_data.email is missing)' }]);
  });

  it('skips an object whose required property has no value', () => {
    const m = mapping(`${CONTACT}      phone: { source: extracted_data.phone, required: true }\n`);
    expect(plan(m).skipped[0]?.reason).toBe('required property phone has no value (extracted_data.phone is missing)');
  });

  it('leaves out optional properties without a value and says why, never writing null, "" or "null"', () => {
    const m = mapping(`${CONTACT}      message: { source: extracted_data.notes }
      blank: { source: extracted_data.empty }
      group: { source: extracted_data.nested }
      firstname: { source: extracted_data.name, transforms: [{ split_name: first }] }
`);
    const contact = plan(m).records[0];
    expect(Object.keys(contact?.properties ?? {})).toEqual(['email', 'firstname']);
    expect(contact?.omitted?.map((o) => [o.property, o.reason])).toEqual([
      ['message', 'extracted_data.notes is "null"'],
      ['blank', 'extracted_data.empty is empty'],
      ['group', 'extracted_data.nested holds several values, not one'],
    ]);
  });

  it('explains an unmet condition', () => {
    const m = mapping(`  deal:
    object: deals
    match: crm_connector_conversation_id
    when:
      all:
        - outcome: [completed]
        - criterion: answered
          is: passed
    properties:
      crm_connector_conversation_id: { source: id }
`);
    expect(plan(m).skipped[0]?.reason).toBe('condition not met: criterion answered is failed, wanted passed');
  });

  it('drops associations to skipped records and skips notes left with nothing to attach to', () => {
    const m = mapping(`${CONTACT}  deal:
    object: deals
    match: crm_connector_conversation_id
    when: { criterion: collected_contact_info, is: passed }
    associations: [contact]
    properties:
      crm_connector_conversation_id: { source: id }
  note:
    object: notes
    associations: [contact]
    content: { title: Conversation }
`);
    const p = plan(m, { extracted_data: {} });
    expect(p.records.map((r) => r.key)).toEqual(['deal']);
    expect(p.records[0]?.associations).toEqual([]);
    expect(p.records[0]?.droppedAssociations).toEqual([
      { key: 'contact', reason: 'contact was skipped: match property email has no value (extracted_data.email is missing)' },
    ]);
    expect(p.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['contact', 'match property email has no value (extracted_data.email is missing)'],
      ['note', 'nothing to attach it to: contact was skipped: match property email has no value (extracted_data.email is missing)'],
    ]);
  });
});

describe('conditions', () => {
  const dealWhen = (when: string) =>
    mapping(`  deal:
    object: deals
    match: crm_connector_conversation_id
    when: ${when}
    properties:
      crm_connector_conversation_id: { source: id }
`);
  it.each([
    ['{ outcome: [completed, abandoned] }', true, ''],
    ['{ outcome: [abandoned] }', false, 'outcome is completed, wanted abandoned'],
    ['{ criterion: never_defined, is: missing }', true, ''],
    ['{ criterion: answered, is: failed }', true, ''],
    ['{ present: extracted_data.email }', true, ''],
    ['{ present: extracted_data.notes }', false, 'extracted_data.notes is "null"'],
    ['{ equals: { path: extracted_data.intent, value: Catering_Inquiry } }', true, ''],
    ['{ equals: { path: extracted_data.intent, value: [wedding, party] } }', false, 'extracted_data.intent is "catering_inquiry", wanted "wedding" or "party"'],
    ['{ equals: { path: duration_seconds, value: 127 } }', true, ''],
    ['{ any: [{ outcome: [error] }, { present: extracted_data.phone }] }', false, 'none of these holds: outcome is completed, wanted error; extracted_data.phone is missing'],
    ['{ not: { outcome: [completed] } }', false, 'not wanted: outcome is completed'],
    ['{ outcome: [completed], criterion: answered, is: passed }', false, 'criterion answered is failed, wanted passed'],
  ])('%s → %s', (when, holds, why) => {
    const p = plan(dealWhen(when));
    expect(p.records.length === 1).toBe(holds);
    if (!holds) expect(p.skipped[0]?.reason).toBe(`condition not met: ${why}`);
  });
});

describe('values', () => {
  it('tries sources in order, then otherwise, then default', () => {
    const m = mapping(`${CONTACT}      firstname:
        source: [extracted_data.first_name, extracted_data.name]
        transforms: [{ split_name: first }]
      lastname:
        source: extracted_data.last_name
        otherwise: { source: extracted_data.name, transforms: [{ split_name: last }] }
      jobtitle:
        source: extracted_data.role
        transforms: [{ default: Guest }]
      company:
        template: ["{{extracted_data.company}} ({{extracted_data.intent}})", "{{extracted_data.intent}} lead"]
`);
    const props = plan(m).records[0]?.properties ?? {};
    expect(props.firstname).toMatchObject({ value: 'Jane', source: 'extracted_data.name | split_name' });
    expect(props.lastname).toMatchObject({ value: 'Doe', source: 'extracted_data.name | split_name' });
    expect(props.jobtitle).toMatchObject({ value: 'Guest', source: 'default' });
    expect(props.company).toMatchObject({ value: 'catering_inquiry lead', source: 'template "{{extracted_data.intent}} lead"' });
  });

  it('points every value at the line and column of its property in the file', () => {
    const m = mapping(`${CONTACT}      lifecyclestage: { value: lead, policy: if_empty }\n`);
    const p = plan(m);
    expect(p.records[0]?.properties.lifecyclestage).toEqual({
      value: 'lead',
      policy: 'if_empty',
      source: 'value',
      origin: { file: 'test.yaml', line: 9, column: 7, path: 'objects.contact.properties.lifecyclestage' },
    });
    expect(p.records[0]?.match).toEqual({ property: 'email', value: 'jane@contoso.example', origin: { file: 'test.yaml', line: 8, column: 7, path: 'objects.contact.properties.email' } });
    expect(p.mapping).toEqual({ file: 'test.yaml', version: m.version });
  });

  it('reads computed sources', () => {
    const m = mapping(`${CONTACT}      a: { source: criteria_summary }
      b: { source: extracted_data_summary, transforms: [{ truncate: 40 }] }
      c: { source: transcript_url }
      d: { source: criteria_results.answered.passed }
      e: { source: transcript.0.text }
`);
    const props = plan(m, {}, 'x', { transcriptUrl: 'https://connector.example/c/conv_1' }).records[0]?.properties ?? {};
    expect(props.a?.value).toBe('collected_contact_info: passed; answered: failed');
    expect(props.b?.value).toBe('Email: Jane@Contoso.example; Name: Jane ');
    expect(props.c?.value).toBe('https://connector.example/c/conv_1');
    expect(props.d?.value).toBe(false);
    expect(props.e?.value).toBe('Hello');
  });
});

describe('notes', () => {
  const NOTE = `${CONTACT}  note:
    object: notes
    associations: [contact]
    content:
      title: ["Chat with {{extracted_data.name}} about {{extracted_data.budget}}", "Chat with {{extracted_data.name}}"]
      body: "**Intent:** {{extracted_data.intent}}\\n\\n{{transcript_markdown}}\\n\\n[Open]({{transcript_url}})"
`;

  it('renders the body from Markdown to sanitised HTML and plain text, with the link back', () => {
    const markdown = '**Visitor:** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> **hi**';
    const p = plan(mapping(NOTE), {}, markdown, { transcriptUrl: 'https://connector.example/c/conv_1' });
    const note = p.records.find((r) => r.key === 'note');
    expect(note?.body?.title).toBe('Chat with Jane Doe');
    expect(note?.occurredAt).toBe('2026-04-10T12:36:07Z');
    expect(note?.body?.sourceUrl).toBe('https://connector.example/c/conv_1');
    const html = note?.body?.html ?? '';
    expect(html).toContain('<strong>Intent:</strong> catering_inquiry');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Typed tags are shown as text; no tag, handler or javascript: link survives as markup.
    expect(html).not.toMatch(/<script|<img|<[^>]*\bon\w+=|href="javascript:/i);
    expect(html).toContain('<a href="https://connector.example/c/conv_1">Open</a>');
    expect(note?.body?.text).toBe(
      'Intent: catering_inquiry\n\nVisitor: <script>alert(1)</script> x <img src=x onerror=alert(1)> hi\n\nOpen (https://connector.example/c/conv_1)',
    );
  });

  it('skips a note whose every body template has a missing placeholder', () => {
    const p = plan(mapping(NOTE), {}, 'x');
    expect(p.skipped).toEqual([{ key: 'note', object: 'notes', reason: 'content.body has no value ({{transcript_url}} has no value)' }]);
  });

  it('shows plain-text bodies as text, escaped', () => {
    const m = mapping(`${CONTACT}  note:
    object: notes
    associations: [contact]
    content: { title: Chat, body: "{{transcript_text}}", format: text }
`);
    const note = plan(m, {}, '**Visitor:** a <b>b</b>\n\n**Agent:** c').records.find((r) => r.key === 'note');
    expect(note?.body?.html).toBe('<p>Visitor: a &lt;b&gt;b&lt;/b&gt;</p>\n<p>Agent: c</p>');
    expect(note?.body?.text).toBe('Visitor: a <b>b</b>\n\nAgent: c');
  });
});

describe('plan shape', () => {
  it('orders records company → person → deal → activity → note, whatever the file order', () => {
    const m = mapping(`  note:
    object: notes
    associations: [contact]
    content: { title: Chat }
  deal:
    object: deals
    match: crm_connector_conversation_id
    properties: { crm_connector_conversation_id: { source: id } }
${CONTACT}  company:
    object: companies
    match: domain
    properties: { domain: { source: extracted_data.email, transforms: [email_domain] } }
`);
    expect(plan(m).records.map((r) => `${r.role}:${r.key}`)).toEqual(['company:company', 'person:contact', 'deal:deal', 'note:note']);
  });

  it('is pure: the same inputs give the same plan', () => {
    const m = mapping(CONTACT);
    expect(plan(m)).toEqual(plan(m));
  });
});
