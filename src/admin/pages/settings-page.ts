/**
 * `GET /admin/installations/:id/settings`: where conversations come from (platform API URL and
 * key: the key is write-only, only its last characters are shown), the webhook URL and secret to
 * paste into the platform, and which widget syncs with which mapping file.
 */
import type { CrmName } from '../../crm/write-plan.ts';
import { html, type SafeHtml } from '../../html.ts';
import { defaultMappingName, widgetMappingName } from '../../mapping/resolve-file.ts';
import type { Installation } from '../../store/installations.ts';
import { ANY_WIDGET, type WidgetBinding } from '../../store/widget-bindings.ts';
import type { FieldErrors } from '../forms.ts';
import { csrfField, renderPage, type AdminViewer, type Notice } from '../layout.ts';
import type { MappingChoice } from '../mapping-choices.ts';
import { installationPath } from '../paths.ts';

/** A form shown again after it was rejected: the values as typed and a message per field. */
export interface RejectedForm {
  form: 'platform' | 'binding';
  values: Record<string, string>;
  errors: FieldErrors;
}

export interface SettingsView {
  viewer: AdminViewer;
  installation: Installation;
  webhookUrl: string;
  bindings: WidgetBinding[];
  mappingChoices: MappingChoice[];
  notice?: Notice | undefined;
  rejected?: RejectedForm | undefined;
}

/** Keys shorter than this show no characters at all: four of six would give most of it away. */
const MIN_KEY_LENGTH_TO_HINT = 12;

export const maskedKey = (key: string | null | undefined): string | undefined =>
  key ? (key.length >= MIN_KEY_LENGTH_TO_HINT ? `•••• ${key.slice(-4)}` : '••••') : undefined;

export function settingsPage(view: SettingsView): string {
  const { installation } = view;
  return renderPage({
    title: 'Platform settings',
    viewer: view.viewer,
    installation,
    tab: 'settings',
    notice: view.notice,
    body: html`${platformSection(view)}${webhookSection(view)}${bindingsSection(view)}`,
  });
}

const fieldError = (errors: FieldErrors | undefined, field: string, label: string): SafeHtml | '' =>
  errors?.[field] ? html`<div class="error-text small" role="alert">${label} ${errors[field]}</div>` : '';

function platformSection(view: SettingsView): SafeHtml {
  const { installation, viewer } = view;
  const rejected = view.rejected?.form === 'platform' ? view.rejected : undefined;
  const apiUrl = rejected?.values.apiUrl ?? installation.platform.apiUrl ?? '';
  const masked = maskedKey(installation.platform.apiKey);
  const action = installationPath(installation.id, 'settings', 'platform');
  return html`<section>
  <h2>Platform API</h2>
  <p class="muted small">The connector reads each conversation from the platform's Conversations API with this key.</p>
  <form method="post" action="${action}">
    ${csrfField(viewer)}
    <label for="apiUrl">API URL</label>
    <input id="apiUrl" name="apiUrl" type="url" required value="${apiUrl}" placeholder="https://api.platform.example">
    ${fieldError(rejected?.errors, 'apiUrl', 'API URL')}
    <label for="apiKey">API key</label>
    <input id="apiKey" name="apiKey" type="password" autocomplete="off" ${masked ? '' : html`required`}
      placeholder="${masked ? `current key ${masked}; leave blank to keep it` : 'paste the API key'}">
    ${fieldError(rejected?.errors, 'apiKey', 'API key')}
    <p class="small muted">${masked ? html`Stored key: <span class="mono">${masked}</span>. It is never shown in full.` : 'No key stored yet.'}</p>
    <button type="submit">Save platform settings</button>
  </form>
</section>`;
}

