/** The sandbox's Salesforce "Allow Access?" page: which org, what the app asks for, Allow or Deny. Everything interpolated is escaped. */
import { html, type SafeHtml } from '../../html.ts';

export interface AuthorizePageRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
}

/** What Salesforce's consent screen says for each scope. */
const SCOPE_TEXT: Record<string, string> = {
  api: 'Manage user data via APIs (api)',
  refresh_token: 'Perform requests at any time (refresh_token, offline_access)',
  offline_access: 'Perform requests at any time (refresh_token, offline_access)',
  id: 'Access the identity URL service (id, profile, email, address, phone)',
  full: 'Full access (full)',
};

const STYLE = html`<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1.5rem; color: #181818; }
  h1 { font-size: 1.35rem; } .box { border: 1px solid #c9c9c9; border-radius: 6px; padding: 1rem 1.2rem; }
  label { display: block; margin: .3rem 0; } code { font-size: .9em; }
  button { font: inherit; padding: .45rem 1.1rem; border-radius: 4px; border: 1px solid #0176d3; cursor: pointer; }
  .allow { background: #0176d3; color: #fff; } .deny { background: #fff; color: #0176d3; margin-left: .6rem; }
  .error { border-color: #ea001e; background: #fef1ee; color: #8e030f; }
</style>`;

const frame = (title: string, body: SafeHtml) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>${STYLE}</head>
<body><p><strong>Salesforce sandbox</strong></p>${body}</body></html>`;

export function allowAccessPage(request: AuthorizePageRequest, orgs: { orgId: string; username: string }[]): SafeHtml {
  const scopes = [...new Set(request.scope.split(/\s+/).filter((s) => s !== '').map((s) => SCOPE_TEXT[s] ?? s))];
  const hidden = (name: string, value: string | undefined) => (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`);
  return frame(
    'Allow Access?',
    html`<h1>Allow Access?</h1>
<form method="post" action="/services/oauth2/authorize" class="box">
  <p>The app <code>${request.clientId}</code> is asking to:</p>
  <ul>${scopes.map((s) => html`<li>${s}</li>`)}</ul>
  <fieldset><legend>Sign in to</legend>
    ${orgs.map((o, i) => html`<label><input type="radio" name="org_id" value="${o.orgId}"${i === 0 ? html` checked` : ''}> ${o.username} (org ${o.orgId})</label>`)}
  </fieldset>
  <label>Sign in as (a username of the chosen org; empty: its administrator)
    <input type="text" name="username" value="" autocomplete="off"></label>
  <p>Access is then handed to <code>${request.redirectUri}</code>.</p>
  ${hidden('response_type', 'code')}${hidden('client_id', request.clientId)}${hidden('redirect_uri', request.redirectUri)}
  ${hidden('scope', request.scope)}${hidden('state', request.state)}
  ${hidden('code_challenge', request.codeChallenge)}${hidden('code_challenge_method', request.codeChallengeMethod)}
  <button class="allow" type="submit" name="decision" value="allow">Allow</button>
  <button class="deny" type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** Salesforce shows these instead of redirecting: the redirect URI cannot be trusted. */
export function authorizeErrorPage(error: string, description: string): SafeHtml {
  return frame('Authorization error', html`<h1>OAuth error</h1><p class="box error" role="alert"><code>error=${error}</code><br>${description}</p>`);
}
