/** `GET /admin/login`: the admin signs in with the CRM account the connector is installed in (its OAuth login). */
import type { CrmName } from '../../crm/write-plan.ts';
import { html } from '../../html.ts';
import { CRM_LABELS } from '../../mapping/crm-objects.ts';
import { renderPage, type Notice } from '../layout.ts';

export function loginPage(crms: readonly CrmName[], notice?: Notice): string {
  return renderPage({
    title: 'Sign in',
    notice,
    body: html`<section>
  <p>Sign in with the CRM account the connector is installed in. You will see and manage the installations of that account only.</p>
  ${crms.length === 0
    ? html`<p class="error-text">No CRM sign-in is configured on this server: its operator sets HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET or SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET.</p>`
    : html`<p class="row">${crms.map((crm) => html`<a class="button" href="/install/${crm}?purpose=login">Connect ${CRM_LABELS[crm]}</a> `)}</p>
  <p class="muted small">Signing in with an account that has no installation yet installs the connector for it.</p>`}
</section>`,
  });
}
