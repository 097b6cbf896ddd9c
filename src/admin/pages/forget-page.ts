/**
 * Forgetting one conversation (privacy requests): `GET .../syncs/:conversationId/forget` asks for
 * confirmation (a checkbox, no script) and offers to keep the deal redacted; after the POST,
 * `.../forgotten` shows what was done, read from the anonymised audit row the forget left.
 */
import { html, type SafeHtml } from '../../html.ts';
import { CRM_LABELS } from '../../mapping/crm-objects.ts';
import type { ForgottenConversation } from '../../store/forgotten-conversations.ts';
import type { Installation } from '../../store/installations.ts';
import type { SyncRecord } from '../../store/sync-records.ts';
import { crmRecordLinks, syncBadge } from '../display.ts';
import type { FieldErrors } from '../forms.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import { installationPath } from '../paths.ts';

export interface ForgetConfirmView {
  viewer: AdminViewer;
  installation: Installation;
  record: SyncRecord;
  notice?: Notice | undefined;
  rejected?: { values: Record<string, string>; errors: FieldErrors } | undefined;
}

export function forgetConfirmPage(view: ForgetConfirmView): string {
  const { installation, record } = view;
  const crm = CRM_LABELS[installation.crm];
  const action = installationPath(installation.id, 'syncs', encodeURIComponent(record.conversationId), 'forget');
  const keepDeal = view.rejected?.values.keepDeal === 'on';
  const error = view.rejected?.errors.confirm;
  return renderPage({
    title: 'Forget a conversation',
    viewer: view.viewer,
    installation,
    tab: 'syncs',
    notice: view.notice,
    body: html`<section id="forget">
  <h2>Forget conversation <span class="mono">${record.conversationId}</span></h2>
  <p>Removes what the connector wrote to ${crm} for this conversation, then its stored copy here (sync record, webhook receipts, queued syncs). Use it for privacy requests. It cannot be undone; an anonymised audit row (a hash of the id, counts per record type) remains, and later webhooks or backfills never bring the conversation back.</p>
  <ul>
    <li>its transcript notes (and calls or tasks) are <strong>deleted</strong>;</li>
    <li>its deal is <strong>deleted</strong>, unless you keep it below (then its description and connector fields are cleared);</li>
    <li>the contact and company are <strong>kept</strong>, with the connector fields that came from this conversation cleared.</li>
  </ul>
  <p class="small">Current state: ${syncBadge(record.status)} · written: ${crmRecordLinks(record.crmObjects)}</p>
  <form method="post" action="${action}">
    ${csrfField(view.viewer)}
    <p><label class="check"><input type="checkbox" name="keepDeal"${keepDeal ? html` checked` : ''}> keep the deal, redacted, instead of deleting it</label></p>
    <p><label class="check"><input type="checkbox" name="confirm" required> I understand this deletes the conversation's notes and its deal from ${crm}</label></p>
    ${error ? html`<div class="error-text small" role="alert" data-field="confirm">Confirmation ${error}</div>` : ''}
    <button type="submit" class="danger">Forget this conversation</button>
    <a class="button secondary" href="${installationPath(installation.id, 'syncs')}">Back to the syncs</a>
  </form>
</section>`,
  });
}

export interface ForgottenView {
  viewer: AdminViewer;
  installation: Installation;
  conversationId: string;
  forgotten: ForgottenConversation;
}

export function forgottenPage(view: ForgottenView): string {
  const { forgotten, installation } = view;
  const done = forgotten.status === 'forgotten';
  const entries = Object.entries(forgotten.crmSummary);
  return renderPage({
    title: 'Conversation forgotten',
    viewer: view.viewer,
    installation,
    tab: 'syncs',
    notice: done
      ? { kind: 'ok', text: 'Conversation forgotten: its CRM records were removed or redacted and its stored copy deleted.' }
      : { kind: 'error', text: 'Forgetting did not finish: run it again from the syncs page (each step is safe to repeat).' },
    body: html`<section id="forgotten" data-status="${forgotten.status}">
  <h2>Conversation <span class="mono">${view.conversationId}</span></h2>
  <p>Deal: ${forgotten.dealPolicy === 'delete' ? 'deleted' : 'kept, with its description and connector fields cleared'}.</p>
  ${entries.length === 0
    ? html`<p class="muted">The connector had written nothing to ${CRM_LABELS[installation.crm]} for it.</p>`
    : html`<table><thead><tr><th>${CRM_LABELS[installation.crm]} record type</th><th>What was done</th></tr></thead>
      <tbody>${entries.map(([object, actions]) => html`<tr data-object="${object}"><td>${object}</td><td>${summaryText(actions)}</td></tr>`)}</tbody></table>`}
  <p class="small muted">The sync record, webhook receipts and queued syncs here were deleted. What stays is the audit row: a hash of the id and these counts.</p>
  <p><a href="${installationPath(installation.id, 'syncs')}">Back to the syncs</a></p>
</section>`,
  });
}

/** `2 deleted, 1 kept`; `missing` means someone had deleted the record in the CRM already. */
function summaryText(actions: Record<string, number>): SafeHtml {
  const parts = Object.entries(actions).map(([action, count]) => `${count} ${action === 'missing' ? 'already gone' : action}`);
  return html`${parts.join(', ')}`;
}
