/**
 * Installations: one CRM account joined to one platform account, with their secrets sealed by
 * the secret box (each bound to its row and column). Plain columns hold what is safe to show.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CrmName } from '../crm/write-plan.ts';
import { normaliseBaseUrl } from '../net/base-url.ts';
import type { SecretBox } from './secret-box.ts';
import type { Queryable } from './store.ts';
import { webhookSecretsChanged } from './webhook-secret-changes.ts';

/** `uninstalled`: the app was removed from the HubSpot portal; tokens wiped until someone installs it again. */
export const InstallationStatus = z.enum(['active', 'disconnected', 'uninstalled']);
export type InstallationStatus = z.infer<typeof InstallationStatus>;

/** Tokens and other CRM secrets, by name (`accessToken`, `refreshToken`, `clientSecret`...). */
export const CrmCredentials = z.record(z.string(), z.string());
export type CrmCredentials = z.infer<typeof CrmCredentials>;
/** Non-secret CRM settings (`apiUrl`, `instanceUrl`, `loginUrl`, `clientId`...). */
export const CrmSettings = z.record(z.string(), z.string());
export type CrmSettings = z.infer<typeof CrmSettings>;
const WebhookSecrets = z.array(z.string().min(1)).min(1);

export interface PlatformAccount {
  /** Null until the admin enters it (an OAuth install knows only the CRM side): syncs fail until then. */
  apiUrl: string | null;
  apiKey: string | null;
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
  platform_api_url: string | null;
  platform_account_id: string | null;
  platform_api_key_sealed: string | null;
  webhook_secrets_sealed: string;
  status: string;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The additional authenticated data of a sealed column: a value only opens in the row and column it was sealed for. */
const sealContext = (column: string, id: string) => `installations.${column}:${id}`;

/** The installation's CRM tokens, sealed for its row (src/store/token-lease.ts writes them outside this module). */
export const sealCrmCredentials = (box: SecretBox, id: string, credentials: CrmCredentials): string =>
  box.seal(JSON.stringify(credentials), sealContext('crm_credentials', id));
export const openCrmCredentials = (box: SecretBox, id: string, sealed: string): CrmCredentials =>
  CrmCredentials.parse(JSON.parse(box.open(sealed, sealContext('crm_credentials', id))));

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
      sealCrmCredentials(box, id, input.crmCredentials),
      input.platform.apiUrl,
      input.platform.accountId ?? null,
      input.platform.apiKey === null ? null : box.seal(input.platform.apiKey, sealContext('platform_api_key', id)),
      box.seal(JSON.stringify(WebhookSecrets.parse(input.platform.webhookSecrets)), sealContext('webhook_secrets', id)),
    ],
  );
  if (!row) throw new Error(`installation ${input.name}: upsert returned no row`);
  webhookSecretsChanged(id);
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
      apiKey: row.platform_api_key_sealed === null ? null : open('platform_api_key', row.platform_api_key_sealed),
      accountId: row.platform_account_id,
      webhookSecrets: WebhookSecrets.parse(JSON.parse(open('webhook_secrets', row.webhook_secrets_sealed))),
    },
    status: InstallationStatus.parse(row.status),
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the admin overview shows of an installation: plain columns only, no sealed secret is opened. */
export interface InstallationSummary {
  id: string;
  name: string;
  crm: CrmName;
  crmAccountId: string | null;
  status: InstallationStatus;
  statusReason: string | null;
  platformApiUrl: string | null;
  updatedAt: Date;
}

/** The installations with these ids, by name. */
export async function listInstallationSummaries(db: Queryable, ids: readonly string[]): Promise<InstallationSummary[]> {
  const rows = await db.query<Pick<InstallationRow, 'id' | 'name' | 'crm' | 'crm_account_id' | 'status' | 'status_reason' | 'updated_at'> & {
    platform_api_url: string | null;
  }>(
    `SELECT id, name, crm, crm_account_id, status, status_reason, platform_api_url, updated_at
     FROM installations WHERE id = ANY($1::text[]) ORDER BY name, id`,
    [[...ids]],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    crm: CrmName.parse(row.crm),
    crmAccountId: row.crm_account_id,
    status: InstallationStatus.parse(row.status),
    statusReason: row.status_reason,
    platformApiUrl: row.platform_api_url,
    updatedAt: row.updated_at,
  }));
}

