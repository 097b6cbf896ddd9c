/**
 * `GET /admin/installations/:id/admins`: who may administer the installation. HubSpot: its owner
 * (who installed it; cannot be removed), the admins added here (by HubSpot user id or email) and,
 * always, the portal's super admins. Salesforce: whoever has Customize Application or Modify All
 * Data in the org, checked at every sign-in; nothing to manage here.
 */
import { html, type SafeHtml } from '../../html.ts';
import type { Installation } from '../../store/installations.ts';
import type { InstallationAdmin } from '../../store/installation-admins.ts';
import type { FieldErrors } from '../forms.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import { installationPath } from '../paths.ts';

export interface AdminsView {
  viewer: AdminViewer;
  installation: Installation;
  admins: InstallationAdmin[];
  notice?: Notice | undefined;
  rejected?: { values: Record<string, string>; errors: FieldErrors } | undefined;
}

export function adminsPage(view: AdminsView): string {
  const { installation } = view;
  return renderPage({
    title: 'Admins',
    viewer: view.viewer,
    installation,
    tab: 'admins',
    notice: view.notice,
    body: installation.crm === 'hubspot' ? hubSpotAdmins(view) : salesforceAdmins(view),
  });
}

const who = (admin: InstallationAdmin): SafeHtml =>
  html`${admin.email ?? ''}${admin.email && admin.crmUserId ? ' · ' : ''}${admin.crmUserId ? html`<span class="mono">user ${admin.crmUserId}</span>` : ''}`;

function hubSpotAdmins(view: AdminsView): SafeHtml {
  const { installation, viewer, admins } = view;
  const error = view.rejected?.errors.who;
  return html`<section>
  <h2>Who may sign in</h2>
  <p>The owner installed the app; the admins below were added by an admin. Super admins of the HubSpot portal may always sign in
    (when they let the connector read the portal's users). Everyone else is refused, even with access to the portal.</p>
  <table class="stack">
    <thead><tr><th>User</th><th>Role</th><th>Added</th><th></th></tr></thead>
    <tbody>${admins.map((admin) => html`<tr data-admin="${admin.id}">
      <td data-label="User">${who(admin)}</td>
      <td data-label="Role">${admin.role}</td>
      <td data-label="Added" class="small">${admin.addedBy ? html`by ${admin.addedBy}, ` : ''}${admin.addedAt.toISOString().slice(0, 10)}</td>
      <td>${admin.role === 'owner'
        ? html`<span class="small muted">cannot be removed</span>`
        : html`<form class="inline" method="post" action="${installationPath(installation.id, 'admins', 'remove')}">${csrfField(viewer)}
          <input type="hidden" name="adminId" value="${admin.id}"><button class="danger" type="submit">Remove</button></form>`}</td>
    </tr>`)}</tbody>
  </table>
</section>
<section>
  <h2>Add an admin</h2>
  <form method="post" action="${installationPath(installation.id, 'admins')}">${csrfField(viewer)}
    <label>HubSpot user id or email <input type="text" name="who" value="${view.rejected?.values.who ?? ''}" required></label>
    ${error ? html`<div class="error-text small" role="alert">HubSpot user ${error}</div>` : ''}
    <button type="submit">Add admin</button>
  </form>
</section>`;
}

function salesforceAdmins(view: AdminsView): SafeHtml {
  const owner = view.admins.find((a) => a.role === 'owner');
  return html`<section>
  <h2>Who may sign in</h2>
  <p>Users of the Salesforce org with the <strong>Customize Application</strong> or <strong>Modify All Data</strong> permission.
    Salesforce is asked at every sign-in; grant or remove those permissions in Salesforce's Setup.</p>
  ${owner ? html`<p class="small muted">Installed by ${who(owner)}.</p>` : ''}
</section>`;
}
