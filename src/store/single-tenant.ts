/**
 * Single-tenant mode: the environment describes one installation, named and identified `default`,
 * created or updated on every start so the environment stays the source of truth for its secrets.
 * Its `*` binding (every widget, default mapping) is created once and then left to the admin.
 */
import type { CrmAccount, SingleTenantConfig } from '../config.ts';
import { upsertInstallation, type CrmCredentials, type CrmSettings, type Installation } from './installations.ts';
import type { SecretBox } from './secret-box.ts';
import type { Store } from './store.ts';
import { ANY_WIDGET, ensureBinding } from './widget-bindings.ts';

export const DEFAULT_INSTALLATION = 'default';

export async function applySingleTenant(store: Store, box: SecretBox, config: SingleTenantConfig): Promise<Installation> {
  const { settings, credentials } = crmFields(config.crm);
  return store.transaction(async (tx) => {
    const installation = await upsertInstallation(tx, box, {
      id: DEFAULT_INSTALLATION,
      name: DEFAULT_INSTALLATION,
      crm: config.crm.crm,
      crmSettings: settings,
      crmCredentials: credentials,
      platform: config.platform,
    });
    await ensureBinding(tx, { installationId: installation.id, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
    return installation;
  });
}

/** Splits the CRM account into what may be shown (settings) and what is sealed (credentials). */
function crmFields(account: CrmAccount): { settings: CrmSettings; credentials: CrmCredentials } {
  if (account.crm === 'hubspot') {
    return { settings: { apiUrl: account.apiUrl }, credentials: { accessToken: account.accessToken } };
  }
  const settings: CrmSettings = { instanceUrl: account.instanceUrl, loginUrl: account.loginUrl };
  if (account.clientId) settings.clientId = account.clientId;
  const credentials: CrmCredentials = {};
  if (account.accessToken) credentials.accessToken = account.accessToken;
  if (account.refreshToken) credentials.refreshToken = account.refreshToken;
  if (account.clientSecret) credentials.clientSecret = account.clientSecret;
  return { settings, credentials };
}