/**
 * Sets where the installation reads conversations from: the API URL, and the API key when one is
 * given (the admin pages never show the key, so leaving it out keeps the stored one). The stored
 * key is only ever sent to the address it was entered for: a new URL (compared normalised) without
 * a new key throws PlatformKeyRequiredError and changes nothing. False when there is no such
 * installation.
 */
export async function updatePlatformSettings(
  db: Queryable,
  box: SecretBox,
  id: string,
  settings: { apiUrl: string; apiKey?: string | undefined },
): Promise<boolean> {
  const sealedKey = settings.apiKey === undefined ? null : box.seal(settings.apiKey, sealContext('platform_api_key', id));
  // Compare-and-set on the URL read, so a concurrent change of URL cannot slip between check and write.
  for (;;) {
    const [current] = await db.query<{ platform_api_url: string | null; has_key: boolean }>(
      'SELECT platform_api_url, platform_api_key_sealed IS NOT NULL AS has_key FROM installations WHERE id = $1',
      [id],
    );
    if (!current) return false;
    if (sealedKey === null && current.has_key && !sameBaseUrl(current.platform_api_url, settings.apiUrl)) {
      throw new PlatformKeyRequiredError();
    }
    const rows = await db.query(
      `UPDATE installations SET platform_api_url = $2, platform_api_key_sealed = COALESCE($3, platform_api_key_sealed), updated_at = now()
       WHERE id = $1 AND platform_api_url IS NOT DISTINCT FROM $4 RETURNING id`,
      [id, settings.apiUrl, sealedKey, current.platform_api_url],
    );
    if (rows.length > 0) return true;
  }
}

/** A new platform URL came without a new key: the stored key stays with the address it was entered for. */
export class PlatformKeyRequiredError extends Error {
  readonly retryable = false;
  constructor() {
    super('enter the API key again: the stored key is only sent to the address it was entered for');
    this.name = 'PlatformKeyRequiredError';
  }
}

/** The same address once normalised (host case, default port, trailing slash); a stored value that does not parse matches nothing. */
export function sameBaseUrl(stored: string | null, entered: string): boolean {
  if (stored === null) return false;
  try {
    return normaliseBaseUrl(stored) === normaliseBaseUrl(entered);
  } catch {
    return false;
  }
}

/** A sync needs the platform's API URL and key, which an OAuth install leaves to the admin. Permanent until they are entered. */
export class PlatformSettingsMissingError extends Error {
  readonly retryable = false;
  constructor(installation: Pick<Installation, 'id' | 'name'>) {
    super(
      `installation ${installation.name} (${installation.id}) has no platform API URL and key yet: ` +
        'enter them on its admin page, then retry the failed syncs',
    );
    this.name = 'PlatformSettingsMissingError';
  }
}

/** The platform API settings a sync uses; throws PlatformSettingsMissingError while the admin has not entered them. */
export function platformApiOf(installation: Installation): { apiUrl: string; apiKey: string } {
  const { apiUrl, apiKey } = installation.platform;
  if (apiUrl === null || apiKey === null) throw new PlatformSettingsMissingError(installation);
  return { apiUrl, apiKey };
}

export async function getInstallationStatus(
  db: Queryable,
  id: string,
): Promise<{ status: InstallationStatus; statusReason: string | null } | undefined> {
  const [row] = await db.query<{ status: string; status_reason: string | null }>('SELECT status, status_reason FROM installations WHERE id = $1', [id]);
  return row ? { status: InstallationStatus.parse(row.status), statusReason: row.status_reason } : undefined;
}

export async function findInstallationByCrmAccount(
  db: Queryable,
  box: SecretBox,
  crm: CrmName,
  crmAccountId: string,
): Promise<Installation | undefined> {
  const [row] = await db.query<InstallationRow>('SELECT * FROM installations WHERE crm = $1 AND crm_account_id = $2', [crm, crmAccountId]);
  return row ? toInstallation(row, box) : undefined;
}

export interface CrmConnection {
  /** Used for a new installation; a reconnect keeps the existing name. */
  name: string;
  crm: CrmName;
  crmAccountId: string;
  crmSettings: CrmSettings;
  crmCredentials: CrmCredentials;
}

/**
 * Records an OAuth connection: the installation of that CRM account gets the new settings and
 * tokens and is active again (its platform settings, webhook secrets and bindings stay), or a new
 * one is created with `newWebhookSecret` and no platform settings. Run it in a transaction: an
 * advisory lock on the account makes two concurrent installs of one portal end in one installation.
 */
