/**
 * `GET /_sandbox`: every org's records (Leads, Contacts, Accounts, Opportunities, Tasks, Notes and
 * what each note is linked to) and its API usage. Record text is shown escaped, never rendered.
 */
import type { SObjectRecord } from '../org/record-store.ts';
import type { SalesforceOrg } from '../org/salesforce-org.ts';
import { keyPrefixOf } from '../org/ids.ts';
import { decodeNoteContent } from '../validation/content-note.ts';
// The escaping template is the HubSpot sandbox's; both pages should share it from src/sandbox/ once hoisted.
import { html, type SafeHtml } from '../../../html.ts';

const COLUMNS: Record<string, string[]> = {
  Lead: ['Name', 'Company', 'Email', 'Phone', 'Status', 'LeadSource', 'LastModifiedDate'],
  Contact: ['Name', 'Email', 'Phone', 'AccountId', 'LastModifiedDate'],
  Account: ['Name', 'Website', 'LastModifiedDate'],
  Opportunity: ['Name', 'StageName', 'CloseDate', 'Amount', 'Conversation_Id__c', 'Conversation_Outcome__c', 'Page_URL__c', 'AccountId', 'LastModifiedDate'],
  Task: ['Subject', 'Status', 'TaskSubtype', 'WhoId', 'WhatId', 'CallDurationInSeconds', 'ActivityDate', 'Description'],
};
const PREVIEW = 160;

const STYLE = html`
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
th,td{border:1px solid #d6d6d6;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f9}
code{font-size:12px}
.meta{color:#555}
pre{white-space:pre-wrap;max-height:16rem;overflow:auto;background:#fafafa;padding:.5rem;margin:0}
`;

function cell(org: SalesforceOrg, value: SObjectRecord[string]): SafeHtml | string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // Ids of records in this org become links to their rows.
  if (/^[a-zA-Z0-9]{18}$/.test(text) && org.schema.byKeyPrefix(keyPrefixOf(text))) return html`<a href="#${text}"><code>${text}</code></a>`;
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}

function recordTable(org: SalesforceOrg, sobject: string, columns: string[]): SafeHtml {
  const records = org.store.all(sobject);
  if (records.length === 0) return html`<p class="meta">No ${sobject} records.</p>`;
  return html`<table><thead><tr><th>Id</th>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>
${records.map((r) => html`<tr id="${String(r.Id)}"><td><code>${String(r.Id)}</code></td>${columns.map((c) => html`<td>${cell(org, r[c] ?? null)}</td>`)}</tr>\n`)}
</tbody></table>`;
}

function notesTable(org: SalesforceOrg): SafeHtml {
  const notes = org.store.all('ContentNote');
  if (notes.length === 0) return html`<p class="meta">No notes.</p>`;
  const links = org.store.all('ContentDocumentLink');
  return html`<table><thead><tr><th>Id</th><th>Title</th><th>Linked to</th><th>Body (HTML source)</th></tr></thead><tbody>
${notes.map((n) => {
    const linked = links.filter((l) => l.ContentDocumentId === n.Id);
    const body = typeof n.Content === 'string' ? decodeNoteContent(n.Content) : '';
    return html`<tr id="${String(n.Id)}"><td><code>${String(n.Id)}</code></td><td>${String(n.Title ?? '')}</td>
<td>${linked.map((l) => html`<div>${cell(org, l.LinkedEntityId ?? null)} <span class="meta">(${org.schema.byKeyPrefix(keyPrefixOf(String(l.LinkedEntityId)))?.name ?? '?'}, ${String(l.ShareType)})</span></div>`)}</td>
<td><pre>${body}</pre></td></tr>\n`;
  })}
</tbody></table>`;
}

function orgSection(org: SalesforceOrg): SafeHtml {
  const used = org.usage.used();
  return html`<section>
<h2>Org <code>${org.orgId}</code></h2>
<p class="meta">${org.user.username} · API usage ${used} / ${org.usage.limit} in the last 24 hours · ${org.faults.pending()} pending injected faults · ${org.rules.length} rules ·
<a href="/_sandbox/orgs/${org.orgId}/state">state JSON</a> · <a href="/_sandbox/orgs/${org.orgId}/stats">stats JSON</a></p>
${Object.entries(COLUMNS).map(([sobject, columns]) => html`<h3>${sobject}</h3>${recordTable(org, sobject, columns)}`)}
<h3>Notes</h3>${notesTable(org)}
</section>`;
}

export function sandboxPage(orgs: SalesforceOrg[]): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Salesforce sandbox</title><style>${STYLE}</style></head>
<body><h1>Salesforce sandbox</h1>
${orgs.length === 0 ? html`<p>No orgs yet.</p>` : orgs.map(orgSection)}
</body></html>`.value;
}
