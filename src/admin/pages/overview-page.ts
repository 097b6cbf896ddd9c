/** `GET /admin`: the installations this admin manages, with connection status, rate-limit state and sync counts. */
import type { AccountLimiterStats } from '../../crm/rate-limit.ts';
import type { CrmName } from '../../crm/write-plan.ts';
import { html, type SafeHtml } from '../../html.ts';
import { CRM_LABELS } from '../../mapping/crm-objects.ts';
import type { InstallationSummary } from '../../store/installations.ts';
import type { SyncStatus } from '../../store/sync-records.ts';
import { connectionBadge } from '../display.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import { rateLimitCell } from '../rate-limit-view.ts';
import { installationPath } from '../paths.ts';

export interface InstallationRow {
  installation: InstallationSummary;
  counts: Partial<Record<SyncStatus, number>>;
  limiter: AccountLimiterStats | undefined;
}

export interface OverviewView {
  viewer: AdminViewer;
  rows: InstallationRow[];
  /** False in a process without a sync worker: the limiters live in the worker processes. */
  limitsHere: boolean;
  /** CRMs whose OAuth app is configured: "connect another account" offers these. */
  connectable: readonly CrmName[];
  notice: Notice | undefined;
  now: number;
}

export function overviewPage({ viewer, rows, limitsHere, connectable, notice, now }: OverviewView): string {
  return renderPage({
    title: 'Installations',
    viewer,
    notice,
    body: html`<section>
  ${rows.length === 0
    ? html`<p>This session manages no installation.</p>`
    : html`<table>
    <thead><tr><th>Installation</th><th>CRM account</th><th>Connection</th><th>Rate limits</th><th>Platform</th><th>Syncs</th><th></th></tr></thead>
    <tbody>${rows.map((row) => installationRow(viewer, row, limitsHere, now))}</tbody>
  </table>`}
</section>
${connectable.length === 0 ? '' : html`<section>
  <h2>Connect another account</h2>
  <p class="row">${connectable.map((crm) => html`<a class="button secondary" href="/install/${crm}">Connect ${CRM_LABELS[crm]}</a> `)}</p>
</section>`}`,
  });
}

function installationRow(viewer: AdminViewer, { installation, counts, limiter }: InstallationRow, limitsHere: boolean, now: number): SafeHtml {
  const base = installationPath(installation.id);
  const reconnect = `/install/${installation.crm}?${new URLSearchParams({ purpose: 'reconnect', installation: installation.id })}`;
  return html`<tr data-installation="${installation.id}">
  <td><a href="${base}/syncs"><strong>${installation.name}</strong></a><div class="small muted mono">${installation.id}</div></td>
  <td>${CRM_LABELS[installation.crm]}<div class="small muted">${installation.crmAccountId ?? 'account id not known yet'}</div></td>
  <td>${connectionBadge(installation.status)}
    ${installation.status === 'disconnected'
      ? html`<div class="small error-text">${installation.statusReason ?? 'The CRM no longer accepts the connector\'s credentials.'}</div>
    <a class="button" href="${reconnect}">Reconnect</a>`
      : ''}${installation.status === 'uninstalled'
      ? html`<div class="small error-text">${installation.statusReason ?? 'uninstalled from HubSpot: install again to resume'}</div>
    <a class="button" href="/install/${installation.crm}">Install again</a>`
      : ''}</td>
  <td>${rateLimitCell(limiter, limitsHere, now)}</td>
  <td>${installation.platformApiUrl
    ? html`<span class="small mono">${installation.platformApiUrl}</span>`
    : html`<a href="${base}/settings">not set up: add the platform API key</a>`}</td>
  <td class="small">${syncCounts(counts)}<div><a href="${base}/syncs">recent syncs</a> · <a href="${base}/mappings">mappings</a></div></td>
  <td>${installation.status === 'active'
    ? html`<form class="inline" method="post" action="${base}/disconnect">${csrfField(viewer)}<button class="danger" type="submit">Disconnect</button></form>`
    : ''}
    <a class="small" href="${base}/delete">Delete…</a></td>
</tr>`;
}

function syncCounts(counts: Partial<Record<SyncStatus, number>>): SafeHtml {
  const synced = counts.synced ?? 0;
  const failed = counts.failed ?? 0;
  const pending = (counts.queued ?? 0) + (counts.syncing ?? 0) + (counts.retrying ?? 0) + (counts.waiting_for_extraction ?? 0);
  return html`${synced} synced · <span class="${failed > 0 ? 'error-text' : ''}">${failed} failed</span> · ${pending} in progress · ${counts.skipped ?? 0} skipped`;
}
