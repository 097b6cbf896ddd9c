/**
 * The connector's own property group and properties on contacts, deals, notes and calls, created once per
 * portal and process: list what exists, create only what is missing (one call per property: this
 * runs once per portal, and single creates answer 409 per property); "already exists" answers
 * (another process won the race) count as success.
 */
import { CrmError } from '../errors.ts';
import type { PropertyDefinition, HubSpotRequests } from './requests.ts';

export const PROPERTY_GROUP = { name: 'crm_connector', label: 'Conversation connector', displayOrder: -1 };
/** The unique deal property the adapter upserts deals on. */
export const CONVERSATION_ID_PROPERTY = 'crm_connector_conversation_id';
/**
 * The unique note/call property the adapter upserts transcript parts on
 * (`<conversationId>:<record key>:<part number>`): a write retried after an ambiguous failure
 * (a 5xx after the write, a timeout whose write lands late) finds the part instead of adding one.
 */
export const ENGAGEMENT_KEY_PROPERTY = 'crm_connector_note_key';
/** Engagement objects that carry ENGAGEMENT_KEY_PROPERTY (tasks and meetings are still created). */
export const KEYED_ENGAGEMENTS: ReadonlySet<string> = new Set(['notes', 'calls']);
export const SCHEMA_OBJECTS = ['contacts', 'deals', 'notes', 'calls'] as const;

export function connectorProperties(object: (typeof SCHEMA_OBJECTS)[number]): PropertyDefinition[] {
  const groupName = PROPERTY_GROUP.name;
  if (object === 'notes' || object === 'calls') {
    return [{
      name: ENGAGEMENT_KEY_PROPERTY, label: 'Transcript part key', groupName, type: 'string', fieldType: 'text', hasUniqueValue: true,
      description: 'Conversation, mapping record and part this transcript part was written for (unique: the connector updates it on retry).',
    }];
  }
  return [
    {
      name: CONVERSATION_ID_PROPERTY, label: 'Conversation ID', groupName, type: 'string', fieldType: 'text',
      description: object === 'deals'
        ? 'The website conversation this deal came from (unique: the connector updates the deal on re-sync).'
        : 'The latest website conversation of this contact.',
      ...(object === 'deals' ? { hasUniqueValue: true } : {}),
    },
    {
      name: 'crm_connector_outcome', label: 'Conversation outcome', groupName, type: 'enumeration', fieldType: 'select',
      description: 'How the website conversation ended.',
      options: ['completed', 'abandoned', 'error'].map((value, displayOrder) => ({
        label: value.charAt(0).toUpperCase() + value.slice(1), value, displayOrder,
      })),
    },
    {
      name: 'crm_connector_criteria_summary', label: 'Conversation criteria', groupName, type: 'string', fieldType: 'textarea',
      description: 'Pass/fail of each acceptance criterion the agent was evaluated on.',
    },
    {
      name: 'crm_connector_credits', label: 'Conversation credits', groupName, type: 'number', fieldType: 'number',
      description: 'Credits the conversation cost.',
    },
    {
      name: 'crm_connector_duration_seconds', label: 'Conversation duration (s)', groupName, type: 'number', fieldType: 'number',
      description: 'Length of the conversation in seconds.',
    },
    {
      name: 'crm_connector_page_url', label: 'Conversation page URL', groupName, type: 'string', fieldType: 'text',
      description: 'The page the visitor talked to the agent on.',
    },
  ];
}

const alreadyExists = (error: CrmError): boolean =>
  error.status === 409 || /already exists|OBJECT_ALREADY_EXISTS|DUPLICATE/i.test(`${error.code ?? ''} ${error.message}`);

const unlessAlreadyExists = (error: unknown): void => {
  if (!(error instanceof CrmError && alreadyExists(error))) throw error;
};

export async function ensureConnectorSchema(requests: HubSpotRequests): Promise<void> {
  for (const object of SCHEMA_OBJECTS) {
    const groups = await requests.listPropertyGroups(object);
    if (!groups.includes(PROPERTY_GROUP.name)) await requests.createPropertyGroup(object, PROPERTY_GROUP).catch(unlessAlreadyExists);
    const existing = new Set(await requests.listProperties(object));
    for (const definition of connectorProperties(object)) {
      if (!existing.has(definition.name)) await requests.createProperty(object, definition).catch(unlessAlreadyExists);
    }
  }
}
