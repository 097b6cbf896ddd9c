/**
 * What particular objects do beyond their field metadata: values the platform computes (Lead
 * Name, Opportunity IsWon, a note's preview), and cross-field integrity rules Salesforce enforces.
 */
import type { RecordStore, SObjectRecord } from '../org/record-store.ts';
import { keyPrefixOf } from '../org/ids.ts';
import { recordError, type RecordError } from '../rest/salesforce-error.ts';
import { saveNoteContent } from './content-note.ts';

const LEAD_PREFIX = '00Q';

/** Fills the computed fields of a record about to be saved; may refuse it (a note body it cannot save). */
export function applyObjectBehaviour(sobject: string, record: SObjectRecord, previous: SObjectRecord | undefined, store: RecordStore): RecordError[] {
  switch (sobject) {
    case 'Lead':
    case 'Contact':
      record.Name = [record.FirstName, record.LastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
      return [];
    case 'Opportunity':
      record.IsClosed = record.StageName === 'Closed Won' || record.StageName === 'Closed Lost';
      record.IsWon = record.StageName === 'Closed Won';
      return [];
    case 'Task':
      record.IsClosed = record.Status === 'Completed';
      // A task about a lead cannot also be related to an account or opportunity.
      if (typeof record.WhoId === 'string' && keyPrefixOf(record.WhoId) === LEAD_PREFIX && record.WhatId !== null) {
        return [recordError('FIELD_INTEGRITY_EXCEPTION', 'Related To ID: You can\'t relate a task to a record when its Name ID is a lead. Clear Related To ID or choose a contact.', ['WhatId'])];
      }
      return [];
    case 'ContentNote':
      return noteBody(record, previous);
    case 'ContentDocumentLink':
      return duplicateLink(record, store);
    default:
      return [];
  }
}

function noteBody(record: SObjectRecord, previous: SObjectRecord | undefined): RecordError[] {
  record.FileType = 'SNOTE';
  record.FileExtension = 'snote';
  if (record.Content === null) {
    record.TextPreview = null;
    record.ContentSize = 0;
    return [];
  }
  if (previous && previous.Content === record.Content) return [];
  const saved = saveNoteContent(String(record.Content));
  if ('code' in saved) return [saved];
  record.Content = saved.content;
  record.TextPreview = saved.textPreview;
  record.ContentSize = saved.contentSize;
  return [];
}

function duplicateLink(record: SObjectRecord, store: RecordStore): RecordError[] {
  const existing = store.all('ContentDocumentLink').find((l) => l.Id !== record.Id
    && l.ContentDocumentId === record.ContentDocumentId && l.LinkedEntityId === record.LinkedEntityId);
  if (!existing) return [];
  return [recordError('DUPLICATE_VALUE', `Document with ID: ${String(record.ContentDocumentId)} is already linked with the entity with ID: ${String(record.LinkedEntityId)}`)];
}

/** Records that go when `id` is deleted: its activities and the note links that point at it or from it. */
export function dependentsOf(id: string, store: RecordStore): { sobject: string; id: string }[] {
  const tasks = store.all('Task').filter((t) => t.WhoId === id || t.WhatId === id).map((t) => ({ sobject: 'Task', id: String(t.Id) }));
  const links = store.all('ContentDocumentLink').filter((l) => l.LinkedEntityId === id || l.ContentDocumentId === id)
    .map((l) => ({ sobject: 'ContentDocumentLink', id: String(l.Id) }));
  return [...tasks, ...links];
}
