/**
 * An installation's rate-limit state as this process sees it: the per-account limiter (calls
 * waiting, in flight, paused after a 429, 429s so far). Limiters live in the processes that call
 * the CRM, so a `web`-only process has none to show and says so.
 */
import type { AccountLimiterStats } from '../crm/rate-limit.ts';
import { html, type SafeHtml } from '../html.ts';
import type { InstallationSummary } from '../store/installations.ts';
import { timeText } from './display.ts';

export function limiterOf(stats: readonly AccountLimiterStats[], installation: Pick<InstallationSummary, 'crm' | 'crmAccountId'>): AccountLimiterStats | undefined {
  if (!installation.crmAccountId) return undefined;
  return stats.find((s) => s.account === `${installation.crm}:${installation.crmAccountId}`);
}

export function rateLimitCell(stats: AccountLimiterStats | undefined, limitsHere: boolean, now: number): SafeHtml {
  if (!limitsHere) return html`<span class="muted">kept by the worker processes (this one only serves pages and webhooks)</span>`;
  if (!stats) return html`<span class="muted">no CRM calls since this process started</span>`;
  const paused = stats.pausedUntil !== null && stats.pausedUntil > now;
  return html`${paused
    ? html`<span class="status busy">paused until ${timeText(new Date(stats.pausedUntil ?? now))}</span>`
    : html`<span class="status good">within limits</span>`}
    <div class="small muted">${stats.queued} waiting · ${stats.inFlight} in flight · ${stats.rateLimited} rate-limited answers (429) so far</div>`;
}
