/**
 * `GET /admin/installations/:id/mappings`: every mapping file's state (live version, problems
 * with file:line:column and key path) and a preview of a recent conversation's WritePlan.
 */
import { html, type SafeHtml } from '../../html.ts';
import { formatProblem } from '../../mapping/problems.ts';
import type { MappingFileStatus } from '../../mapping/registry.ts';
import type { Installation } from '../../store/installations.ts';
import { timeText } from '../display.ts';
import { renderPage, type AdminViewer } from '../layout.ts';
import type { MappingChoice } from '../mapping-choices.ts';
import type { PreviewRequest, PreviewResult } from '../preview.ts';
import { installationPath } from '../paths.ts';

export interface MappingsView {
  viewer: AdminViewer;
  installation: Installation;
  files: MappingFileStatus[];
  /** MAPPINGS_DIR, named when it holds nothing. */
  /** Shown to self-hosting operators only. */
  mappingsDir: string | undefined;
  /** Which files this installation's bindings use, by file name. */
  boundWidgets: Map<string, string[]>;
  choices: MappingChoice[];
  recentConversationIds: string[];
  preview?: { request: PreviewRequest; result: PreviewResult } | undefined;
}

export function mappingsPage(view: MappingsView): string {
  return renderPage({
    title: 'Mappings',
    viewer: view.viewer,
    installation: view.installation,
    tab: 'mappings',
    body: html`${filesSection(view)}${previewSection(view)}`,
  });
}

function fileState(file: MappingFileStatus): SafeHtml {
  if (file.problems.length === 0) return html`<span class="status good">valid</span>`;
  return file.liveVersion
    ? html`<span class="status bad">has errors</span> <span class="small muted">the last good version stays live</span>`
    : html`<span class="status bad">has errors</span> <span class="small muted">not loaded: syncs that need it fail</span>`;
}

function filesSection(view: MappingsView): SafeHtml {
  return html`<section>
  <h2>Mapping files</h2>
  ${view.files.length === 0 ? html`<p class="error-text">${view.mappingsDir ? html`The mappings folder <code>${view.mappingsDir}</code> holds` : 'The server\'s mappings folder holds'} no mapping file for this installation, or cannot be read (see the service log).</p>` : html`<table>
    <thead><tr><th>File</th><th>State</th><th>Live version</th><th>Used by</th><th>Checked</th></tr></thead>
    <tbody>${view.files.map((file) => html`<tr data-mapping="${file.name}">
      <td class="mono">${file.name}</td>
      <td>${fileState(file)}
        ${file.problems.length > 0 ? html`<ul class="problems">${file.problems.map((p) => html`<li class="mono small error-text">${formatProblem(p)}</li>`)}</ul>` : ''}</td>
      <td class="mono small">${file.liveVersion ?? '—'}</td>
      <td class="small">${(view.boundWidgets.get(file.name) ?? []).join(', ') || html`<span class="muted">—</span>`}</td>
      <td class="small muted">${timeText(new Date(file.checkedAt))}</td>
    </tr>`)}</tbody>
  </table>`}
  <p class="small muted">Files are reloaded as soon as they change on disk; a broken edit never replaces the last good version.</p>
</section>`;
}

function previewSection(view: MappingsView): SafeHtml {
  const action = installationPath(view.installation.id, 'mappings');
  const request = view.preview?.request;
  return html`<section>
  <h2>Preview a conversation</h2>
  <p class="muted small">Shows exactly what a sync would write for the conversation, without writing anything.</p>
  <form method="get" action="${action}" class="row">
    <div><label for="conversation">Conversation id</label>
      <input id="conversation" name="conversation" type="text" required list="recent-conversations" value="${request?.conversationId ?? ''}" placeholder="conv_…">
      <datalist id="recent-conversations">${view.recentConversationIds.map((id) => html`<option value="${id}">`)}</datalist></div>
    <div><label for="preview-mapping">Mapping file</label>
      <select id="preview-mapping" name="mapping">
        <option value="">the file the widget's binding picks</option>
        ${view.choices.map((c) => html`<option value="${c.name}"${request?.mappingFile === c.name ? html` selected` : ''}>${c.name}</option>`)}
      </select></div>
    <div><button type="submit">Preview</button></div>
  </form>
  ${view.preview ? previewResult(view.preview.result) : ''}
</section>`;
}

function previewResult(result: PreviewResult): SafeHtml {
  if (!result.ok) return html`<div class="notice error" role="alert" id="preview-error">${result.error}</div>`;
  return html`${result.note ? html`<p class="small">${result.note}</p>` : ''}<pre id="preview">${result.text}</pre>`;
}
