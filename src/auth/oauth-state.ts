/**
 * The OAuth `state` parameter: signed, expiring, single-use, and bound to the browser that began
 * the flow. The value in the URL is `v1.<crm>.<id>.<sig>` (HMAC-SHA256 with a key derived from
 * CONNECTOR_SECRET_KEY): a tampered state is refused before the store is asked. Everything else
 * (purpose, the installation being reconnected, the Salesforce login host, the sealed PKCE
 * verifier) stays in the `oauth_states` row, which the callback deletes as it reads it, so a
 * replayed state finds nothing. The browser binding (a random cookie whose hash is in the row)
 * stops a callback URL from being completed in someone else's browser (login CSRF).
 *
 * Anyone can begin a flow without signing in, so the table is bounded: expired rows are purged as
 * new flows begin (kept briefly so a late callback hears "expired"), and beyond `maxPending` rows a
 * new flow is refused (OAuthStateCapacityError) until flows complete or expire. The per-address
 * rate limit (src/http/abuse-limits.ts) keeps one client from taking the whole capacity.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CrmName } from '../crm/write-plan.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Queryable } from '../store/store.ts';
import { sameText } from './admin-session.ts';

export const OAuthPurpose = z.enum(['install', 'login', 'reconnect']);
export type OAuthPurpose = z.infer<typeof OAuthPurpose>;

export const STATE_TTL_SECONDS = 10 * 60;
/** Expired rows are kept this long, so a late callback hears "expired" rather than "unknown"; dropped sooner when the table is full. */
const EXPIRED_RETENTION_MS = 10 * 60 * 1000;
/** OAUTH_STATE_MAX_PENDING's default. */
export const DEFAULT_MAX_PENDING_STATES = 10_000;

export interface FlowStart {
  crm: CrmName;
  purpose: OAuthPurpose;
  installationId?: string | undefined;
  loginUrl?: string | undefined;
  codeVerifier?: string | undefined;
  /** The browser's binding value (its cc_oauth cookie). */
  browser: string;
}

export interface PendingFlow {
  crm: CrmName;
  purpose: OAuthPurpose;
  installationId: string | undefined;
  loginUrl: string | undefined;
  codeVerifier: string | undefined;
}

export type StateFailure = 'malformed' | 'tampered' | 'wrong_crm' | 'unknown_or_used' | 'expired' | 'other_browser';

const MESSAGES: Record<StateFailure, string> = {
  malformed: 'the sign-in link is incomplete (no valid state parameter)',
  tampered: 'the sign-in link was altered (its state signature does not match)',
  wrong_crm: 'the sign-in link belongs to another CRM\'s connect flow',
  unknown_or_used: 'this sign-in link was already used or is unknown: start again',
  expired: 'this sign-in link expired (they are valid for 10 minutes): start again',
  other_browser: 'this sign-in was started in another browser: start again here',
};

export class OAuthStateError extends Error {
  readonly reason: StateFailure;
  constructor(reason: StateFailure) {
    super(MESSAGES[reason]);
    this.name = 'OAuthStateError';
    this.reason = reason;
  }
}

/** Too many flows are in progress over all clients: new ones wait until some complete or expire. */
export class OAuthStateCapacityError extends Error {
  /** When to try again: by then the oldest pending flows have expired, or others completed. */
  readonly retryAfterSeconds = 60;
  constructor(maxPending: number) {
    super(`too many sign-ins are in progress on this server (the limit is ${maxPending}, OAUTH_STATE_MAX_PENDING): try again in a minute`);
    this.name = 'OAuthStateCapacityError';
  }
}

interface StateRow {
  crm: string;
  purpose: string;
  installation_id: string | null;
  login_url: string | null;
  code_verifier_sealed: string | null;
  browser_hash: string;
  expires_at: Date;
}

export const newBrowserBinding = (): string => randomBytes(24).toString('base64url');

const hashOf = (value: string) => createHash('sha256').update(value).digest('base64url');
const verifierContext = (id: string) => `oauth_states.code_verifier:${id}`;

