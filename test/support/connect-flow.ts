/**
 * The security suites' connect flow: the connector's install URL → the CRM sandbox's consent page,
 * signing in as a chosen user (HubSpot user email / Salesforce username) of a chosen portal/org →
 * the connector's callback, in a real browser-like client over HTTP.
 */
import { manifest } from '../../src/manifest.ts';
import type { CrmName } from '../../src/crm/write-plan.ts';
import { Browser, formFields } from '../e2e/oauth-browser.ts';

export interface FlowChoice {
  purpose?: 'install' | 'login' | 'reconnect';
  installationId?: string;
  /** HubSpot portal id or Salesforce org id; the consent page's first one when omitted. */
  account?: string | number;
  /** HubSpot user email / Salesforce username; the account's administrator when omitted. */
  user?: string;
}

/** Runs the flow in `browser`; returns the connector's answer to the CRM's redirect. */
export async function connectAs(browser: Browser, crm: CrmName, choice: FlowChoice = {}): Promise<Response> {
  const query = new URLSearchParams({ purpose: choice.purpose ?? 'install' });
  if (choice.installationId) query.set('installation', choice.installationId);
  const authorizeUrl = new URL(Browser.location(await browser.request(`${manifest.crms[crm].installPath}?${query}`)));
  const page = await browser.request(authorizeUrl.toString());
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
  const fields = formFields(await page.text());
  const [accountField, userField, consentPath] =
    crm === 'hubspot' ? ['portal_id', 'user_email', '/oauth/authorize'] : ['org_id', 'username', '/services/oauth2/authorize'];
  if (choice.account !== undefined) fields[accountField] = String(choice.account);
  if (choice.user !== undefined) fields[userField] = choice.user;
  const decision = await browser.request(`${authorizeUrl.origin}${consentPath}`, { form: { ...fields, decision: 'allow' } });
  return browser.request(Browser.location(decision));
}
