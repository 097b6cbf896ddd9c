/**
 * `GET /admin/installations/:id/backfill`: the form that starts a backfill of past conversations
 * and this installation's backfills with their progress and Pause / Resume / Cancel buttons.
 * While one is walking or its syncs are still running the page reloads itself (no script).
 */
import { html, type SafeHtml } from '../../html.ts';
import type { BackfillPhase, BackfillProgress } from '../../backfill/progress.ts';
import { describeParams } from '../../backfill/params.ts';
import { etaSeconds, formatDuration } from '../../backfill/rate-meter.ts';
import { Outcome } from '../../platform/schemas.ts';
import type { Installation } from '../../store/installations.ts';
import { badge, type Badge, timeText } from '../display.ts';
import type { FieldErrors } from '../forms.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import { installationPath } from '../paths.ts';

export interface BackfillView {
  viewer: AdminViewer;
  installation: Installation;
  backfills: BackfillProgress[];
  /** False where this process runs no backfills: the page lists them but cannot start or resume one. */
  canStart: boolean;
  notice?: Notice | undefined;
  /** The form as typed, with a message per field, after it was rejected. */
  rejected?: { values: Record<string, string>; errors: FieldErrors } | undefined;
  now: number;
}

const REFRESH_SECONDS = 3;

/** Phases with work going on: the page keeps refreshing while a backfill is in one. */
const ACTIVE: readonly BackfillPhase[] = ['walking', 'interrupted', 'syncing'];

const PHASES: Record<BackfillPhase, Badge> = {
  walking: { label: 'walking pages', tone: 'busy' },
  interrupted: { label: 'interrupted, resumes on restart', tone: 'busy' },
  syncing: { label: 'syncing', tone: 'busy' },
  complete: { label: 'done', tone: 'good' },
  paused: { label: 'paused', tone: 'idle' },
  failed: { label: 'failed', tone: 'bad' },
  cancelled: { label: 'cancelled', tone: 'idle' },
};

export function backfillPage(view: BackfillView): string {
  const busy = view.backfills.some((b) => ACTIVE.includes(b.phase));
  return renderPage({
    title: 'Backfill',
    viewer: view.viewer,
    installation: view.installation,
    tab: 'backfill',
    notice: view.notice,
    ...(busy ? { refreshSeconds: REFRESH_SECONDS } : {}),
    body: html`${startSection(view)}${listSection(view, busy)}`,
  });
}

const fieldError = (errors: FieldErrors | undefined, field: string, label: string): SafeHtml | '' =>
  errors?.[field] ? html`<div class="error-text small" role="alert" data-field="${field}">${label} ${errors[field]}</div>` : '';

function startSection(view: BackfillView): SafeHtml {
  if (!view.canStart) {
    return html`<section><h2>Start a backfill</h2><p class="muted">This process runs no backfills: start one with <code>crm-connector backfill</code> or on a process that serves the admin pages with the sync service.</p></section>`;
  }
  const values = view.rejected?.values ?? {};
  const errors = view.rejected?.errors;
  const outcome = values.outcome ?? '';
  return html`<section id="start">
  <h2>Start a backfill</h2>
  <p class="muted small">Syncs past conversations from the platform's Conversations API: every conversation that started from <em>since</em> (inclusive) up to <em>until</em> (exclusive), optionally of one widget or one outcome. Conversations already synced with the current mapping are skipped unless you tick the box. Dates are ISO (<code>2026-04-01</code> or <code>2026-04-01T08:00:00Z</code>), read as UTC.</p>
  <form method="post" action="${installationPath(view.installation.id, 'backfill')}">
    ${csrfField(view.viewer)}
    <div class="row">
      <div><label for="since">Since</label><input id="since" name="since" type="text" required placeholder="2026-04-01" value="${values.since ?? ''}">${fieldError(errors, 'since', 'Since')}</div>
      <div><label for="until">Until <span class="muted small">(optional)</span></label><input id="until" name="until" type="text" placeholder="2026-05-01" value="${values.until ?? ''}">${fieldError(errors, 'until', 'Until')}</div>
    </div>
    <div class="row">
      <div><label for="widgetId">Widget id <span class="muted small">(optional)</span></label><input id="widgetId" name="widgetId" type="text" placeholder="every widget" value="${values.widgetId ?? ''}">${fieldError(errors, 'widgetId', 'Widget id')}</div>
      <div><label for="outcome">Outcome <span class="muted small">(optional)</span></label><select id="outcome" name="outcome">
        <option value=""${outcome === '' ? html` selected` : ''}>every outcome</option>
        ${Outcome.options.map((o) => html`<option value="${o}"${o === outcome ? html` selected` : ''}>${o}</option>`)}
      </select>${fieldError(errors, 'outcome', 'Outcome')}</div>
    </div>
    <p><label class="check"><input type="checkbox" name="resync"${values.resync === 'on' ? html` checked` : ''}> also sync conversations already synced with the current mapping</label></p>
    <button type="submit">Start backfill</button>
  </form>
</section>`;
}

