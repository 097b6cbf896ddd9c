/**
 * The objects every sandbox org starts with, described the way a Developer Edition org describes
 * them, plus the custom fields the connector's Opportunity mapping uses.
 */
import {
  calculated, field, picklist, reference, required, systemFields, text,
  type FieldDefinition, type SObjectDefinition,
} from './field-definition.ts';

const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const OPPORTUNITY_STAGES = [
  'Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers',
  'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost',
];
const LONG_TEXT = 32_000;

const fullName = calculated('Name', 'Full Name', 'string', 121, { nameField: true, nillable: false });

function sobject(name: string, label: string, labelPlural: string, keyPrefix: string, fields: FieldDefinition[], owned = true): SObjectDefinition {
  return { name, label, labelPlural, keyPrefix, custom: false, fields: [...systemFields({ owner: owned, audit: owned }), ...fields] };
}

export const STANDARD_SOBJECTS: readonly SObjectDefinition[] = [
  sobject('Lead', 'Lead', 'Leads', '00Q', [
    text('FirstName', 'First Name', 40),
    text('LastName', 'Last Name', 80, required),
    fullName,
    text('Company', 'Company', 255, required),
    text('Title', 'Title', 128),
    field('Email', 'Email', 'email', { length: 80, idLookup: true }),
    field('Phone', 'Phone', 'phone', { length: 40 }),
    picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
    picklist('Status', 'Status', ['*Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], required),
    field('Description', 'Description', 'textarea', { length: LONG_TEXT }),
  ]),
  sobject('Contact', 'Contact', 'Contacts', '003', [
    text('FirstName', 'First Name', 40),
    text('LastName', 'Last Name', 80, required),
    fullName,
    text('Title', 'Title', 128),
    field('Email', 'Email', 'email', { length: 80, idLookup: true }),
    field('Phone', 'Business Phone', 'phone', { length: 40 }),
    picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
    reference('AccountId', 'Account ID', ['Account'], 'Account'),
    field('Description', 'Contact Description', 'textarea', { length: LONG_TEXT }),
  ]),
  sobject('Account', 'Account', 'Accounts', '001', [
    text('Name', 'Account Name', 255, { ...required, nameField: true }),
    field('Website', 'Website', 'url', { length: 255 }),
    field('Phone', 'Account Phone', 'phone', { length: 40 }),
    field('Description', 'Account Description', 'textarea', { length: LONG_TEXT }),
  ]),
  sobject('Opportunity', 'Opportunity', 'Opportunities', '006', [
    text('Name', 'Name', 120, { ...required, nameField: true }),
    picklist('StageName', 'Stage', OPPORTUNITY_STAGES, required),
    field('CloseDate', 'Close Date', 'date', required),
    field('Amount', 'Amount', 'currency', { precision: 18, scale: 2 }),
    field('Description', 'Description', 'textarea', { length: LONG_TEXT }),
    picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
    reference('AccountId', 'Account ID', ['Account'], 'Account'),
    calculated('IsClosed', 'Closed', 'boolean', 0, { nillable: false, defaultedOnCreate: true }),
    calculated('IsWon', 'Won', 'boolean', 0, { nillable: false, defaultedOnCreate: true }),
    text('Conversation_Id__c', 'Conversation Id', 255, { externalId: true, unique: true, idLookup: true }),
    picklist('Conversation_Outcome__c', 'Conversation Outcome', ['completed', 'abandoned', 'error']),
    field('Criteria_Summary__c', 'Criteria Summary', 'textarea', { length: 32_768 }),
    field('Page_URL__c', 'Page URL', 'url', { length: 255 }),
    field('Credits_Charged__c', 'Credits Charged', 'double', { precision: 18, scale: 0 }),
    field('Duration_Seconds__c', 'Duration (seconds)', 'double', { precision: 18, scale: 0 }),
  ]),
  sobject('Task', 'Task', 'Tasks', '00T', [
    // Subject is a combobox: suggested values, free text accepted.
    field('Subject', 'Subject', 'combobox', {
      length: 255, picklistValues: ['Call', 'Send Letter', 'Send Quote', 'Other'].map((value) => ({ value, label: value, active: true, defaultValue: false })),
    }),
    field('Description', 'Description', 'textarea', { length: LONG_TEXT }),
    picklist('Status', 'Status', ['*Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'], required),
    picklist('Priority', 'Priority', ['High', '*Normal', 'Low'], required),
    field('ActivityDate', 'Due Date Only', 'date'),
    reference('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who'),
    reference('WhatId', 'Related To ID', ['Account', 'Opportunity'], 'What'),
    picklist('TaskSubtype', 'Task Subtype', ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], { updateable: false }),
    field('CallDurationInSeconds', 'Call Duration', 'int', { digits: 9 }),
    picklist('Type', 'Type', ['Call', 'Email', 'Meeting', 'Other']),
    calculated('IsClosed', 'Closed', 'boolean', 0, { nillable: false, defaultedOnCreate: true }),
  ]),
  sobject('ContentNote', 'Note', 'Notes', '069', [
    text('Title', 'Title', 255, { ...required, nameField: true }),
    field('Content', 'Content', 'base64'),
    calculated('FileType', 'File Type', 'string', 20),
    calculated('FileExtension', 'File Extension', 'string', 40),
    calculated('TextPreview', 'Text Preview', 'string', 255),
    calculated('ContentSize', 'Size', 'int', 0),
  ]),
  sobject('ContentDocumentLink', 'Content Document Link', 'Content Document Link', '06A', [
    reference('ContentDocumentId', 'ContentDocument ID', ['ContentDocument'], 'ContentDocument', { ...required, updateable: false }),
    reference('LinkedEntityId', 'Linked Entity ID', ['Account', 'Contact', 'Lead', 'Opportunity', 'User'], 'LinkedEntity', { ...required, updateable: false }),
    picklist('ShareType', 'Share Type', ['*V', 'C', 'I']),
    picklist('Visibility', 'Visibility', ['*AllUsers', 'InternalUsers', 'SharedUsers']),
  ], false),
];

/**
 * Object names a reference may point to that the sandbox stores under another object: a note's
 * ContentDocument is the note itself (same 069 id).
 */
export const REFERENCE_ALIASES: Readonly<Record<string, string>> = { ContentDocument: 'ContentNote' };