export async function saveCrmConnection(
  tx: Queryable,
  box: SecretBox,
  connection: CrmConnection,
  newWebhookSecret: () => string,
): Promise<{ installation: Installation; created: boolean }> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`installation:${connection.crm}:${connection.crmAccountId}`]);
  const [existing] = await tx.query<{ id: string }>('SELECT id FROM installations WHERE crm = $1 AND crm_account_id = $2', [
    connection.crm,
    connection.crmAccountId,
  ]);
  const id = existing?.id ?? newInstallationId();
  const settings = JSON.stringify(connection.crmSettings);
  const credentials = sealCrmCredentials(box, id, connection.crmCredentials);
  const [row] = existing
    ? await tx.query<InstallationRow>(
        // A refresh holding the token lease must not write the replaced grant's tokens back: its lease ends here.
        `UPDATE installations SET crm_settings = $2::jsonb, crm_credentials_sealed = $3, status = 'active', status_reason = NULL,
           token_version = token_version + 1, token_lease_owner = NULL, token_lease_expires_at = NULL, updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, settings, credentials],
      )
    : await tx.query<InstallationRow>(
        `INSERT INTO installations (id, name, crm, crm_account_id, crm_settings, crm_credentials_sealed, webhook_secrets_sealed)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING *`,
        [
          id,
          connection.name,
          connection.crm,
          connection.crmAccountId,
          settings,
          credentials,
          box.seal(JSON.stringify([newWebhookSecret()]), sealContext('webhook_secrets', id)),
        ],
      );
  if (!row) throw new Error(`installation ${connection.name}: saving the CRM connection returned no row`);
  // A new id may be remembered as unknown by the webhook route's cache.
  if (!existing) webhookSecretsChanged(id);
  return { installation: toInstallation(row, box), created: !existing };
}

/**
 * The installation's CRM tokens, its row locked until the transaction ends (`SELECT … FOR UPDATE`):
 * what one process refreshing tokens holds so another process waits, then reads the new tokens.
 */
export async function lockCrmCredentials(
  tx: Queryable,
  box: SecretBox,
  id: string,
): Promise<{ crm: CrmName; status: InstallationStatus; crmSettings: CrmSettings; crmCredentials: CrmCredentials } | undefined> {
  const [row] = await tx.query<Pick<InstallationRow, 'crm' | 'status' | 'crm_settings' | 'crm_credentials_sealed'>>(
    'SELECT crm, status, crm_settings, crm_credentials_sealed FROM installations WHERE id = $1 FOR UPDATE',
    [id],
  );
  if (!row) return undefined;
  return {
    crm: CrmName.parse(row.crm),
    status: InstallationStatus.parse(row.status),
    crmSettings: CrmSettings.parse(row.crm_settings),
    crmCredentials: openCrmCredentials(box, id, row.crm_credentials_sealed),
  };
}

export async function updateCrmCredentials(db: Queryable, box: SecretBox, id: string, credentials: CrmCredentials): Promise<void> {
  await db.query('UPDATE installations SET crm_credentials_sealed = $2, token_version = token_version + 1, updated_at = now() WHERE id = $1', [
    id,
    sealCrmCredentials(box, id, credentials),
  ]);
}

/**
 * Seals again, with CONNECTOR_SECRET_KEY's first key, every secret of the installation that an
 * older key sealed (the last step of a key rotation). Row-locked, so a concurrent token refresh
 * waits. Returns how many values were resealed.
 */
export async function resealInstallation(tx: Queryable, box: SecretBox, id: string): Promise<number> {
  const columns = ['crm_credentials_sealed', 'platform_api_key_sealed', 'webhook_secrets_sealed'] as const;
  const [row] = await tx.query<Pick<InstallationRow, (typeof columns)[number]>>(
    `SELECT ${columns.join(', ')} FROM installations WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) return 0;
  let resealed = 0;
  for (const column of columns) {
    const sealed = row[column];
    if (sealed === null || !box.needsResealing(sealed)) continue;
    const context = sealContext(column.replace(/_sealed$/, ''), id);
    await tx.query(`UPDATE installations SET ${column} = $2 WHERE id = $1`, [id, box.seal(box.open(sealed, context), context)]);
    resealed++;
  }
  return resealed;
}
