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
  {
    version: 2,
    name: 'OAuth installs: platform settings entered later, one installation per CRM account, OAuth states',
    sql: `
      -- an OAuth install knows the CRM side only; the admin enters the platform's URL and key afterwards
      ALTER TABLE installations ALTER COLUMN platform_api_url DROP NOT NULL;
      ALTER TABLE installations ALTER COLUMN platform_api_key_sealed DROP NOT NULL;
      -- a reinstall of the same portal/org finds its installation again
      CREATE UNIQUE INDEX installations_crm_account ON installations (crm, crm_account_id) WHERE crm_account_id IS NOT NULL;

      -- one row per OAuth redirect in flight: single-use (deleted when consumed), expiring
      CREATE TABLE oauth_states (
        id text PRIMARY KEY,
        crm text NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
        purpose text NOT NULL CHECK (purpose IN ('install', 'login', 'reconnect')),
        -- reconnect: the installation the CRM account must belong to
        installation_id text,
        -- Salesforce: the login host chosen for this install (production or sandbox)
        login_url text,
        -- secret-box sealed PKCE code verifier; it never leaves the server
        code_verifier_sealed text,
        -- sha256 of the random value in the browser's cc_oauth cookie: the callback must come from the same browser
        browser_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
    `,
  },
  {
    version: 3,
    name: 'backfills with checkpointed cursors, their pending syncs, forgotten conversations',
    sql: `
      CREATE TABLE backfills (
        id text PRIMARY KEY,
        installation_id text NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        -- the List conversations filters and options (src/backfill/params.ts BackfillParams)
        params jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'paused', 'done', 'failed', 'cancelled')),
        -- the checkpoint: cursor of the next page to walk (NULL: the first page, or none left once done)
        next_cursor text,
        pages_done integer NOT NULL DEFAULT 0,
        conversations_seen integer NOT NULL DEFAULT 0,
        conversations_enqueued integer NOT NULL DEFAULT 0,
        skipped_synced integer NOT NULL DEFAULT 0,
        skipped_unbound integer NOT NULL DEFAULT 0,
        skipped_forgotten integer NOT NULL DEFAULT 0,
        -- how the enqueued syncs ended, counted as they settle
        synced integer NOT NULL DEFAULT 0,
        sync_failed integer NOT NULL DEFAULT 0,
        sync_skipped integer NOT NULL DEFAULT 0,
        started_by text NOT NULL,
        -- the process walking it and until when; a lease that ran out means its walker is gone
        lease_owner text,
        lease_until timestamptz,
        last_error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX backfills_installation ON backfills (installation_id, started_at DESC);
      -- one walk per installation at a time: they would share its backpressure threshold
      CREATE UNIQUE INDEX backfills_one_running ON backfills (installation_id) WHERE status = 'running';

      -- syncs a backfill enqueued that have not settled yet; deleted as they settle (progress, backpressure)
      CREATE TABLE backfill_pending (
        backfill_id text NOT NULL REFERENCES backfills (id) ON DELETE CASCADE,
        installation_id text NOT NULL,
        conversation_id text NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backfill_id, conversation_id)
      );
      CREATE INDEX backfill_pending_conversation ON backfill_pending (installation_id, conversation_id);

      -- the anonymised audit row of a forgotten conversation: a hash instead of its id, counts instead of CRM ids
      CREATE TABLE forgotten_conversations (
        installation_id text NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
        -- sha256 of "installation_id:conversation_id" (src/store/forgotten-conversations.ts)
        conversation_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('forgetting', 'forgotten')),
        deal_policy text NOT NULL CHECK (deal_policy IN ('delete', 'redact')),
        -- per CRM object type, how many records were deleted / redacted / kept
        crm_summary jsonb NOT NULL DEFAULT '{}'::jsonb,
        platform_deleted boolean NOT NULL DEFAULT false,
        requested_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (installation_id, conversation_hash)
      );
    `,
  },
  {
    version: 4,
    name: 'shared CRM rate budgets: grants log, pauses, reserve_rate_budget()',
    sql: `
      -- one row per CRM account and budget bucket: the lock reservations queue on, and the shared 429 pause
      CREATE TABLE rate_budget_accounts (
        account_key text NOT NULL,
        bucket text NOT NULL,
        paused_until timestamptz,
        PRIMARY KEY (account_key, bucket)
      );

      -- the sliding log: a grant admits "permits" calls (several waiting in one process share a grant) and keeps
      -- counting until a window after they ended; while they run, ends_at is the longest a call may take
      CREATE SEQUENCE rate_budget_grant_ids;
      CREATE TABLE rate_budget_grants (
        grant_id bigint NOT NULL,
        account_key text NOT NULL,
        bucket text NOT NULL,
        granted_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        released boolean NOT NULL DEFAULT false,
        permits integer NOT NULL CHECK (permits > 0)
      );
      CREATE INDEX rate_budget_grants_window ON rate_budget_grants (account_key, bucket, ends_at);
      CREATE INDEX rate_budget_grants_id ON rate_budget_grants (grant_id);

      CREATE FUNCTION reserve_rate_budget(
        p_account text, p_buckets text[], p_caps integer[], p_windows_ms integer[], p_wanted integer, p_hold_ms integer)
      RETURNS TABLE (granted integer, retry_after_ms integer, grant_id bigint)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_count integer := cardinality(p_buckets);
        v_now timestamptz;
        v_paused_until timestamptz;
        v_grant integer := p_wanted;
        v_wait_ms integer := 0;
        v_window interval;
        v_used integer;
        v_first_end timestamptz;
        v_id bigint;
      BEGIN
        IF p_wanted < 1 OR p_hold_ms < 1 OR v_count < 1 OR cardinality(p_caps) <> v_count OR cardinality(p_windows_ms) <> v_count
           OR EXISTS (SELECT 1 FROM unnest(p_caps) c WHERE c < 1) OR EXISTS (SELECT 1 FROM unnest(p_windows_ms) w WHERE w < 1) THEN
          RAISE EXCEPTION 'reserve_rate_budget(%): wanted, hold, and one positive cap and window per bucket, are required', p_account;
        END IF;
        INSERT INTO rate_budget_accounts (account_key, bucket) SELECT p_account, b FROM unnest(p_buckets) AS b
          ON CONFLICT (account_key, bucket) DO NOTHING;
        -- Serialises reservations for these buckets across processes, locking in one order (no deadlocks); held until commit.
        PERFORM 1 FROM rate_budget_accounts a WHERE a.account_key = p_account AND a.bucket = ANY (p_buckets)
          ORDER BY a.bucket FOR UPDATE;
        -- Read after the locks (each statement here sees what earlier holders committed): a grant is stamped when it was decided.
        v_now := clock_timestamp();
        SELECT max(a.paused_until) INTO v_paused_until FROM rate_budget_accounts a
          WHERE a.account_key = p_account AND a.bucket = ANY (p_buckets);
        IF v_paused_until > v_now THEN
          RETURN QUERY SELECT 0, ceil(extract(epoch FROM v_paused_until - v_now) * 1000)::integer, NULL::bigint;
          RETURN;
        END IF;
        FOR i IN 1 .. v_count LOOP
          v_window := make_interval(secs => p_windows_ms[i] / 1000.0);
          DELETE FROM rate_budget_grants g
            WHERE g.account_key = p_account AND g.bucket = p_buckets[i] AND g.ends_at <= v_now - v_window;
          SELECT coalesce(sum(g.permits), 0)::integer, min(g.ends_at) FILTER (WHERE g.released) INTO v_used, v_first_end
            FROM rate_budget_grants g WHERE g.account_key = p_account AND g.bucket = p_buckets[i];
          IF v_used >= p_caps[i] THEN
            v_grant := 0;
            -- A released grant frees a window after its end; one still running, a window after it ends, so not before a window from now.
            v_wait_ms := greatest(v_wait_ms, least(p_windows_ms[i], ceil(extract(epoch FROM v_first_end + v_window - v_now) * 1000)::integer));
          ELSE
            v_grant := least(v_grant, p_caps[i] - v_used);
          END IF;
        END LOOP;
        IF v_grant > 0 THEN
          v_id := nextval('rate_budget_grant_ids');
          INSERT INTO rate_budget_grants (grant_id, account_key, bucket, granted_at, ends_at, permits)
            SELECT v_id, p_account, b, v_now, v_now + make_interval(secs => p_hold_ms / 1000.0), v_grant FROM unnest(p_buckets) AS b;
          RETURN QUERY SELECT v_grant, 0, v_id;
          RETURN;
        END IF;
        RETURN QUERY SELECT 0, greatest(1, v_wait_ms), NULL::bigint;
      END
      $fn$;
    `,
  },
  {
    version: 5,
    name: 'installation admins (owner + added), uninstalled status, token lease and version',
    sql: `
      -- HubSpot uninstalls the app from the portal: tokens wiped, syncing stopped until installed again
      ALTER TABLE installations DROP CONSTRAINT installations_status_check;
      ALTER TABLE installations ADD CONSTRAINT installations_status_check CHECK (status IN ('active', 'disconnected', 'uninstalled'));

      -- Token custody without a transaction open across a CRM call: a refresh or revoke takes the lease with a
      -- short committed UPDATE, calls the CRM, then writes only while it still holds the lease (compare-and-set).
      -- token_version counts every write of the credentials, so waiters see that the token changed.
      ALTER TABLE installations ADD COLUMN token_version integer NOT NULL DEFAULT 0;
      ALTER TABLE installations ADD COLUMN token_lease_owner text;
      ALTER TABLE installations ADD COLUMN token_lease_expires_at timestamptz;

      -- Who may administer an installation besides what the CRM says (Salesforce permissions, HubSpot super admins):
      -- its owner (the CRM user who installed it) and the admins an admin added by CRM user id or email.
      CREATE TABLE installation_admins (
        id bigserial PRIMARY KEY,
        installation_id text NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin')),
        crm_user_id text,
        email text,
        added_by text,
        added_at timestamptz NOT NULL DEFAULT now(),
        CHECK (crm_user_id IS NOT NULL OR email IS NOT NULL)
      );
      CREATE UNIQUE INDEX installation_admins_one_owner ON installation_admins (installation_id) WHERE role = 'owner';
      CREATE UNIQUE INDEX installation_admins_by_user_id ON installation_admins (installation_id, crm_user_id) WHERE crm_user_id IS NOT NULL;
      CREATE UNIQUE INDEX installation_admins_by_email ON installation_admins (installation_id, lower(email)) WHERE email IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'server-side admin sessions',
    sql: `
      -- one row per signed-in browser; its cookie holds a random id and only the id's sha256 is kept here,
      -- so a copy of this table opens no session. Deleted on sign-out, on disconnect and once expired.
      CREATE TABLE admin_sessions (
        id_hash text PRIMARY KEY,
        -- what the sign-in that created it proved access to (sessions are never merged across sign-ins)
        installation_ids text[] NOT NULL,
        -- who the CRM said signed in (HubSpot user email, Salesforce username) and, when known, the CRM's user id
        crm_user text NOT NULL,
        crm_user_id text,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        -- absolute end; an idle session ends earlier (src/auth/admin-session.ts)
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);
      CREATE INDEX admin_sessions_last_seen_at ON admin_sessions (last_seen_at);
      -- disconnecting an installation ends every session that manages it
      CREATE INDEX admin_sessions_installations ON admin_sessions USING gin (installation_ids);
    `,
  },
  {
    version: 7,
    name: 'abuse rate limits shared by every process (rate-limiter-flexible)',
    sql: `
      -- RateLimiterPostgres's own layout (src/http/abuse-limits.ts): one row per limited key,
      -- e.g. "sign-in:203.0.113.7" or "webhook:inst_…"; expire is epoch milliseconds
      CREATE TABLE abuse_rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      CREATE INDEX abuse_rate_limits_expire ON abuse_rate_limits (expire);
    `,
  },
  {
    version: 8,
    name: 'deleted installations: the anonymised audit row a deletion leaves',
    sql: `
      -- what is left of a deleted installation: hashes instead of ids, counts instead of data
      CREATE TABLE deleted_installations (
        -- sha256 of the installation id, and of "crm:account id" (src/store/installation-deletion.ts)
        installation_hash text PRIMARY KEY,
        crm text NOT NULL,
        crm_account_hash text,
        -- rows and jobs purged, by kind
        purged jsonb NOT NULL DEFAULT '{}'::jsonb,
        -- whether the CRM confirmed the token revocation
        tokens_revoked boolean NOT NULL,
        installed_at timestamptz NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now()
      );
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
