/** The sandbox's HubSpot consent screen: choose the portal, see the scopes, Connect or Cancel. Everything interpolated is escaped. */
import { html, type SafeHtml } from '../../html.ts';

export interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  optionalScope: string | undefined;
  state: string | undefined;
}

const STYLE = html`<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1.5rem; color: #33475b; }
  h1 { font-size: 1.4rem; } .box { border: 1px solid #cbd6e2; border-radius: 8px; padding: 1rem 1.2rem; }
  ul { padding-left: 1.2rem; } code { font-size: .9em; } label { display: block; margin: .3rem 0; }
  button { font: inherit; padding: .45rem 1.1rem; border-radius: 4px; border: 1px solid #ff7a59; cursor: pointer; }
  .allow { background: #ff7a59; color: #fff; } .deny { background: #fff; color: #ff7a59; margin-left: .6rem; }
  .error { border-color: #f2545b; background: #fde8e9; color: #8b1e23; }
</style>`;

const frame = (title: string, body: SafeHtml) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>${STYLE}</head>
<body><p><strong>HubSpot sandbox</strong></p>${body}</body></html>`;

export function consentPage(request: ConsentRequest, app: { appId: number }, portalIds: number[]): SafeHtml {
  const scopes = request.scope.split(' ').filter((s) => s !== '');
  const optional = (request.optionalScope ?? '').split(' ').filter((s) => s !== '');
  const hidden = (name: string, value: string | undefined) => (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`);
  return frame(
    'Connect app',
    html`<h1>Allow app ${app.appId} to access your HubSpot account?</h1>
<form method="post" action="/oauth/authorize" class="box">
  <p>Client id <code>${request.clientId}</code> will be able to:</p>
  <ul>${scopes.map((s) => html`<li><code>${s}</code></li>`)}${optional.map((s) => html`<li><code>${s}</code> (optional)</li>`)}</ul>
  <fieldset><legend>Choose an account</legend>
    ${portalIds.map((id, i) => html`<label><input type="radio" name="portal_id" value="${id}"${i === 0 ? html` checked` : ''}> Portal ${id}</label>`)}
  </fieldset>
  <label>Sign in as (a user's email; empty: the account's first super admin)
    <input type="text" name="user_email" value="" autocomplete="off"></label>
  <p>After you choose, you go back to <code>${request.redirectUri}</code>.</p>
  ${hidden('client_id', request.clientId)}${hidden('redirect_uri', request.redirectUri)}${hidden('scope', request.scope)}
  ${hidden('optional_scope', request.optionalScope)}${hidden('state', request.state)}
  <button class="allow" type="submit" name="decision" value="allow">Connect app</button>
  <button class="deny" type="submit" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

/** An authorization request HubSpot would refuse outright: shown here, never redirected (the redirect URI is not trusted). */
export function authorizeErrorPage(message: string): SafeHtml {
  return frame('Authorization error', html`<h1>This app cannot be authorized</h1><p class="box error" role="alert">${message}</p>`);
}
