/**
 * Admin sessions over real HTTP: the cookie the OAuth callback issues opens exactly the
 * installations it names, and nothing else; tampered, foreign-key and expired cookies are
 * refused; CSRF is checked on unsafe methods.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInstallationAccess, createAdminSessions, type AdminSession } from '../../src/auth/admin-session.ts';
import { errorResponder } from '../../src/ingest/http-error.ts';
import { createLogger } from '../../src/log.ts';

let clock = Date.parse('2026-05-01T09:00:00Z');
const key = randomBytes(32);
const sessions = createAdminSessions({ key, secureCookies: true, ttlSeconds: 3600, now: () => clock });
const foreign = createAdminSessions({ key: randomBytes(32), secureCookies: true, now: () => clock });
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/login-as/:ids', (req, res) => {
    (req.query.foreign ? foreign : sessions).issue(res, { installationIds: String(req.params.ids).split(','), user: 'admin@portal.example' });
    res.status(204).end();
  });
  app.post('/logout', (_req, res) => {
    sessions.clear(res);
    res.status(204).end();
  });
  app.use('/admin', sessions.requireAdmin);
  app.get('/admin/installations/:id', (req, res) => {
    assertInstallationAccess(res, String(req.params.id));
    res.json({ id: req.params.id, admin: res.locals.admin as AdminSession });
  });
  app.post('/admin/installations/:id/retry', express.urlencoded({ extended: false }), sessions.verifyCsrf, (req, res) => {
    assertInstallationAccess(res, String(req.params.id));
    res.status(204).end();
  });
  app.use(errorResponder(createLogger({ level: 'silent' }), { maxBodyBytes: 1024 }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function signIn(ids: string, query = ''): Promise<{ cookie: string; setCookie: string }> {
  const response = await fetch(`${base}/login-as/${ids}${query}`);
  const setCookie = response.headers.getSetCookie()[0] ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}

const get = (path: string, cookie: string, accept = 'application/json') => fetch(`${base}${path}`, { headers: { cookie, accept }, redirect: 'manual' });

describe('admin sessions', () => {
  it('sets an HttpOnly, SameSite=Lax, Secure cookie named cc_admin with an expiry', async () => {
    const { setCookie } = await signIn('inst_a');
    expect(setCookie).toMatch(/^cc_admin=[\w-]+\.[\w-]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('lets the session read its own installation, with the user and a CSRF token', async () => {
    const { cookie } = await signIn('inst_a');
    const response = await get('/admin/installations/inst_a', cookie);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ admin: { installationIds: ['inst_a'], user: 'admin@portal.example', csrfToken: expect.any(String) } });
  });

  it('answers another installation exactly like a missing one: a session for A never reads B', async () => {
    const { cookie } = await signIn('inst_a');
    const response = await get('/admin/installations/inst_b', cookie);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'installation_not_found' } });
  });

  it('refuses a cookie whose payload was edited to add an installation', async () => {
    const { cookie } = await signIn('inst_a');
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, signature] = value.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.ids = ['inst_a', 'inst_b'];
    const forged = `${name}=${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect((await get('/admin/installations/inst_b', forged)).status).toBe(401);
  });

  it('refuses a cookie signed with another key', async () => {
    const { cookie } = await signIn('inst_b', '?foreign=1');
    expect((await get('/admin/installations/inst_b', cookie)).status).toBe(401);
  });

  it('refuses an expired session; browsers are sent to the sign-in page, API clients get 401', async () => {
    const { cookie } = await signIn('inst_a');
    clock += 3601_000;
    try {
      expect((await get('/admin/installations/inst_a', cookie)).status).toBe(401);
      const page = await get('/admin/installations/inst_a', cookie, 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent('/admin/installations/inst_a')}`);
    } finally {
      clock -= 3601_000;
    }
  });

  it('checks the CSRF token on POST', async () => {
    const { cookie } = await signIn('inst_a');
    const { admin } = (await (await get('/admin/installations/inst_a', cookie)).json()) as { admin: AdminSession };
    const post = (body: Record<string, string>) =>
      fetch(`${base}/admin/installations/inst_a/retry`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ _csrf: 'x'.repeat(admin.csrfToken.length) })).status).toBe(403);
    expect((await post({ _csrf: admin.csrfToken })).status).toBe(204);
  });

  it('clears the cookie on sign-out', async () => {
    const response = await fetch(`${base}/logout`, { method: 'POST' });
    expect(response.headers.getSetCookie()[0]).toMatch(/^cc_admin=; Path=\/; Max-Age=0; HttpOnly/);
  });
});
