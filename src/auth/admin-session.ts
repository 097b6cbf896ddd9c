/**
 * Admin sessions, kept server-side in the store (`admin_sessions`, src/store/admin-sessions.ts).
 * The cookie (`cc_admin`, `__Host-cc_admin` under https) holds only a random 256-bit id; the row,
 * keyed by the id's SHA-256, names the installations its holder may manage, the user the CRM said
 * signed in, a CSRF token, and when it started, was last used and ends. Every request looks the
 * row up, so every `serve` process on one Postgres sees a sign-out at once.
 *
 * - Issued by the OAuth callbacks (the CRM vouched for the user's access to that portal/org),
 *   always with a new id: the session the browser carried is deleted, a cookie value planted in
 *   the browser beforehand is never adopted (session fixation), and nothing is merged across
 *   sign-ins: a session manages what its own sign-in proved. An admin of two installations
 *   switches by signing in again with the other portal/org.
 * - Ends on sign-out (the row is deleted, so a copied cookie stops working), when one of its
 *   installations is disconnected, after 12 h, or after an hour without a request.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Lax (sent on the top-level navigation back
 * from the CRM, not on cross-site POSTs), and Secure under an https PUBLIC_URL.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../ingest/http-error.ts';
import { manifest } from '../manifest.ts';
import {
  deleteAdminSession,
  findLiveAdminSession,
  insertAdminSession,
  purgeAdminSessions,
  touchAdminSession,
  type SessionWindow,
} from '../store/admin-sessions.ts';
import type { Queryable } from '../store/store.ts';
import { siteCookie } from './cookies.ts';

export const ADMIN_COOKIE = 'cc_admin';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;
const DEFAULT_IDLE_SECONDS = 60 * 60;
/** `last_seen_at` is written at most this often, so a page's burst of requests costs one write. */
const TOUCH_INTERVAL_MS = 60_000;
/** 32 random bytes, base64url: anything else is refused before the store is asked. */
const SESSION_ID = /^[\w-]{43}$/;

export interface AdminIdentity {
  installationIds: string[];
  /** Who the CRM said signed in (HubSpot user email, Salesforce username). */
  user: string;
  /** The CRM's id of that user, when the sign-in learned it. */
  userId?: string | undefined;
}

/** What `requireAdmin` puts on `res.locals.admin`. */
export interface AdminSession extends AdminIdentity {
  csrfToken: string;
}

export interface AdminSessionOptions {
  db: Queryable;
  secureCookies: boolean;
  /** Absolute lifetime; default 12 h. */
  ttlSeconds?: number;
  /** A session unused this long ends; default 1 h. */
  idleSeconds?: number;
  now?: () => number;
}

export interface AdminSessions {
  /** The session cookie's name: `__Host-cc_admin` under https, `cc_admin` over http. */
  readonly cookieName: string;
  /** Sets `res.locals.admin`; otherwise redirects browsers to the sign-in page (manifest settingsPages.login) and answers API clients 401. */
  requireAdmin: RequestHandler;
  /** Signs the browser in to exactly `identity`: ends the session the request carried and starts one with a new id. */
  issue(req: Request, res: Response, identity: AdminIdentity): Promise<void>;
  /** Ends the session the request carries (its row is deleted) and clears the cookie. */
  signOut(req: Request, res: Response): Promise<void>;
  /** On unsafe methods: `_csrf` in the (already parsed) body, or the `x-csrf-token` header, must be the session's token. */
  verifyCsrf: RequestHandler;
  /** The live session the request carries, if any (for pages that look different when signed in). */
  read(req: Request): Promise<AdminSession | undefined>;
}

const hashOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');

export function createAdminSessions(options: AdminSessionOptions): AdminSessions {
  const { db } = options;
  const ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
  const idleMs = (options.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000;
  const clock = options.now ?? Date.now;
  const cookie = siteCookie(ADMIN_COOKIE, { secure: options.secureCookies });
  const windowAt = (now: number): SessionWindow => ({ now: new Date(now), idleSince: new Date(now - idleMs) });

  /** The hash of the well-formed session id the request carries. */
  const presentedHash = (req: Request): string | undefined => {
    const id = cookie.read(req);
    return id !== undefined && SESSION_ID.test(id) ? hashOf(id) : undefined;
  };

  const read = async (req: Request): Promise<AdminSession | undefined> => {
    const idHash = presentedHash(req);
    if (idHash === undefined) return undefined;
    const now = clock();
    const record = await findLiveAdminSession(db, idHash, windowAt(now));
    if (!record) return undefined;
    if (now - record.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) await touchAdminSession(db, idHash, new Date(now));
    return {
      installationIds: record.installationIds,
      user: record.user,
      ...(record.userId === undefined ? {} : { userId: record.userId }),
      csrfToken: record.csrfToken,
    };
  };

  return {
    cookieName: cookie.name,
    read,
    async requireAdmin(req, res, next) {
      const session = await read(req);
      if (session) {
        res.locals.admin = session;
        next();
        return;
      }
      // A cookie that opens nothing (signed out, expired, ended by a disconnect) is dropped from the browser.
      if (cookie.read(req) !== undefined) cookie.clear(res);
      if (req.accepts(['json', 'html']) === 'html') {
        res.redirect(303, `${manifest.settingsPages.login}?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      res.status(401).json({ error: { code: 'unauthenticated', message: `sign in through ${manifest.settingsPages.login} (a live ${cookie.name} session cookie is required)` } });
    },
    async issue(req, res, identity) {
      const installationIds = [...new Set(identity.installationIds)];
      if (installationIds.length === 0) throw new Error('admin session: a session must manage at least one installation');
      const previous = presentedHash(req);
      if (previous !== undefined) await deleteAdminSession(db, previous);
      const id = randomBytes(32).toString('base64url');
      const now = clock();
      await insertAdminSession(db, hashOf(id), {
        installationIds,
        user: identity.user,
        userId: identity.userId,
        csrfToken: randomBytes(24).toString('base64url'),
        createdAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt: new Date(now + ttlMs),
      });
      // Sign-ins are the only way rows are added, so purging here keeps the table to the live sessions.
      await purgeAdminSessions(db, windowAt(now));
      cookie.set(res, id, Math.floor(ttlMs / 1000));
    },
    async signOut(req, res) {
      const idHash = presentedHash(req);
      if (idHash !== undefined) await deleteAdminSession(db, idHash);
      cookie.clear(res);
    },
    async verifyCsrf(req, res, next) {
      if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        next();
        return;
      }
      const session = (res.locals.admin as AdminSession | undefined) ?? (await read(req));
      const body: unknown = req.body;
      const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)._csrf : undefined;
      const presented = typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
      if (!session || presented === undefined || !sameText(presented, session.csrfToken)) {
        throw new HttpError(403, 'csrf_failed', 'the form is out of date or was not sent from the admin pages: reload the page and try again');
      }
      next();
    },
  };
}

/**
 * Throws a 404 unless the signed-in admin may manage `installationId`: another tenant's
 * installation answers exactly like one that does not exist, so ids cannot be probed.
 */
export function assertInstallationAccess(res: Response, installationId: string): void {
  const session = res.locals.admin as AdminSession | undefined;
  if (!session?.installationIds.includes(installationId)) {
    throw new HttpError(404, 'installation_not_found', `no installation ${JSON.stringify(installationId)} among the ones this session manages`);
  }
}

/** Constant-time for equal lengths; the lengths of these values are not secret. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
