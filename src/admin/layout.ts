/**
 * The frame every admin page shares: head with the small inline stylesheet (the CSP allows inline
 * styles and nothing else: no scripts, no external assets), the navigation, a notice line and the
 * sign-out form. Pages pass their body as SafeHtml built with the escaping `html` tag.
 */
import { html, type SafeHtml } from '../html.ts';
import type { Installation } from '../store/installations.ts';
import { CRM_LABELS } from '../mapping/crm-objects.ts';
import { ADMIN_PATH, installationPath, LOGOUT_PATH } from './paths.ts';

export interface AdminViewer {
  user: string;
  csrfToken: string;
}

export type InstallationTab = 'settings' | 'mappings' | 'syncs' | 'backfill' | 'admins';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export interface PageOptions {
  title: string;
  /** Absent on the sign-in page. */
  viewer?: AdminViewer;
  /** The installation whose tabs are shown. */
  installation?: Pick<Installation, 'id' | 'name' | 'crm'>;
  tab?: InstallationTab;
  notice?: Notice | undefined;
  /** Reload after this many seconds (pages with work in progress); plain HTML, no script. */
  refreshSeconds?: number;
  body: SafeHtml;
}

const STYLE = html`<style>
  :root { color-scheme: light; --line: #d9dde3; --muted: #5f6b7a; --ok: #17683a; --bad: #a4262c; --warn: #8a5300; --accent: #1f5fbf; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1c2430; background: #f6f7f9; }
  header { background: #1c2430; color: #fff; padding: .7rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
  header a { color: #fff; text-decoration: none; } header .brand { font-weight: 600; }
  header form { margin-left: auto; } header .user { color: #c9d1dc; font-size: .9em; margin-left: auto; }
  header .user + form { margin-left: 0; }
  main { max-width: 72rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
  nav.tabs { display: flex; flex-wrap: wrap; gap: .3rem; border-bottom: 1px solid var(--line); margin: .5rem 0 1rem; }
  nav.tabs a { padding: .45rem .9rem; text-decoration: none; color: var(--accent); border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; }
  nav.tabs a[aria-current="page"] { background: #fff; border-color: var(--line); color: #1c2430; margin-bottom: -1px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin-bottom: 1.2rem; }
  h1 { font-size: 1.45rem; margin: .4rem 0 .6rem; } h2 { font-size: 1.1rem; margin: 0 0 .7rem; }
  /* Narrow screens: a table.stack becomes one card per row, each cell led by its column's name (data-label). */
  @media (max-width: 40rem) {
    nav.tabs a { padding: .4rem .55rem; }
    table.stack thead { display: none; }
    table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
    table.stack tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .6rem; background: #fff; }
    table.stack td { border-bottom: 0; overflow-wrap: anywhere; }
    table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85em; }
  }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; color: var(--muted); font-size: .88em; }
  code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .88em; }
  pre { background: #f1f3f6; padding: .8rem; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
  .muted { color: var(--muted); } .small { font-size: .88em; }
  .status { display: inline-block; padding: .05rem .55rem; border-radius: 999px; font-size: .85em; font-weight: 600; }
  .status.good { background: #e3f4e8; color: var(--ok); } .status.bad { background: #fbe5e6; color: var(--bad); }
  .status.busy { background: #fff1d6; color: var(--warn); } .status.idle { background: #eceff3; color: var(--muted); }
  .notice { padding: .6rem .9rem; border-radius: 6px; margin-bottom: 1rem; }
  .notice.ok { background: #e3f4e8; color: var(--ok); } .notice.error { background: #fbe5e6; color: var(--bad); }
  .error-text { color: var(--bad); }
  form.inline { display: inline; margin: 0; }
  label { display: block; font-weight: 600; margin: .5rem 0 .2rem; } label.check { font-weight: 400; display: inline; }
  input[type=text], input[type=url], input[type=password], select { font: inherit; padding: .35rem .5rem; border: 1px solid #b8c0cc; border-radius: 5px; width: 100%; max-width: 34rem; }
  button, .button { font: inherit; padding: .35rem .85rem; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary, .button.secondary { background: #fff; color: var(--accent); }
  button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
  header button { background: transparent; border-color: #8391a5; color: #fff; padding: .2rem .7rem; }
  .row { display: flex; gap: .6rem; align-items: end; flex-wrap: wrap; } .row > div { flex: 1 1 12rem; }
  details summary { cursor: pointer; color: var(--accent); }
  ul.problems { margin: .3rem 0 0; padding-left: 1.2rem; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
</style>`;

export function renderPage(options: PageOptions): string {
  const { viewer, installation, tab, notice } = options;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title} · crm-connector admin</title>
${STYLE}</head>
<body>
<header>
  <a class="brand" href="${ADMIN_PATH}">crm-connector admin</a>
  ${viewer ? html`<a href="${ADMIN_PATH}">Installations</a>
  <span class="user">Signed in as ${viewer.user}</span>
  <form method="post" action="${LOGOUT_PATH}"><input type="hidden" name="_csrf" value="${viewer.csrfToken}"><button type="submit">Sign out</button></form>` : ''}
</header>
<main>
  ${installation ? installationHeading(installation, tab) : ''}
  ${notice ? html`<div class="notice ${notice.kind}" role="status">${notice.text}</div>` : ''}
  ${installation ? '' : html`<h1>${options.title}</h1>`}
  ${options.body}
</main>
</body></html>`.value;
}

function installationHeading(installation: Pick<Installation, 'id' | 'name' | 'crm'>, tab: InstallationTab | undefined): SafeHtml {
  const link = (name: InstallationTab, label: string) =>
    html`<a href="${installationPath(installation.id, name)}"${tab === name ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<h1>${CRM_LABELS[installation.crm]} · ${installation.name}</h1>
  <nav class="tabs">${link('settings', 'Platform settings')}${link('mappings', 'Mappings')}${link('syncs', 'Syncs')}${link('backfill', 'Backfill')}${link('admins', 'Admins')}</nav>`;
}

/** The hidden field every POST form carries. */
export const csrfField = (viewer: AdminViewer): SafeHtml => html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}">`;
