/**
 * `GET /admin/installations/:id/delete`: what deleting the installation does, and a form that asks
 * for the installation's name, typed, before anything is deleted.
 */
import { html } from '../../html.ts';
import { CRM_LABELS } from '../../mapping/crm-objects.ts';
import type { Installation } from '../../store/installations.ts';
import { csrfField, renderPage, type AdminViewer } from '../layout.ts';
import { ADMIN_PATH, installationPath } from '../paths.ts';

export interface DeleteInstallationView {
  viewer: AdminViewer;
  installation: Installation;
  /** Set when the typed name did not match. */
  error?: string | undefined;
}

export function deleteInstallationPage(view: DeleteInstallationView): string {
  const { installation } = view;
  const crm = CRM_LABELS[installation.crm];
  return renderPage({
    title: 'Delete installation',
    viewer: view.viewer,
    installation,
    notice: view.error ? { kind: 'error', text: 'Not deleted: type the installation\'s name exactly as shown.' } : undefined,
    body: html`<section id="delete-installation">
  <h2>Delete installation <span class="mono">${installation.name}</span></h2>
  <p>Deleting ends this installation for good. It cannot be undone.</p>
  <ul>
    <li>the connector's access to ${crm} is <strong>revoked</strong> and its tokens deleted;</li>
    <li>the platform API key and webhook signing secrets are <strong>deleted</strong>: webhooks sent to this installation's URL are refused from then on;</li>
    <li>widget bindings, sync records, webhook receipts, backfills and queued syncs are <strong>deleted</strong>;</li>
    <li>the records already written to ${crm} <strong>stay</strong> there (use Forget on the Syncs tab first to remove a conversation's records);</li>
    <li>an anonymised audit record (hashes instead of ids, counts instead of data) remains.</li>
  </ul>
  <p>To connect this ${crm} account again later, install the connector again: it starts from scratch.</p>
  <form method="post" action="${installationPath(installation.id, 'delete')}">
    ${csrfField(view.viewer)}
    <div><label for="confirm-name">Type <strong class="mono">${installation.name}</strong> to confirm</label>
      <input id="confirm-name" type="text" name="confirmName" autocomplete="off" required spellcheck="false"${view.error ? html` aria-invalid="true" aria-describedby="confirm-name-error"` : ''}></div>
    ${view.error ? html`<div id="confirm-name-error" class="error-text small" role="alert" data-field="confirmName">${view.error}</div>` : ''}
    <p class="row"><button type="submit" class="danger">Delete this installation</button>
    <a class="button secondary" href="${ADMIN_PATH}">Keep it</a></p>
  </form>
</section>`,
  });
}
