/**
 * Admin sessions: a stateless, HMAC-signed cookie (`cc_admin`) naming the installations its
 * holder may manage, the user the CRM said signed in, a CSRF token and an expiry. Issued by the
 * OAuth callbacks (the CRM vouched for the user's access to that portal/org); nothing is stored
 * server-side, so every `serve` process behind a load balancer accepts it.
 *
 * Cookie value: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(payload))>`. HttpOnly (no
 * script reads it), SameSite=Lax (sent on the top-level navigation back from the CRM, not on
 * cross-site POSTs), Secure when PUBLIC_URL is https.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { HttpError } from '../ingest/http-error.ts';
import { manifest } from '../manifest.ts';
import type { SecretBox } from '../store/secret-box.ts';
import { readCookie, serializeCookie } from './cookies.ts';

export const ADMIN_COOKIE = 'cc_admin';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

export interface AdminIdentity {
  installationIds: string[];
  /** Who the CRM said signed in (HubSpot user email, Salesforce username). */
  user: string;
}

/** What `requireAdmin` puts on `res.locals.admin`. */
export interface AdminSession extends AdminIdentity {
  csrfToken: string;
}

const Payload = z.object({
  ids: z.array(z.string().min(1)),
  user: z.string(),
  csrf: z.string().min(16),
  /** Unix seconds. */
  exp: z.number().int(),
});
type Payload = z.infer<typeof Payload>;

export interface AdminSessionOptions {
  /** At least 32 bytes; derive it with `adminSessionKey(box)`. */
  key: Buffer;
  secureCookies: boolean;
  ttlSeconds?: number;
  now?: () => number;
}

export interface AdminSessions {
  /** Sets `res.locals.admin`; otherwise redirects browsers to the sign-in page (manifest settingsPages.login) and answers API clients 401. */
  requireAdmin: RequestHandler;
  issue(res: Response, identity: AdminIdentity): void;
  clear(res: Response): void;
  /** On unsafe methods: `_csrf` in the (already parsed) body, or the `x-csrf-token` header, must be the session's token. */
  verifyCsrf: RequestHandler;
  /** The session the request carries, if valid (for pages that look different when signed in). */
  read(req: Request): AdminSession | undefined;
}

/** The session key: derived from CONNECTOR_SECRET_KEY's primary key, so rotating that key signs everyone out. */
export const adminSessionKey = (box: SecretBox): Buffer => box.deriveKey('admin-session');

export function createAdminSessions(options: AdminSessionOptions): AdminSessions {
  if (options.key.length < 32) throw new Error('admin session key: must be at least 32 bytes');
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const now = options.now ?? Date.now;
  const sign = (data: string) => createHmac('sha256', options.key).update(data).digest('base64url');

  const read = (req: Request): AdminSession | undefined => {
    const value = readCookie(req, ADMIN_COOKIE);
    const payload = value === undefined ? undefined : verify(value, sign);
    if (!payload || payload.exp * 1000 <= now()) return undefined;
    return { installationIds: payload.ids, user: payload.user, csrfToken: payload.csrf };
  };

  const cookie = (value: string, maxAgeSeconds: number) =>
    serializeCookie(ADMIN_COOKIE, value, { maxAgeSeconds, path: '/', secure: options.secureCookies });

  return {
    read,
    requireAdmin(req, res, next) {
      const session = read(req);
      if (session) {
        res.locals.admin = session;
        next();
        return;
      }
      if (req.accepts(['json', 'html']) === 'html') {
        res.redirect(303, `${manifest.settingsPages.login}?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      res.status(401).json({ error: { code: 'unauthenticated', message: 'sign in through /admin/login (a valid cc_admin session cookie is required)' } });
    },
    issue(res, identity) {
      const payload: Payload = {
        ids: [...new Set(identity.installationIds)],
        user: identity.user,
        csrf: randomBytes(24).toString('base64url'),
        exp: Math.floor(now() / 1000) + ttlSeconds,
      };
      const data = Buffer.from(JSON.stringify(payload)).toString('base64url');
      res.append('Set-Cookie', cookie(`${data}.${sign(data)}`, ttlSeconds));
    },
    clear(res) {
      res.append('Set-Cookie', cookie('', 0));
    },
    verifyCsrf(req, res, next) {
      if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        next();
        return;
      }
      const session = (res.locals.admin as AdminSession | undefined) ?? read(req);
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

function verify(value: string, sign: (data: string) => string): Payload | undefined {
  const [data, signature, ...rest] = value.split('.');
  if (!data || !signature || rest.length > 0 || !sameText(signature, sign(data))) return undefined;
  try {
    const parsed = Payload.safeParse(JSON.parse(Buffer.from(data, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Constant-time for equal lengths; the lengths of these values are not secret. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