function listSection(view: BackfillView, busy: boolean): SafeHtml {
  return html`<section id="backfills">
  <h2>Backfills</h2>
  ${busy ? html`<p class="small muted">A backfill is in progress; this page refreshes every ${REFRESH_SECONDS} s.</p>` : ''}
  ${view.backfills.length === 0 ? html`<p class="muted">No backfill yet.</p>` : html`<table>
    <thead><tr><th>Backfill</th><th>Status</th><th class="num">Pages</th><th class="num">Listed</th><th class="num">Enqueued</th><th class="num">Skipped</th><th class="num">Synced</th><th class="num">Failed</th><th class="num">Pending</th><th>Rate · ETA</th><th></th></tr></thead>
    <tbody>${view.backfills.map((b) => row(view, b))}</tbody>
  </table>`}
</section>`;
}

function row(view: BackfillView, b: BackfillProgress): SafeHtml {
  const skipped = b.skipped.alreadySynced + b.skipped.notBound + b.skipped.forgotten;
  return html`<tr data-backfill="${b.id}" data-phase="${b.phase}">
    <td><span class="mono">${b.id}</span><div class="small muted">${describeParams(b.params)}</div>
      <div class="small muted">started ${timeText(b.startedAt)} from the ${b.startedBy === 'admin' ? 'admin pages' : 'CLI'}${b.finishedAt ? html`, finished ${timeText(b.finishedAt)}` : ''}</div></td>
    <td>${badge(PHASES[b.phase])}${b.lastError ? html`<div class="small error-text">${b.lastError}</div>` : ''}</td>
    <td class="num">${b.pagesDone}</td>
    <td class="num">${b.seen}</td>
    <td class="num">${b.enqueued}</td>
    <td class="num" title="already synced ${b.skipped.alreadySynced}, widget not bound ${b.skipped.notBound}, forgotten ${b.skipped.forgotten}">${skipped}</td>
    <td class="num">${b.synced}</td>
    <td class="num">${b.syncFailed}</td>
    <td class="num">${b.pending}</td>
    <td class="small">${rateText(b, view.now)}</td>
    <td>${actions(view, b)}</td>
  </tr>`;
}

/**
 * Settled syncs per second since the backfill started, and the pending syncs at that rate. The
 * page keeps no state between reloads, so this is the run's average, not the CLI's sliding window;
 * while pages are still being walked more syncs will come (`+`).
 */
function rateText(b: BackfillProgress, now: number): string {
  if (!ACTIVE.includes(b.phase)) return '—';
  const seconds = (now - b.startedAt.getTime()) / 1000;
  const perSecond = seconds >= 1 && b.settled > 0 ? b.settled / seconds : undefined;
  const more = b.phase === 'syncing' ? '' : '+';
  return `${perSecond === undefined ? '?' : perSecond.toFixed(1)}/s · ETA ${formatDuration(etaSeconds(b.pending, perSecond))}${more}`;
}

function actionButton(view: BackfillView, b: BackfillProgress, action: 'pause' | 'resume' | 'cancel', label: string): SafeHtml {
  const target = installationPath(view.installation.id, 'backfill', encodeURIComponent(b.id), action);
  return html`<form class="inline" method="post" action="${target}">${csrfField(view.viewer)}<button type="submit"${action === 'cancel' ? html` class="danger"` : html` class="secondary"`}>${label}</button></form>`;
}

/** The buttons the backfill's state allows (the store refuses the others anyway). */
function actions(view: BackfillView, b: BackfillProgress): SafeHtml {
  const buttons: SafeHtml[] = [];
  if (b.status === 'running') buttons.push(actionButton(view, b, 'pause', 'Pause'));
  if (view.canStart && (b.status === 'paused' || b.status === 'failed')) buttons.push(actionButton(view, b, 'resume', 'Resume'));
  if (b.status === 'running' || b.status === 'paused' || b.status === 'failed') buttons.push(actionButton(view, b, 'cancel', 'Cancel'));
  return html`${buttons.map((button, i) => html`${i > 0 ? ' ' : ''}${button}`)}`;
}
