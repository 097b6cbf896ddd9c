/**
 * The connector's own custom fields (conversation id, outcome, criteria summary, credits,
 * duration, page URL). They are made sure of when a plan uses them: present in `describe` →
 * nothing to do; absent → created through the Tooling API (`POST /tooling/sobjects/CustomField`);
 * not permitted → a permanent error telling the admin exactly which field to create.
 *
 * A field created through the API is invisible to users without field-level security, the
 * connector's own user included: when it does not appear in `describe` afterwards, the admin is
 * told to grant access rather than left with a silent failure.
 */
import { CrmError } from '../errors.ts';
import type { SalesforceApi } from './api.ts';
import { findField, type DescribeCache } from './describe-cache.ts';
import { classifyThrown } from './error-classifier.ts';
import { AnyBody } from './responses.ts';

export interface ConnectorField {
  name: string;
  label: string;
  /** Tooling API `Metadata` of the CustomField. */
  metadata: Record<string, unknown>;
  /** How the admin creates it by hand: data type and flags, as Setup names them. */
  setup: string;
  /** Must be an External ID (the field Opportunities are upserted on). */
  externalId?: boolean;
}

const picklist = (values: string[]) => ({
  restricted: true,
  valueSetDefinition: { sorted: false, value: values.map((v) => ({ fullName: v, label: v, default: false })) },
});

export const CONNECTOR_FIELDS: readonly ConnectorField[] = [
  {
    name: 'Conversation_Id__c',
    label: 'Conversation Id',
    metadata: { type: 'Text', length: 255, externalId: true, unique: true, caseSensitive: false },
    setup: 'Text(255), with "Unique" (case-insensitive) and "External ID" ticked',
    externalId: true,
  },
  {
    name: 'Conversation_Outcome__c',
    label: 'Conversation Outcome',
    metadata: { type: 'Picklist', valueSet: picklist(['completed', 'abandoned', 'error']) },
    setup: 'Picklist with the values completed, abandoned, error',
  },
  {
    name: 'Criteria_Summary__c',
    label: 'Criteria Summary',
    metadata: { type: 'TextArea' },
    setup: 'Text Area(255)',
  },
  {
    name: 'Credits_Charged__c',
    label: 'Credits Charged',
    metadata: { type: 'Number', precision: 18, scale: 0 },
    setup: 'Number(18, 0)',
  },
  {
    name: 'Duration_Seconds__c',
    label: 'Duration (seconds)',
    metadata: { type: 'Number', precision: 18, scale: 0 },
    setup: 'Number(18, 0)',
  },
  {
    name: 'Page_URL__c',
    label: 'Page URL',
    metadata: { type: 'Url' },
    setup: 'URL',
  },
];

export const connectorField = (name: string): ConnectorField | undefined =>
  CONNECTOR_FIELDS.find((f) => f.name.toLowerCase() === name.toLowerCase());

function adminInstructions(object: string, field: ConnectorField): string {
  return `create the custom field ${object}.${field.name} in Setup → Object Manager → ${object} → Fields & Relationships: ` +
    `Field Label "${field.label}", Field Name "${field.name.replace(/__c$/, '')}", data type ${field.setup}; ` +
    `give the connector's user Edit access to it (field-level security)`;
}

export class ConnectorFields {
  readonly #api: SalesforceApi;
  readonly #describes: DescribeCache;
  /** One check per field per process; a failure is forgotten so a later call looks again. */
  readonly #ensured = new Map<string, Promise<void>>();

  constructor(api: SalesforceApi, describes: DescribeCache) {
    this.#api = api;
    this.#describes = describes;
  }

  /** Makes sure `object.field` exists when `field` is one of the connector's; other fields are the mapping's business. */
  ensure(object: string, fieldName: string): Promise<void> {
    const field = connectorField(fieldName);
    if (!field) return Promise.resolve();
    const key = `${object}.${field.name}`;
    let pending = this.#ensured.get(key);
    if (!pending) {
      pending = this.#ensure(object, field);
      this.#ensured.set(key, pending);
      pending.catch(() => this.#ensured.delete(key));
    }
    return pending;
  }

  async #ensure(object: string, field: ConnectorField): Promise<void> {
    if (await this.#present(object, field)) return;
    try {
      await this.#api.call({
        method: 'POST',
        path: '/tooling/sobjects/CustomField',
        body: {
          FullName: `${object}.${field.name}`,
          Metadata: {
            label: field.label,
            description: 'Created by the conversations connector.',
            ...field.metadata,
          },
        },
        schema: AnyBody,
        idempotent: false,
        what: `creating the custom field ${object}.${field.name}`,
      });
    } catch (thrown) {
      const error = classifyThrown(thrown, `creating the custom field ${object}.${field.name}`);
      if (error.kind !== 'permanent') throw error;
      throw new CrmError('permanent', `${object}.${field.name} is missing and the connector may not create it (${error.message}): ${adminInstructions(object, field)}`, {
        code: 'MISSING_CUSTOM_FIELD',
        cause: error,
      });
    }
    this.#describes.invalidate(object);
    if (!(await this.#present(object, field))) {
      throw new CrmError('permanent', `the connector created ${object}.${field.name}, but its user cannot see it: grant the connector's user Edit access to the field (field-level security)`, {
        code: 'FIELD_NOT_ACCESSIBLE',
      });
    }
  }

  async #present(object: string, field: ConnectorField): Promise<boolean> {
    const outcome = (await this.#describes.get([object])).get(object)!;
    if (!outcome.ok) throw outcome.error;
    const found = findField(outcome.describe, field.name);
    if (found && field.externalId && !found.externalId) {
      throw new CrmError('permanent', `${object}.${field.name} exists but is not an External ID: edit the field and tick "External ID" and "Unique"`, {
        code: 'NOT_EXTERNAL_ID',
      });
    }
    return found !== undefined;
  }
}
