/** A browser without a browser for the admin pages: sends a session cookie, reads the CSRF token off the last page. */
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { AdminIdentity, AdminSessions } from '../../src/auth/admin-session.ts';

export interface AdminPageResponse {
  status: number;
  body: string;
  headers: Headers;
  location: string | null;
}

export class AdminClient {
  readonly #base: string;
  readonly #cookie: string;
  #csrf = '';

  /** `cookie`: the session cookie (adminSessionCookie), or empty for a visitor without a session. */
  constructor(base: string, cookie = '') {
    this.#base = base;
    this.#cookie = cookie;
  }

  async get(pathname: string): Promise<AdminPageResponse> {
    const response = await fetch(`${this.#base}${pathname}`, { headers: { cookie: this.#cookie, accept: 'text/html' }, redirect: 'manual' });
    const body = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.#csrf = token;
    return { status: response.status, body, headers: response.headers, location: response.headers.get('location') };
  }

  /** Posts a form with the CSRF token of the last page read, unless `csrf` is given (`''`: no token at all). */
  async post(pathname: string, fields: Record<string, string>, options: { csrf?: string } = {}) {
    const token = options.csrf ?? this.#csrf;
    const body = new URLSearchParams({ ...(token === '' ? {} : { _csrf: token }), ...fields });
    const response = await fetch(`${this.#base}${pathname}`, {
      method: 'POST',
      headers: { cookie: this.#cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  }
}

/**
 * Signs in the way the OAuth callback does (`AdminSessions.issue`: a real session row in the store)
 * and returns the session cookie as a Cookie header value (`cc_admin=...`, or `__Host-cc_admin=...`
 * under an https PUBLIC_URL).
 */
export async function adminSessionCookie(sessions: AdminSessions, identity: AdminIdentity): Promise<string> {
  const headers: string[] = [];
  const noCookie = { get: () => undefined } as unknown as ExpressRequest;
  await sessions.issue(noCookie, { append: (_name: string, value: string) => headers.push(value) } as unknown as ExpressResponse, identity);
  const cookie = headers[0]?.split(';')[0] ?? '';
  if (!cookie.startsWith(`${sessions.cookieName}=`)) throw new Error(`the admin session set no ${sessions.cookieName} cookie (got ${JSON.stringify(headers)})`);
  return cookie;
}