function webhookSection(view: SettingsView): SafeHtml {
  const [current, ...older] = view.installation.platform.webhookSecrets;
  return html`<section>
  <h2>Webhooks</h2>
  <p>In the platform's webhook settings, subscribe to <code>conversation.ended</code> and <code>criteria.evaluated</code> with:</p>
  <label>Webhook URL</label>
  <pre id="webhook-url">${view.webhookUrl}</pre>
  <label>Signing secret</label>
  <details>
    <summary>Show the signing secret</summary>
    <pre id="webhook-secret">${current ?? ''}</pre>
    ${older.length > 0 ? html`<p class="small muted">${older.length} older secret(s) are still accepted while the platform switches over.</p>` : ''}
  </details>
</section>`;
}

function mappingSelect(choices: MappingChoice[], crm: CrmName, selected: string | null, id: string): SafeHtml {
  return html`<select id="${id}" name="mappingFile">
    <option value=""${selected === null ? html` selected` : ''}>automatic (widget's own file, else ${defaultMappingName(crm)})</option>
    ${choices.map((c) => html`<option value="${c.name}"${c.name === selected ? html` selected` : ''}>${c.name}${c.loadable ? '' : ' (has errors, not loaded)'}</option>`)}
  </select>`;
}

function bindingsSection(view: SettingsView): SafeHtml {
  const { installation, viewer, bindings } = view;
  const base = installationPath(installation.id, 'settings', 'bindings');
  const rejected = view.rejected?.form === 'binding' ? view.rejected : undefined;
  const rows = bindings.map((b) => html`<tr data-widget="${b.widgetId}">
    <td class="mono">${b.widgetId === ANY_WIDGET ? html`${ANY_WIDGET} <span class="muted">(every other widget)</span>` : b.widgetId}</td>
    <td colspan="2">
      <form class="row" method="post" action="${base}">
        ${csrfField(viewer)}<input type="hidden" name="widgetId" value="${b.widgetId}">
        <div>${mappingSelect(view.mappingChoices, installation.crm, b.mappingFile, `mapping-${b.widgetId}`)}
          <div class="small muted">${b.mappingFile ?? (b.widgetId === ANY_WIDGET ? defaultMappingName(installation.crm) : `${widgetMappingName(installation.crm, b.widgetId)} if present, else ${defaultMappingName(installation.crm)}`)}</div></div>
        <label class="check"><input type="checkbox" name="enabled"${b.enabled ? html` checked` : ''}> sync enabled</label>
        <button type="submit" class="secondary">Save</button>
      </form>
    </td>
    <td><form class="inline" method="post" action="${base}/remove">${csrfField(viewer)}<input type="hidden" name="widgetId" value="${b.widgetId}"><button class="danger" type="submit">Remove</button></form></td>
  </tr>`);
  return html`<section>
  <h2>Widgets and mapping files</h2>
  <p class="muted small">Conversations of a widget sync only when the widget (or <code>${ANY_WIDGET}</code>) is bound here and enabled.</p>
  ${bindings.length === 0
    ? html`<p class="error-text">No widget is bound: nothing syncs until you add a binding (use <code>${ANY_WIDGET}</code> for every widget).</p>`
    : html`<table><thead><tr><th>Widget</th><th colspan="2">Mapping file and state</th><th></th></tr></thead><tbody>${rows}</tbody></table>`}
  <h2 style="margin-top:1rem">Bind a widget</h2>
  <form method="post" action="${base}">
    ${csrfField(viewer)}
    <div class="row">
      <div><label for="new-widget">Widget id</label>
        <input id="new-widget" name="widgetId" type="text" required placeholder="wgt_abc123 or ${ANY_WIDGET}" value="${rejected?.values.widgetId ?? ''}">
        ${fieldError(rejected?.errors, 'widgetId', 'Widget id')}${fieldError(rejected?.errors, 'mappingFile', 'Mapping file:')}</div>
      <div><label for="new-mapping">Mapping file</label>${mappingSelect(view.mappingChoices, installation.crm, rejected?.values.mappingFile || null, 'new-mapping')}</div>
      <div><label class="check"><input type="checkbox" name="enabled" checked> sync enabled</label></div>
      <div><button type="submit">Bind widget</button></div>
    </div>
  </form>
</section>`;
}
