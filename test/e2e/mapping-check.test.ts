/**
 * `crm-connector mappings check` as a real process against the live schema of each CRM sandbox:
 * a mapping holding one of each problem is reported line by line (file:line:col path: message)
 * with exit 1, and the shipped default mapping passes.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../src/sandbox/salesforce/index.ts';
import { newWebhookSecret } from '../support/sync-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function check(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE, ['src/cli.ts', 'mappings', 'check', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const SALESFORCE_MAPPING = `version: 1
crm: salesforce
objects:
  lead:
    object: Lead
    match: Email
    properties:
      Email:
        source: extracted_data.email
      LastName:
        value: Visitor
      Company:
        value: Website visitor
      Favourite_Colour__c:
        value: blue
      Rating__c:
        value: Cold
  opportunity:
    object: Opportunity
    match: Conversation_Id__c
    properties:
      Conversation_Id__c:
        source: id
      Name:
        value: Website inquiry
      StageName:
        value: Prospecting
      CloseDate:
        value: next week
  transcript_task:
    object: Task
    associations: [lead]
    content:
      title: Website conversation
      body: "{{transcript_markdown}}"
    properties:
      TaskSubtype:
        value: Call
      Priority:
        value: Urgent
`;

const HUBSPOT_MAPPING = `version: 1
crm: hubspot
objects:
  contact:
    object: contacts
    match: email
    properties:
      email:
        source: extracted_data.email
      favourite_colour:
        value: blue
      createdate:
        value: "2026-01-01T00:00:00Z"
      lifecyclestage:
        value: customr
  deal:
    object: deals
    match: dealname
    associations: [contact]
    properties:
      dealname:
        source: id
      amount:
        value: lots
`;

let work: string;
let baseEnv: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'mapping-check-'));
  baseEnv = {
    PLATFORM_API_URL: 'http://127.0.0.1:9/api',
    PLATFORM_API_KEY: 'sk_unused',
    PLATFORM_WEBHOOK_SECRET: newWebhookSecret(),
    LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('mappings check against the Salesforce sandbox (describe)', () => {
  let salesforce: SalesforceSandbox;
  let env: Record<string, string>;
  let file: string;

  beforeAll(async () => {
    salesforce = await startSalesforceSandbox({ port: 0, log: createLogger({ level: 'silent' }) });
    const org = salesforce.defaultOrg;
    // A picklist the admin retired a value of: "Cold" stays on old records but cannot be picked.
    const created = await fetch(`${salesforce.url}/services/data/v62.0/tooling/sobjects/CustomField`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        FullName: 'Lead.Rating__c',
        Metadata: { label: 'Rating', type: 'Picklist', valueSet: { restricted: true, valueSetDefinition: { value: [{ fullName: 'Hot' }, { fullName: 'Warm' }, { fullName: 'Cold', isActive: false }] } } },
      }),
    });
    expect(created.status).toBe(201);
    file = path.join(work, 'salesforce.default.yaml');
    await writeFile(file, SALESFORCE_MAPPING);
    env = {
      ...baseEnv,
      DATA_DIR: path.join(work, 'salesforce-data'),
      MAPPINGS_DIR: work,
      CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: org.instanceUrl,
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_ACCESS_TOKEN: org.accessToken,
    };
  });

  afterAll(async () => {
    await salesforce?.close();
  });

  it('reports unknown fields, non-updateable fields, type mismatches and inactive or unknown picklist values, and exits 1', async () => {
    const run = await check([], env);

    expect(run.code, run.stderr).toBe(1);
    const lines = run.stderr.trim().split('\n');
    // Warnings come with the errors: a Lead field that an existing Contact lacks is not written there.
    expect(lines).toContainEqual(expect.stringMatching(/salesforce\.default\.yaml:12:7 objects\.lead\.properties\.Company: warning: when the visitor is an existing Contact, Company is not written/));
    expect(lines.filter((line) => !line.includes(': warning: '))).toEqual([
      expect.stringMatching(/salesforce\.default\.yaml:14:7 objects\.lead\.properties\.Favourite_Colour__c: Lead has no field Favourite_Colour__c/),
      expect.stringMatching(/salesforce\.default\.yaml:16:7 objects\.lead\.properties\.Rating__c: "Cold" is an inactive value of the picklist Rating__c: Salesforce refuses it \(active values: Hot, Warm\)$/),
      expect.stringMatching(/salesforce\.default\.yaml:28:7 objects\.opportunity\.properties\.CloseDate: CloseDate is a date field and needs a date like 2026-06-15, but the mapping gives "next week"$/),
      expect.stringMatching(/salesforce\.default\.yaml:37:7 objects\.transcript_task\.properties\.TaskSubtype: Task\.TaskSubtype can only be set when the record is created/),
      expect.stringMatching(/salesforce\.default\.yaml:39:7 objects\.transcript_task\.properties\.Priority: "Urgent" is not a value of the picklist Priority/),
      '5 problem(s) against the live salesforce schema',
    ]);
  }, 70_000);

  it('passes the shipped default mapping', async () => {
    const run = await check([path.join(ROOT, 'mappings/salesforce.default.yaml')], env);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok .*salesforce\.default\.yaml: matches the salesforce schema of installation default/m);
    expect(run.stderr).not.toMatch(/problem\(s\)/);
  }, 70_000);
});

describe('mappings check against the HubSpot sandbox (properties API)', () => {
  let hubspot: HubSpotSandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    hubspot = await startHubSpotSandbox({ port: 0 });
    const dir = path.join(work, 'hubspot-mappings');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(path.join(dir, 'hubspot.default.yaml'), HUBSPOT_MAPPING);
    env = {
      ...baseEnv,
      DATA_DIR: path.join(work, 'hubspot-data'),
      MAPPINGS_DIR: dir,
      CRM: 'hubspot',
      HUBSPOT_API_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
    };
  });

  afterAll(async () => {
    await hubspot?.close();
  });

  it('reports unknown and read-only properties, type mismatches and invalid options, and exits 1', async () => {
    const run = await check([], env);

    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/hubspot\.default\.yaml:10:7 objects\.contact\.properties\.favourite_colour: contacts has no property favourite_colour/),
      expect.stringMatching(/hubspot\.default\.yaml:12:7 objects\.contact\.properties\.createdate: HubSpot calculates contacts\.createdate: it cannot be written$/),
      expect.stringMatching(/hubspot\.default\.yaml:14:7 objects\.contact\.properties\.lifecyclestage: "customr" is not an option of lifecyclestage — did you mean `customer`\?: HubSpot refuses it/),
      expect.stringMatching(/hubspot\.default\.yaml:18:5 objects\.deal\.match: deals\.dealname does not require unique values/),
      expect.stringMatching(/hubspot\.default\.yaml:23:7 objects\.deal\.properties\.amount: amount is a number property and needs a number, but the mapping gives "lots"$/),
      '5 problem(s) against the live hubspot schema',
    ]);
  }, 70_000);
});
