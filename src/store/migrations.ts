/**
 * The connector's own tables (pg-boss installs and migrates its schema `pgboss` itself). Migrations
 * are append-only: a released one is never edited, a change is a new entry. They run in one
 * transaction under an advisory lock, so several processes starting at once on one Postgres apply
 * each exactly once; on start and with `crm-connector migrate`.
 */
import type { Queryable, Store } from './store.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'installations, widget bindings, webhook receipts, sync records',
    sql: `
      CREATE TABLE installations (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        crm text NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
        -- the CRM account: HubSpot portal id / Salesforce org id, once known
        crm_account_id text,
        -- non-secret CRM settings (API base URL, instance URL, login URL, client id)
        crm_settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        -- secret-box sealed JSON object of tokens
        crm_credentials_sealed text NOT NULL,
        platform_api_url text NOT NULL,
        platform_account_id text,
        platform_api_key_sealed text NOT NULL,
        -- secret-box sealed JSON array of whsec_ secrets, several while rotating
        webhook_secrets_sealed text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disconnected')),
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE widget_bindings (
        installation_id text NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        -- '*' binds every widget of the platform account that has no binding of its own
        widget_id text NOT NULL,
        -- mapping file name inside MAPPINGS_DIR; NULL means the default mapping of the installation's CRM
        mapping_file text,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation_id, widget_id)
      );

      CREATE TABLE webhook_receipts (
        installation_id text NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        webhook_id text NOT NULL,
        event_type text NOT NULL,
        conversation_id text,
        outcome text NOT NULL CHECK (outcome IN ('enqueued', 'coalesced', 'ignored')),
        detail text,
        job_id text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation_id, webhook_id)
      );
      CREATE INDEX webhook_receipts_received_at ON webhook_receipts (received_at);

      CREATE TABLE sync_records (
        installation_id text NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        conversation_id text NOT NULL,
        widget_id text,
        status text NOT NULL CHECK (status IN ('queued', 'syncing', 'waiting_for_extraction', 'synced', 'retrying', 'failed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        last_trigger text,
        -- plan record key -> the CRM object written for it (adapter.ts WrittenObject)
        crm_objects jsonb NOT NULL DEFAULT '{}'::jsonb,
        notes jsonb NOT NULL DEFAULT '[]'::jsonb,
        mapping_file text,
        mapping_version text,
        queued_at timestamptz,
        last_attempt_at timestamptz,
        synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation_id, conversation_id)
      );
      CREATE INDEX sync_records_status ON sync_records (status, updated_at);
    `,
  },
];

export const LATEST_MIGRATION = Math.max(...MIGRATIONS.map((m) => m.version));

const LEDGER = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/** Applies what is missing; returns the versions applied now. */
export async function migrate(store: Store): Promise<number[]> {
  return store.transaction(async (tx) => {
    // Serialises concurrent starts; released at commit.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('crm-connector.migrations'))`);
    await tx.query(LEDGER);
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const unknown = [...applied].filter((v) => v > LATEST_MIGRATION);
    if (unknown.length > 0) {
      throw new Error(
        `The store has migration ${Math.max(...unknown)} applied, newer than this version of crm-connector knows (${LATEST_MIGRATION}): run the newer version`,
      );
    }
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}

/** The highest applied version, or 0 when none (or the ledger does not exist yet). */
export async function appliedVersion(db: Queryable): Promise<number> {
  const [ledger] = await db.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  if (!ledger?.exists) return 0;
  const [row] = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}
