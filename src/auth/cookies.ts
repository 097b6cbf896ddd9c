/**
 * The two cookies the connector sets (admin session, OAuth browser binding) hold its own random
 * base64url values, so reading needs no general cookie parser: find the name, take the value.
 *
 * Under an https PUBLIC_URL they are named with the `__Host-` prefix: browsers accept such a cookie
 * only when it is Secure, has Path=/ and no Domain, so a sibling subdomain or a plain-http page
 * cannot plant or overwrite it (cookie tossing, session fixation). Over plain http (local
 * development, tests) browsers refuse `__Host-` cookies, so the plain name is used.
 */
import type { Request, Response } from 'express';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  path: string;
  secure: boolean;
}

/** HttpOnly and SameSite=Lax always: no script reads these, and cross-site POSTs do not carry them. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (name.startsWith('__Host-') && (!options.secure || options.path !== '/')) {
    throw new Error(`cookie ${name}: the __Host- prefix requires Secure and Path=/ (browsers drop it otherwise)`);
  }
  const parts = [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** One of the connector's cookies, named and flagged for the public address's scheme. */
export interface SiteCookie {
  /** `__Host-<base>` when secure, else `<base>`. */
  readonly name: string;
  read(req: Request): string | undefined;
  set(res: Response, value: string, maxAgeSeconds: number): void;
  /** Tells the browser to drop it (empty value, Max-Age=0). */
  clear(res: Response): void;
}

export function siteCookie(base: string, options: { secure: boolean }): SiteCookie {
  const name = options.secure ? `__Host-${base}` : base;
  const header = (value: string, maxAgeSeconds: number) => serializeCookie(name, value, { maxAgeSeconds, path: '/', secure: options.secure });
  return {
    name,
    read: (req) => readCookie(req, name),
    set: (res, value, maxAgeSeconds) => void res.append('Set-Cookie', header(value, maxAgeSeconds)),
    clear: (res) => void res.append('Set-Cookie', header('', 0)),
  };
}
