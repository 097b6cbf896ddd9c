/**
 * `GET /admin/installations/:id/syncs`: failures with the CRM's message and a Retry button each
 * (plus Retry all), dead letters, and the recent sync records with links to the CRM records they
 * wrote, each with Forget (a confirmation page first). While syncs are in progress the page
 * reloads itself every few seconds (no script).
 */
import { html, type SafeHtml } from '../../html.ts';
import type { Installation } from '../../store/installations.ts';
import type { SyncRecord, SyncStatus } from '../../store/sync-records.ts';
import type { DeadLetter } from '../dead-letters.ts';
import { crmRecordLinks, IN_PROGRESS, safeLink, syncBadge, timeText } from '../display.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import { installationPath } from '../paths.ts';

export interface SyncsView {
  viewer: AdminViewer;
  installation: Installation;
  counts: Partial<Record<SyncStatus, number>>;
  failures: SyncRecord[];
  deadLetters: DeadLetter[];
  /** The sync record of each dead-lettered conversation, for its error. */
  recordsById: Map<string, SyncRecord>;
  recent: SyncRecord[];
  /** Link to a conversation on the platform, when PLATFORM_CONVERSATION_URL is set. */
  conversationLink(record: Pick<SyncRecord, 'conversationId' | 'widgetId'>): string | undefined;
  notice?: Notice | undefined;
}

const REFRESH_SECONDS = 3;

export function syncsPage(view: SyncsView): string {
  const busy = IN_PROGRESS.some((status) => (view.counts[status] ?? 0) > 0);
  return renderPage({
    title: 'Syncs',
    viewer: view.viewer,
    installation: view.installation,
    tab: 'syncs',
    notice: view.notice,
    ...(busy ? { refreshSeconds: REFRESH_SECONDS } : {}),
    body: html`${countsLine(view.counts, busy)}${failuresSection(view)}${deadLettersSection(view)}${recentSection(view)}`,
  });
}

function countsLine(counts: Partial<Record<SyncStatus, number>>, busy: boolean): SafeHtml {
  const order: SyncStatus[] = ['synced', 'failed', 'retrying', 'queued', 'syncing', 'waiting_for_extraction', 'skipped'];
  const shown = order.filter((s) => (counts[s] ?? 0) > 0);
  return html`<p>${shown.length === 0 ? 'No conversation has been synced yet.' : shown.map((s, i) => html`${i > 0 ? ' · ' : ''}${syncBadge(s)} ${counts[s] ?? 0}`)}
  ${busy ? html`<span class="small muted"> — syncs in progress; this page refreshes every ${REFRESH_SECONDS} s.</span>` : ''}</p>`;
}

function retryButton(view: SyncsView, conversationId: string): SafeHtml {
  const action = installationPath(view.installation.id, 'syncs', encodeURIComponent(conversationId), 'retry');
  return html`<form class="inline" method="post" action="${action}">${csrfField(view.viewer)}<button type="submit">Retry</button></form>`;
}

function conversationCell(view: SyncsView, record: Pick<SyncRecord, 'conversationId' | 'widgetId'>): SafeHtml {
  return html`<span class="mono">${safeLink(view.conversationLink(record), record.conversationId)}</span>${record.widgetId ? html`<div class="small muted">${record.widgetId}</div>` : ''}`;
}

function failuresSection(view: SyncsView): SafeHtml {
  const retryAll = installationPath(view.installation.id, 'syncs', 'retry-failed');
  return html`<section id="failures">
  <h2>Failures</h2>
  ${view.failures.length === 0 && view.deadLetters.length === 0
    ? html`<p class="muted">No failed syncs.</p>`
    : html`<form method="post" action="${retryAll}">${csrfField(view.viewer)}<button type="submit">Retry all failed</button></form>`}
  ${view.failures.length === 0 ? '' : html`<table>
    <thead><tr><th>Conversation</th><th>Error from the last attempt</th><th>Attempts</th><th>Failed at</th><th>Written so far</th><th></th></tr></thead>
    <tbody>${view.failures.map((r) => html`<tr data-conversation="${r.conversationId}">
      <td>${conversationCell(view, r)}</td>
      <td class="error-text">${r.lastError ?? 'no message recorded'}</td>
      <td>${r.attempts}</td>
      <td class="small">${timeText(r.updatedAt)}</td>
      <td class="small">${crmRecordLinks(r.crmObjects)}</td>
      <td>${retryButton(view, r.conversationId)}</td>
    </tr>`)}</tbody>
  </table>`}
</section>`;
}

function deadLettersSection(view: SyncsView): SafeHtml {
  return html`<section id="dead-letters">
  <h2>Dead letters</h2>
  <p class="small muted">Sync jobs that used up their retries or failed for good. Retrying one starts a fresh job with a fresh retry budget.</p>
  ${view.deadLetters.length === 0 ? html`<p class="muted">None.</p>` : html`<table>
    <thead><tr><th>Conversation</th><th>Dead-lettered at</th><th>Current sync state</th><th></th></tr></thead>
    <tbody>${view.deadLetters.map((letter) => {
      const record = view.recordsById.get(letter.conversationId);
      return html`<tr data-conversation="${letter.conversationId}">
      <td>${conversationCell(view, { conversationId: letter.conversationId, widgetId: record?.widgetId ?? null })}</td>
      <td class="small">${timeText(letter.deadLetteredAt)}</td>
      <td>${record ? html`${syncBadge(record.status)}${record.lastError ? html`<div class="small error-text">${record.lastError}</div>` : ''}` : html`<span class="muted">no sync record</span>`}</td>
      <td>${retryButton(view, letter.conversationId)}</td>
    </tr>`;
    })}</tbody>
  </table>`}
</section>`;
}

function recentSection(view: SyncsView): SafeHtml {
  return html`<section id="recent">
  <h2>Recent syncs</h2>
  ${view.recent.length === 0 ? html`<p class="muted">None yet. Syncs appear here as soon as the platform's webhooks arrive.</p>` : html`<table>
    <thead><tr><th>Conversation</th><th>Status</th><th>Last change</th><th>CRM records</th><th>Details</th><th></th></tr></thead>
    <tbody>${view.recent.map((r) => html`<tr data-conversation="${r.conversationId}" data-status="${r.status}">
      <td>${conversationCell(view, r)}</td>
      <td>${syncBadge(r.status)}</td>
      <td class="small">${timeText(r.updatedAt)}${r.attempts > 1 ? html`<div class="muted">${r.attempts} attempts</div>` : ''}</td>
      <td class="small">${crmRecordLinks(r.crmObjects)}</td>
      <td class="small">${details(r)}</td>
      <td><a class="button secondary" href="${installationPath(view.installation.id, 'syncs', encodeURIComponent(r.conversationId), 'forget')}">Forget…</a></td>
    </tr>`)}</tbody>
  </table>`}
</section>`;
}

function details(record: SyncRecord): SafeHtml {
  const lines: SafeHtml[] = [];
  if (record.lastError) lines.push(html`<div class="${record.status === 'skipped' || record.status === 'waiting_for_extraction' ? 'muted' : 'error-text'}">${record.lastError}</div>`);
  for (const note of record.notes) lines.push(html`<div class="muted">${note}</div>`);
  if (record.mappingFile) lines.push(html`<div class="muted">mapping ${record.mappingFile}</div>`);
  return html`${lines}`;
}
