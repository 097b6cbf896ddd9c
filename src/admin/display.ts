/** How times, statuses and CRM record links look on the admin pages, the same on every page. */
import type { WrittenObject } from '../crm/adapter.ts';
import { html, type SafeHtml } from '../html.ts';
import type { InstallationStatus } from '../store/installations.ts';
import type { SyncStatus } from '../store/sync-records.ts';

/** `2026-04-10 12:34:56 UTC`: one unambiguous zone for admins anywhere. */
export const timeText = (at: Date | null | undefined): string =>
  at ? `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';

/** A status label and its colour; every status table of the admin pages says one of these. */
export interface Badge {
  label: string;
  tone: 'good' | 'bad' | 'busy' | 'idle';
}

export const badge = ({ label, tone }: Badge): SafeHtml => html`<span class="status ${tone}">${label}</span>`;

const SYNC_BADGES: Record<SyncStatus, Badge> = {
  synced: { label: 'synced', tone: 'good' },
  failed: { label: 'failed', tone: 'bad' },
  retrying: { label: 'retrying', tone: 'busy' },
  queued: { label: 'queued', tone: 'busy' },
  syncing: { label: 'syncing', tone: 'busy' },
  waiting_for_extraction: { label: 'waiting for extraction', tone: 'busy' },
  skipped: { label: 'skipped', tone: 'idle' },
};

export const syncBadge = (status: SyncStatus): SafeHtml => badge(SYNC_BADGES[status]);

/** Statuses whose sync is still in progress: pages showing them reload themselves. */
export const IN_PROGRESS: readonly SyncStatus[] = ['queued', 'syncing', 'retrying', 'waiting_for_extraction'];

const CONNECTION_BADGES: Record<InstallationStatus, SafeHtml> = {
  active: html`<span class="status good">connected</span>`,
  disconnected: html`<span class="status bad">needs reconnection</span>`,
  uninstalled: html`<span class="status bad">uninstalled</span>`,
};

export const connectionBadge = (status: InstallationStatus): SafeHtml => CONNECTION_BADGES[status];

/** The CRM records a sync wrote, each linked to its record page when the CRM has one. */
export function crmRecordLinks(objects: Record<string, WrittenObject>): SafeHtml {
  const entries = Object.entries(objects);
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`${entries.map(([key, written], i) => {
    const label = `${key} · ${written.object} #${written.id}`;
    const parts = written.partIds && written.partIds.length > 1 ? html` <span class="muted">(${written.partIds.length} parts)</span>` : '';
    return html`${i > 0 ? html`<br>` : ''}${safeLink(written.url, label)}${parts}`;
  })}`;
}

/** Only http(s) URLs become links: a stored `javascript:` URL is shown as text, never made clickable. */
export function safeLink(url: string | undefined, label: string): SafeHtml {
  if (url && /^https?:\/\//i.test(url)) return html`<a href="${url}" rel="noreferrer noopener" target="_blank">${label}</a>`;
  return html`${label}`;
}
