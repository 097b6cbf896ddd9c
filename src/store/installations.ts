/**
 * Installations: one CRM account joined to one platform account, with their secrets sealed by
 * the secret box (each bound to its row and column). Plain columns hold what is safe to show.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CrmName } from '../crm/write-plan.ts';
import type { SecretBox } from './secret-box.ts';
import type { Queryable } from './store.ts';

export const InstallationStatus = z.enum(['active', 'disconnected']);
export type InstallationStatus = z.infer<typeof InstallationStatus>;

/** Tokens and other CRM secrets, by name (`accessToken`, `refreshToken`, `clientSecret`...). */
export const CrmCredentials = z.record(z.string(), z.string());
export type CrmCredentials = z.infer<typeof CrmCredentials>;
/** Non-secret CRM settings (`apiUrl`, `instanceUrl`, `loginUrl`, `clientId`...). */
export const CrmSettings = z.record(z.string(), z.string());
export type CrmSettings = z.infer<typeof CrmSettings>;
const WebhookSecrets = z.array(z.string().min(1)).min(1);

export interface PlatformAccount {
  apiUrl: string;
  apiKey: string;
  accountId: string | null;
  /** `whsec_…`; several while rotating, any of them verifies. */
  webhookSecrets: string[];
}

export interface Installation {
  id: string;
  name: string;
  crm: CrmName;
  crmAccountId: string | null;
  crmSettings: CrmSettings;
  crmCredentials: CrmCredentials;
  platform: PlatformAccount;
  status: InstallationStatus;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type InstallationInput = Pick<Installation, 'name' | 'crm' | 'crmSettings' | 'crmCredentials'> & {
  /** Generated (`inst_…`) when absent. */
  id?: string;
  crmAccountId?: string | null;
  platform: Omit<PlatformAccount, 'accountId'> & { accountId?: string | null };
};

interface InstallationRow {
  id: string;
  name: string;
  crm: string;
  crm_account_id: string | null;
  crm_settings: unknown;
  crm_credentials_sealed: string;
  platform_api_url: string;
  platform_account_id: string | null;
  platform_api_key_sealed: string;
  webhook_secrets_sealed: string;
  status: string;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The additional authenticated data of a sealed column: a value only opens in the row and column it was sealed for. */
const sealContext = (column: string, id: string) => `installations.${column}:${id}`;

export const newInstallationId = (): string => `inst_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

/** Creates the installation, or updates the one with the same name (keeping its id). */
export async function upsertInstallation(db: Queryable, box: SecretBox, input: InstallationInput): Promise<Installation> {
  const [existing] = await db.query<{ id: string }>('SELECT id FROM installations WHERE name = $1', [input.name]);
  const id = existing?.id ?? input.id ?? newInstallationId();
  const [row] = await db.query<InstallationRow>(
    `INSERT INTO installations (id, name, crm, crm_account_id, crm_settings, crm_credentials_sealed,
        platform_api_url, platform_account_id, platform_api_key_sealed, webhook_secrets_sealed)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, crm = EXCLUDED.crm, crm_account_id = EXCLUDED.crm_account_id,
       crm_settings = EXCLUDED.crm_settings, crm_credentials_sealed = EXCLUDED.crm_credentials_sealed,
       platform_api_url = EXCLUDED.platform_api_url, platform_account_id = EXCLUDED.platform_account_id,
       platform_api_key_sealed = EXCLUDED.platform_api_key_sealed, webhook_secrets_sealed = EXCLUDED.webhook_secrets_sealed,
       status = 'active', status_reason = NULL, updated_at = now()
     RETURNING *`,
    [
      id,
      input.name,
      input.crm,
      input.crmAccountId ?? null,
      JSON.stringify(input.crmSettings),
      box.seal(JSON.stringify(input.crmCredentials), sealContext('crm_credentials', id)),
      input.platform.apiUrl,
      input.platform.accountId ?? null,
      box.seal(input.platform.apiKey, sealContext('platform_api_key', id)),
      box.seal(JSON.stringify(WebhookSecrets.parse(input.platform.webhookSecrets)), sealContext('webhook_secrets', id)),
    ],
  );
  if (!row) throw new Error(`installation ${input.name}: upsert returned no row`);
  return toInstallation(row, box);
}

export async function getInstallation(db: Queryable, box: SecretBox, id: string): Promise<Installation | undefined> {
  const [row] = await db.query<InstallationRow>('SELECT * FROM installations WHERE id = $1', [id]);
  return row ? toInstallation(row, box) : undefined;
}

/** Only what webhook verification needs, so a request opens one sealed value, not all of them. */
export async function getWebhookSecrets(db: Queryable, box: SecretBox, id: string): Promise<string[] | undefined> {
  const [row] = await db.query<{ webhook_secrets_sealed: string }>('SELECT webhook_secrets_sealed FROM installations WHERE id = $1', [id]);
  if (!row) return undefined;
  return WebhookSecrets.parse(JSON.parse(box.open(row.webhook_secrets_sealed, sealContext('webhook_secrets', id))));
}

export async function setInstallationStatus(db: Queryable, id: string, status: InstallationStatus, reason: string | null): Promise<void> {
  await db.query('UPDATE installations SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1', [id, status, reason]);
}

function toInstallation(row: InstallationRow, box: SecretBox): Installation {
  const open = (column: string, sealed: string) => box.open(sealed, sealContext(column, row.id));
  return {
    id: row.id,
    name: row.name,
    crm: CrmName.parse(row.crm),
    crmAccountId: row.crm_account_id,
    crmSettings: CrmSettings.parse(row.crm_settings),
    crmCredentials: CrmCredentials.parse(JSON.parse(open('crm_credentials', row.crm_credentials_sealed))),
    platform: {
      apiUrl: row.platform_api_url,
      apiKey: open('platform_api_key', row.platform_api_key_sealed),
      accountId: row.platform_account_id,
      webhookSecrets: WebhookSecrets.parse(JSON.parse(open('webhook_secrets', row.webhook_secrets_sealed))),
    },
    status: InstallationStatus.parse(row.status),
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
