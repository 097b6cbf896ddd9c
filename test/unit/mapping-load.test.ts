/**
 * Loading mapping files: a table of bad files, one per error class, each asserting the exact
 * line:column, key path and the admin-facing sentence; plus "all problems at once".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingText } from '../../src/mapping/load.ts';
import { formatProblem, type MappingProblem } from '../../src/mapping/problems.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** A small valid file; cases replace parts of it. */
const HEADER = 'version: 1\ncrm: hubspot\nobjects:\n';
const CONTACT = `  contact:
    object: contacts
    match: email
    properties:
      email:
        source: extracted_data.email
        transforms: [email]
`;

interface BadCase {
  name: string;
  yaml: string;
  file?: string;
  /** line:column path: message (message as a regex source or exact substring). */
  expect: { line: number; column: number; path: string; message: string | RegExp };
}

const CASES: BadCase[] = [
  {
    name: 'YAML syntax error',
    yaml: `${HEADER}  contact:\n    object: "contacts\n`,
    // The parser finds the missing quote where the input ends.
    expect: { line: 6, column: 1, path: '', message: 'not valid YAML: Missing closing "quote' },
  },
  {
    name: 'duplicate key',
    yaml: `${HEADER}${CONTACT}      email:\n        source: extracted_data.email\n`,
    expect: { line: 11, column: 7, path: '', message: 'this key appears twice in the same block: keys must be unique' },
  },
  {
    name: 'empty file',
    yaml: '# nothing yet\n',
    expect: { line: 1, column: 1, path: '', message: 'the file is empty: it needs version, crm and objects' },
  },
  {
    name: 'unknown key with a suggestion',
    yaml: `${HEADER}${CONTACT}    asociations: []\n`,
    expect: { line: 11, column: 5, path: 'objects.contact.asociations', message: /^unknown key `asociations` — did you mean `associations`\? \(allowed here: object, description, when, match, properties, associations, content\)$/ },
  },
  {
    name: 'missing required key',
    yaml: `version: 1\nobjects:\n${CONTACT}`,
    expect: { line: 1, column: 1, path: '', message: 'missing required key `crm`' },
  },
  {
    name: 'wrong version',
    yaml: `version: 2\ncrm: hubspot\nobjects:\n${CONTACT}`,
    expect: { line: 1, column: 10, path: 'version', message: 'must be 1, found the number 2' },
  },
  {
    name: 'unknown CRM',
    yaml: `version: 1\ncrm: hubspott\nobjects:\n${CONTACT}`,
    expect: { line: 2, column: 6, path: 'crm', message: 'text "hubspott" is not allowed here — did you mean `hubspot`? (one of: hubspot, salesforce)' },
  },
  {
    name: 'file named for another CRM',
    file: 'mappings/salesforce.default.yaml',
    yaml: `${HEADER}${CONTACT}`,
    expect: { line: 2, column: 6, path: 'crm', message: 'this file is named for salesforce but says crm: hubspot' },
  },
  {
    name: 'unknown object type',
    yaml: `${HEADER}${CONTACT.replace('object: contacts', 'object: contact')}`,
    expect: { line: 5, column: 13, path: 'objects.contact.object', message: /^unknown HubSpot object `contact` — did you mean `contacts`\?/ },
  },
  {
    name: 'object of the other CRM',
    yaml: `${HEADER}${CONTACT.replace('object: contacts', 'object: Lead')}`,
    expect: { line: 5, column: 13, path: 'objects.contact.object', message: /unknown HubSpot object `Lead` \(Lead is a Salesforce object\)/ },
  },
  {
    name: 'object key that is not a plain name',
    yaml: `${HEADER}${CONTACT.replace('  contact:', '  Contact Person:').replace('match: email', 'match: mail')}`,
    expect: { line: 4, column: 3, path: 'objects.Contact Person', message: 'object keys are lower-case words joined by _, like contact or transcript_note' },
  },
  {
    name: 'unknown transform',
    yaml: `${HEADER}${CONTACT.replace('[email]', '[trim, lowercase]')}`,
    expect: { line: 10, column: 28, path: 'objects.contact.properties.email.transforms[1]', message: /^unknown transform `lowercase` — did you mean `lower`\?/ },
  },
  {
    name: 'transform that needs a value',
    yaml: `${HEADER}${CONTACT.replace('[email]', '[email, truncate]')}`,
    expect: { line: 10, column: 29, path: 'objects.contact.properties.email.transforms[1]', message: 'transform `truncate` needs a value, like: - truncate: 255' },
  },
  {
    name: 'transform value of the wrong kind',
    yaml: `${HEADER}${CONTACT.replace('[email]', '[email, { truncate: many }]')}`,
    expect: { line: 10, column: 41, path: 'objects.contact.properties.email.transforms[1].truncate', message: 'expected a number, found text "many"' },
  },
  {
    name: 'bare transform given a value',
    yaml: `${HEADER}${CONTACT.replace('[email]', '[{ trim: true }]')}`,
    expect: { line: 10, column: 24, path: 'objects.contact.properties.email.transforms[0].trim', message: 'transform `trim` takes no value: write "- trim"' },
  },
  {
    name: 'strict map without a default',
    yaml: `${HEADER}${CONTACT}      lifecyclestage:
        source: outcome
        transforms:
          - map:
              values: { completed: lead }
              strict: true
`,
    expect: { line: 14, column: 13, path: 'objects.contact.properties.lifecyclestage.transforms[0].map', message: 'a strict map needs `default:`, the value written when the input is not listed' },
  },
  {
    name: 'unknown source root',
    yaml: `${HEADER}${CONTACT.replace('source: extracted_data.email', 'source: extraction.email')}`,
    expect: { line: 9, column: 17, path: 'objects.contact.properties.email.source', message: /^unknown source `extraction` — did you mean `extracted_data`\? \(a path starts with one of: id, widget_id,/ },
  },
  {
    name: 'source fallback list with a bad entry',
    yaml: `${HEADER}${CONTACT.replace('source: extracted_data.email', 'source: [extracted_data.email, visitor]')}`,
    expect: { line: 9, column: 40, path: 'objects.contact.properties.email.source[1]', message: '`visitor` holds several values: name one, like visitor.ip_country' },
  },
  {
    name: 'criterion field that does not exist',
    yaml: `${HEADER}${CONTACT}      hs_lead_status:\n        source: criteria_results.collected_contact_info.pass\n`,
    expect: { line: 12, column: 17, path: 'objects.contact.properties.hs_lead_status.source', message: 'a criterion has no field `pass` — did you mean `passed`? (it has passed and reasoning)' },
  },
  {
    name: 'template with an unknown root',
    yaml: `${HEADER}${CONTACT}      jobtitle:\n        template: "{{vistor.ip_country}} visitor"\n`,
    expect: { line: 12, column: 19, path: 'objects.contact.properties.jobtitle.template', message: /^\{\{vistor.ip_country\}\}: unknown source `vistor` — did you mean `visitor`\?/ },
  },
  {
    name: 'template with unbalanced braces',
    yaml: `${HEADER}${CONTACT}      jobtitle:\n        template: "{{extracted_data.role} at work"\n`,
    expect: { line: 12, column: 19, path: 'objects.contact.properties.jobtitle.template', message: 'unbalanced {{ or }}: a placeholder is written {{path}}' },
  },
  {
    name: 'no way to produce a value',
    yaml: `${HEADER}${CONTACT}      jobtitle:\n        policy: if_empty\n`,
    expect: { line: 11, column: 7, path: 'objects.contact.properties.jobtitle', message: 'say where the value comes from: add source, template or value' },
  },
  {
    name: 'two ways to produce a value',
    yaml: `${HEADER}${CONTACT}      jobtitle:\n        source: extracted_data.role\n        value: Guest\n`,
    expect: { line: 11, column: 7, path: 'objects.contact.properties.jobtitle', message: 'give only one of source, template or value (found source and value)' },
  },
  {
    name: 'bad write policy',
    yaml: `${HEADER}${CONTACT}        policy: if-empty\n`,
    expect: { line: 11, column: 17, path: 'objects.contact.properties.email.policy', message: 'text "if-empty" is not allowed here — did you mean `if_empty`? (one of: always, if_empty)' },
  },
  {
    name: 'duplicate property (same property in another case)',
    yaml: `${HEADER}${CONTACT}      Email:\n        source: extracted_data.email\n`,
    expect: { line: 11, column: 7, path: 'objects.contact.properties.Email', message: /duplicate property: `Email` and `email` are the same HubSpot property/ },
  },
  {
    name: 'HubSpot property name in the wrong case',
    yaml: `${HEADER}${CONTACT}      FirstName:\n        source: extracted_data.name\n`,
    expect: { line: 11, column: 7, path: 'objects.contact.properties.FirstName', message: 'HubSpot internal property names use lower-case letters, digits and _: `FirstName` is not one — did you mean `firstname`?' },
  },
  {
    name: 'match naming a property that is not defined',
    yaml: `${HEADER}${CONTACT.replace('match: email', 'match: emial')}`,
    expect: { line: 6, column: 12, path: 'objects.contact.match', message: 'match names property `emial`, which is not under properties — did you mean `email`?' },
  },
  {
    name: 'record without match',
    yaml: `${HEADER}${CONTACT.replace('    match: email\n', '')}`,
    expect: { line: 4, column: 3, path: 'objects.contact', message: /^needs `match:` naming the property that identifies the contacts record/ },
  },
  {
    name: 'note without content',
    yaml: `${HEADER}${CONTACT}  note:\n    object: notes\n    associations: [contact]\n`,
    expect: { line: 11, column: 3, path: 'objects.note', message: 'notes need `content:` with at least a title' },
  },
  {
    name: 'association to an unknown object',
    yaml: `${HEADER}${CONTACT}  note:\n    object: notes\n    associations: [contact, deal]\n    content: { title: Conversation }\n`,
    expect: { line: 13, column: 29, path: 'objects.note.associations[1]', message: 'no object `deal` in this file (objects: contact, note)' },
  },
  {
    name: 'criterion result that does not exist',
    yaml: `${HEADER}${CONTACT}    when: { criterion: collected_contact_info, is: passd }\n`,
    expect: { line: 11, column: 52, path: 'objects.contact.when.is', message: 'text "passd" is not allowed here — did you mean `passed`? (one of: passed, failed, missing)' },
  },
  {
    name: 'criterion without a result to test',
    yaml: `${HEADER}${CONTACT}    when:\n      criterion: collected_contact_info\n`,
    expect: { line: 12, column: 7, path: 'objects.contact.when.criterion', message: 'say which result to test: add `is: passed`, `is: failed` or `is: missing`' },
  },
  {
    name: 'outcome given as one word instead of a list',
    yaml: `${HEADER}${CONTACT}    when:\n      outcome: completed\n`,
    expect: { line: 12, column: 16, path: 'objects.contact.when.outcome', message: 'expected a list (lines starting with "- ", or [a, b]), found text "completed"' },
  },
  {
    name: 'empty condition inside any',
    yaml: `${HEADER}${CONTACT}    when:\n      any:\n        - present: extracted_data.email\n        - {}\n`,
    expect: { line: 14, column: 11, path: 'objects.contact.when.any[1]', message: 'empty condition: use outcome, criterion + is, present, equals, all, any or not' },
  },
];

const load = (yaml: string, file = 'mappings/test.yaml') => loadMappingText(yaml, file);

describe('bad mapping files: one per error class', () => {
  it.each(CASES)('$name', ({ yaml, file, expect: wanted }) => {
    const result = load(yaml, file);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const match = problems.find(
      (p) =>
        p.line === wanted.line &&
        p.column === wanted.column &&
        p.path === wanted.path &&
        (typeof wanted.message === 'string' ? p.message === wanted.message : wanted.message.test(p.message)),
    );
    expect(match, `wanted ${wanted.line}:${wanted.column} ${wanted.path}: ${String(wanted.message)}\ngot:\n${problems.map(formatProblem).join('\n')}`).toBeDefined();
  });
});

describe('loading', () => {
  it('reports every problem of a file at once, in file order', () => {
    const yaml = `version: 1
crm: hubspot
objects:
  contact:
    object: contact
    match: email
    properties:
      email:
        source: extraction.email
        transforms: [lowercase]
        policy: sometimes
  deal:
    object: deals
    match: crm_connector_conversation_id
    associations: [contacts]
    when: { outcome: [done] }
    properties:
      crm_connector_conversation_id: { source: id, transforms: [{ truncate: 0 }] }
`;
    const result = load(yaml);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p: MappingProblem) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '5:13 objects.contact.object',
      '9:17 objects.contact.properties.email.source',
      '10:22 objects.contact.properties.email.transforms[0]',
      '11:17 objects.contact.properties.email.policy',
      '15:20 objects.deal.associations[0]',
      '16:23 objects.deal.when.outcome[0]',
      '18:77 objects.deal.properties.crm_connector_conversation_id.transforms[0].truncate',
    ]);
    expect(formatProblem(problems[4] as MappingProblem)).toBe(
      'mappings/test.yaml:15:20 objects.deal.associations[0]: no object `contacts` in this file — did you mean `contact`? (objects: contact, deal)',
    );
  });

  it('loads the shipped default mappings with positions for every property', () => {
    for (const crm of ['hubspot', 'salesforce']) {
      const file = `mappings/${crm}.default.yaml`;
      const text = readFileSync(path.join(root, file), 'utf8');
      const result = loadMappingText(text, file);
      expect(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n')).toBe(true);
      if (!result.ok) continue;
      expect(result.mapping.spec.crm).toBe(crm);
      expect(result.mapping.version).toMatch(/^[0-9a-f]{16}$/);
      for (const [key, object] of Object.entries(result.mapping.spec.objects)) {
        for (const name of Object.keys(object.properties)) {
          const origin = result.mapping.origins[`objects.${key}.properties.${name}`];
          expect(origin?.file).toBe(file);
          // The origin points at the property's own key in the text.
          const line = text.split('\n')[(origin?.line ?? 0) - 1] ?? '';
          expect(line.slice((origin?.column ?? 0) - 1)).toMatch(new RegExp(`^${name}:`));
        }
      }
    }
  });

  it('gives a different version to a different edit of the same file', () => {
    const a = load(`${HEADER}${CONTACT}`);
    const b = load(`${HEADER}${CONTACT}      phone:\n        source: extracted_data.phone\n`);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.mapping.version).not.toBe(b.mapping.version);
  });
});
