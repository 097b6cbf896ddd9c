/**
 * HubSpot's standard properties that the connector's default mappings use, seeded into every
 * portal with HubSpot's internal names, types and option values.
 */
import { OBJECT_TYPES, type ObjectTypeName } from './object-types.ts';
import type { FieldType, PropertyDefinition, PropertyGroup, PropertyOption, PropertyType } from './property-definitions.ts';

interface Seed {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: FieldType;
  options?: readonly (readonly [value: string, label: string])[];
  hasUniqueValue?: boolean;
  readOnlyValue?: boolean;
}

const LIFECYCLE_STAGES = [
  ['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'], ['opportunity', 'Opportunity'], ['customer', 'Customer'],
  ['evangelist', 'Evangelist'], ['other', 'Other'],
] as const;

const LEAD_STATUSES = [
  ['NEW', 'New'], ['OPEN', 'Open'], ['IN_PROGRESS', 'In Progress'], ['OPEN_DEAL', 'Open Deal'],
  ['UNQUALIFIED', 'Unqualified'], ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'], ['CONNECTED', 'Connected'],
  ['BAD_TIMING', 'Bad Timing'],
] as const;

const DEAL_STAGES = [
  ['appointmentscheduled', 'Appointment Scheduled'], ['qualifiedtobuy', 'Qualified To Buy'],
  ['presentationscheduled', 'Presentation Scheduled'], ['decisionmakerboughtin', 'Decision Maker Bought-In'],
  ['contractsent', 'Contract Sent'], ['closedwon', 'Closed Won'], ['closedlost', 'Closed Lost'],
] as const;

const CALL_STATUSES = [
  ['BUSY', 'Busy'], ['CALLING_CRM_USER', 'Calling CRM user'], ['CANCELED', 'Canceled'], ['COMPLETED', 'Completed'],
  ['CONNECTING', 'Connecting'], ['FAILED', 'Failed'], ['IN_PROGRESS', 'In progress'], ['NO_ANSWER', 'No answer'],
  ['QUEUED', 'Queued'], ['RINGING', 'Ringing'],
] as const;

const text = (name: string, label: string, fieldType: FieldType = 'text'): Seed => ({ name, label, type: 'string', fieldType });
const choice = (name: string, label: string, options: Seed['options']): Seed => ({ name, label, type: 'enumeration', fieldType: 'select', options });

const SEEDS: Record<ObjectTypeName, { group: PropertyGroup; properties: Seed[] }> = {
  contacts: {
    group: { name: 'contactinformation', label: 'Contact information', displayOrder: 0, archived: false },
    properties: [
      { ...text('email', 'Email'), hasUniqueValue: true },
      text('firstname', 'First Name'),
      text('lastname', 'Last Name'),
      text('phone', 'Phone Number', 'phonenumber'),
      text('company', 'Company Name'),
      text('country', 'Country/Region'),
      text('jobtitle', 'Job Title'),
      { ...choice('lifecyclestage', 'Lifecycle Stage', LIFECYCLE_STAGES), fieldType: 'radio' },
      { ...choice('hs_lead_status', 'Lead Status', LEAD_STATUSES), fieldType: 'radio' },
    ],
  },
  companies: {
    group: { name: 'companyinformation', label: 'Company information', displayOrder: 0, archived: false },
    properties: [text('name', 'Company name'), text('domain', 'Company Domain Name')],
  },
  deals: {
    group: { name: 'dealinformation', label: 'Deal information', displayOrder: 0, archived: false },
    properties: [
      text('dealname', 'Deal Name'),
      { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
      choice('dealstage', 'Deal Stage', DEAL_STAGES),
      choice('pipeline', 'Pipeline', [['default', 'Sales Pipeline']]),
      { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
      text('description', 'Deal Description', 'textarea'),
    ],
  },
  notes: {
    group: { name: 'engagement', label: 'Engagement', displayOrder: 0, archived: false },
    properties: [
      text('hs_note_body', 'Note body', 'html'),
      { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
    ],
  },
  calls: {
    group: { name: 'engagement', label: 'Engagement', displayOrder: 0, archived: false },
    properties: [
      text('hs_call_body', 'Call notes', 'html'),
      text('hs_call_title', 'Call Title'),
      { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
      { name: 'hs_call_duration', label: 'Call duration', type: 'number', fieldType: 'number' },
      choice('hs_call_status', 'Call status', CALL_STATUSES),
      choice('hs_call_direction', 'Call direction', [['INBOUND', 'Inbound'], ['OUTBOUND', 'Outbound']]),
    ],
  },
};

function systemSeeds(type: ObjectTypeName): Seed[] {
  const info = OBJECT_TYPES[type];
  return [
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnlyValue: true },
    { name: info.createdProperty, label: 'Create Date', type: 'datetime', fieldType: 'date', readOnlyValue: true },
    { name: info.modifiedProperty, label: 'Last Modified Date', type: 'datetime', fieldType: 'date', readOnlyValue: true },
  ];
}

function toDefinition(seed: Seed, groupName: string, displayOrder: number, at: string): PropertyDefinition {
  const options: PropertyOption[] = (seed.options ?? []).map(([value, label], index) => ({ value, label, displayOrder: index, hidden: false }));
  return {
    name: seed.name,
    label: seed.label,
    type: seed.type,
    fieldType: seed.fieldType,
    groupName,
    description: '',
    options,
    hasUniqueValue: seed.hasUniqueValue ?? false,
    hidden: false,
    formField: !seed.readOnlyValue,
    displayOrder,
    calculated: false,
    externalOptions: false,
    hubspotDefined: true,
    readOnlyValue: seed.readOnlyValue ?? false,
    createdAt: at,
    updatedAt: at,
  };
}

export function standardGroup(type: ObjectTypeName): PropertyGroup {
  return { ...SEEDS[type].group };
}

export function standardProperties(type: ObjectTypeName, at: string): PropertyDefinition[] {
  const groupName = SEEDS[type].group.name;
  return [...SEEDS[type].properties, ...systemSeeds(type)].map((seed, index) => toDefinition(seed, groupName, index, at));
}
