/**
 * `GET /_sandbox`: what the connector wrote into a portal — contacts, companies, deals, notes
 * and calls with their associations, and the request counters. Everything is escaped: note
 * bodies are HTML typed by website visitors and are shown as text, never rendered.
 */
import { html, type SafeHtml } from '../../html.ts';
import { OBJECT_TYPES, type ObjectTypeName } from './object-types.ts';
import type { PortalState, StateObject } from './portal-state.ts';

const BODY_PREVIEW_CHARS = 600;

/** The columns worth seeing per type; everything else is in the JSON state. */
const COLUMNS: Record<ObjectTypeName, string[]> = {
  contacts: ['email', 'firstname', 'lastname', 'phone', 'lifecyclestage'],
  companies: ['name', 'domain'],
  deals: ['dealname', 'dealstage', 'amount', 'closedate'],
  notes: ['hs_timestamp', 'hs_note_body'],
  calls: ['hs_timestamp', 'hs_call_title', 'hs_call_body'],
};

function cell(value: string | undefined): SafeHtml {
  if (value === undefined) return html`<td class="empty">—</td>`;
  if (value.length <= BODY_PREVIEW_CHARS) return html`<td>${value}</td>`;
  return html`<td><pre>${value.slice(0, BODY_PREVIEW_CHARS)}…</pre><small>${value.length.toLocaleString('en')} characters</small></td>`;
}

function associations(record: StateObject): SafeHtml {
  const groups = Object.entries(record.associations).map(([type, links]) =>
    html`<div>${type}: ${links.map((link, i) => html`${i > 0 ? ', ' : ''}${link.id} <small>(${link.typeIds.join('/')})</small>`)}</div>`);
  return groups.length > 0 ? html`<td>${groups}</td>` : html`<td class="empty">—</td>`;
}

function table(type: ObjectTypeName, records: StateObject[]): SafeHtml {
  const columns = COLUMNS[type];
  return html`
    <h2>${OBJECT_TYPES[type].singular} records (${records.length})</h2>
    ${records.length === 0 ? html`<p class="empty">None yet.</p>` : html`
    <table>
      <thead><tr><th>id</th>${columns.map((c) => html`<th>${c}</th>`)}<th>associations</th><th>updated</th></tr></thead>
      <tbody>${records.map((r) => html`<tr><td>${r.id}</td>${columns.map((c) => cell(r.properties[c]))}${associations(r)}<td>${r.updatedAt}</td></tr>`)}</tbody>
    </table>`}`;
}

export function inspectionPage(state: PortalState, portalIds: number[]): string {
  const { stats } = state;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>HubSpot sandbox — portal ${state.portalId}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; } .empty { color: #999; } pre { white-space: pre-wrap; margin: 0; max-width: 60rem; }
</style></head>
<body>
  <h1>HubSpot sandbox — portal ${state.portalId}</h1>
  <nav>Portals: ${portalIds.map((id) => html`<a href="/_sandbox?portalId=${id}">${id}</a> `)}
    · <a href="/_sandbox/portals/${state.portalId}/state">JSON state</a></nav>
  <p>Requests: ${stats.totalRequests} · busiest 10 s: ${stats.maxRequestsInTenSeconds} ·
     429 from limits: ${stats.rateLimited.total} · injected faults: ${stats.injectedFaults}</p>
  ${(['contacts', 'companies', 'deals', 'notes', 'calls'] as const).map((type) => table(type, state.objects[type]))}
</body></html>`.value;
}