export class OAuthStates {
  readonly #db: Queryable;
  readonly #box: SecretBox;
  readonly #key: Buffer;
  readonly #ttlMs: number;
  readonly #maxPending: number;
  readonly #now: () => number;

  constructor(options: { db: Queryable; box: SecretBox; ttlSeconds?: number; maxPending?: number; now?: () => number }) {
    this.#db = options.db;
    this.#box = options.box;
    this.#key = options.box.deriveKey('oauth-state');
    this.#ttlMs = (options.ttlSeconds ?? STATE_TTL_SECONDS) * 1000;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_STATES;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Stores the flow and returns the `state` value for the authorize URL; throws
   * OAuthStateCapacityError when `maxPending` rows are there even after dropping every expired one.
   */
  async create(flow: FlowStart): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    const now = this.#now();
    await this.#db.query('DELETE FROM oauth_states WHERE expires_at < $1', [new Date(now - EXPIRED_RETENTION_MS)]);
    const row = [
      id,
      flow.crm,
      flow.purpose,
      flow.installationId ?? null,
      flow.loginUrl ?? null,
      flow.codeVerifier === undefined ? null : this.#box.seal(flow.codeVerifier, verifierContext(id)),
      hashOf(flow.browser),
      new Date(now + this.#ttlMs),
    ];
    if (!(await this.#insertBelowCap(row))) {
      // Full: the expired rows kept for friendlier messages go first, live flows are never dropped.
      await this.#db.query('DELETE FROM oauth_states WHERE expires_at <= $1', [new Date(now)]);
      if (!(await this.#insertBelowCap(row))) throw new OAuthStateCapacityError(this.#maxPending);
    }
    return `v1.${flow.crm}.${id}.${this.#sign(flow.crm, id)}`;
  }

  /**
   * The count and the insert are one statement, so the cap holds per statement; processes starting
   * flows at the same instant may overshoot it by the number of concurrent inserts, no more.
   */
  async #insertBelowCap(row: unknown[]): Promise<boolean> {
    const inserted = await this.#db.query(
      `INSERT INTO oauth_states (id, crm, purpose, installation_id, login_url, code_verifier_sealed, browser_hash, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8
       WHERE (SELECT count(*) FROM oauth_states) < $9
       RETURNING id`,
      [...row, this.#maxPending],
    );
    return inserted.length > 0;
  }

  /**
   * Verifies and uses up a state. The row is deleted in the same statement that reads it, so of
   * two callbacks with one state exactly one gets it, even across processes.
   */
  async consume(state: string | undefined, expected: { crm: CrmName; browser: string | undefined }): Promise<PendingFlow> {
    const [version, crm, id, signature, ...rest] = (state ?? '').split('.');
    if (version !== 'v1' || !crm || !id || !signature || rest.length > 0) throw new OAuthStateError('malformed');
    if (!sameText(signature, this.#sign(crm, id))) throw new OAuthStateError('tampered');
    if (crm !== expected.crm) throw new OAuthStateError('wrong_crm');
    const [row] = await this.#db.query<StateRow>('DELETE FROM oauth_states WHERE id = $1 RETURNING *', [id]);
    if (!row) throw new OAuthStateError('unknown_or_used');
    if (row.expires_at.getTime() <= this.#now()) throw new OAuthStateError('expired');
    if (expected.browser === undefined || !sameText(hashOf(expected.browser), row.browser_hash)) throw new OAuthStateError('other_browser');
    return {
      crm: CrmName.parse(row.crm),
      purpose: OAuthPurpose.parse(row.purpose),
      installationId: row.installation_id ?? undefined,
      loginUrl: row.login_url ?? undefined,
      codeVerifier: row.code_verifier_sealed === null ? undefined : this.#box.open(row.code_verifier_sealed, verifierContext(id)),
    };
  }

  #sign(crm: string, id: string): string {
    return createHmac('sha256', this.#key).update(`${crm}.${id}`).digest('base64url');
  }
}
