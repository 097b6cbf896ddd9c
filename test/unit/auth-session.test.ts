/**
 * Admin sessions over real HTTP on a real (embedded) store: the cookie the OAuth callback issues
 * opens exactly the installations its row names, and nothing else; unknown, malformed, signed-out,
 * expired and idle sessions are refused; CSRF is checked on unsafe methods; the cookie carries only
 * a random id and the store only its hash.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInstallationAccess, createAdminSessions, type AdminSession } from '../../src/auth/admin-session.ts';
import { errorResponder } from '../../src/ingest/http-error.ts';
import { createLogger } from '../../src/log.ts';
import { openEmbeddedStore } from '../../src/store/embedded-store.ts';
import { migrate } from '../../src/store/migrations.ts';
import type { Store } from '../../src/store/store.ts';

const HOUR = 3600_000;
let clock = Date.parse('2026-05-01T09:00:00Z');
let dir: string;
let store: Store;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-auth-session-'));
  store = await openEmbeddedStore(dir, createLogger({ level: 'silent' }));
  await migrate(store);
  const sessions = createAdminSessions({ db: store, secureCookies: true, ttlSeconds: 12 * 3600, idleSeconds: 3600, now: () => clock });
  const app = express();
  app.get('/login-as/:ids', async (req, res) => {
    await sessions.issue(req, res, { installationIds: String(req.params.ids).split(','), user: 'admin@portal.example', userId: '42' });
    res.status(204).end();
  });
  app.post('/logout', async (req, res) => {
    await sessions.signOut(req, res);
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
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function signIn(ids: string, cookie = ''): Promise<{ cookie: string; setCookie: string }> {
  const response = await fetch(`${base}/login-as/${ids}`, { headers: { cookie } });
  const setCookie = response.headers.getSetCookie()[0] ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}

const get = (path: string, cookie: string, accept = 'application/json') => fetch(`${base}${path}`, { headers: { cookie, accept }, redirect: 'manual' });
const rowOf = (cookie: string) =>
  store.query('SELECT 1 FROM admin_sessions WHERE id_hash = $1', [createHash('sha256').update(cookie.slice(cookie.indexOf('=') + 1)).digest('base64url')]);
const sessionCount = async () => (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_sessions'))[0]?.n;

describe('admin sessions', () => {
  it('sets an HttpOnly, SameSite=Lax, Secure __Host- cookie holding only a random id; the store keeps its hash', async () => {
    const { cookie, setCookie } = await signIn('inst_a');
    expect(setCookie).toMatch(/^__Host-cc_admin=[\w-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
    const id = cookie.slice('__Host-cc_admin='.length);
    const rows = await store.query<{ id_hash: string }>('SELECT id_hash FROM admin_sessions');
    expect(rows.map((r) => r.id_hash)).toContain(createHash('sha256').update(id).digest('base64url'));
    expect(JSON.stringify(rows)).not.toContain(id);
  });

  it('lets the session read its own installation, with the user, the user id and a CSRF token', async () => {
    const { cookie } = await signIn('inst_a');
    const response = await get('/admin/installations/inst_a', cookie);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ admin: { installationIds: ['inst_a'], user: 'admin@portal.example', userId: '42', csrfToken: expect.any(String) } });
  });

  it('answers another installation exactly like a missing one: a session for A never reads B', async () => {
    const { cookie } = await signIn('inst_a');
    const response = await get('/admin/installations/inst_b', cookie);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'installation_not_found' } });
  });

  it('refuses unknown and malformed ids, and the plain cookie name under https', async () => {
    const { cookie } = await signIn('inst_a');
    const id = cookie.slice('__Host-cc_admin='.length);
    for (const forged of [`__Host-cc_admin=${'A'.repeat(43)}`, `__Host-cc_admin=${id}x`, `__Host-cc_admin=../${id}`, `cc_admin=${id}`]) {
      const response = await get('/admin/installations/inst_a', forged);
      expect(response.status, forged).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated', message: expect.stringContaining('__Host-cc_admin') } });
    }
  });

  it('rotates the id at every sign-in: the previous session ends, nothing is merged', async () => {
    const first = await signIn('inst_a');
    const second = await signIn('inst_b', first.cookie);
    expect(second.cookie).not.toBe(first.cookie);
    expect((await get('/admin/installations/inst_a', first.cookie)).status).toBe(401);
    expect((await get('/admin/installations/inst_a', second.cookie)).status).toBe(404);
    expect((await get('/admin/installations/inst_b', second.cookie)).status).toBe(200);
  });

  it('ends the session on sign-out: a copy of the cookie is refused afterwards', async () => {
    const { cookie } = await signIn('inst_a');
    const before = await sessionCount();
    const out = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } });
    expect(out.headers.getSetCookie()[0]).toMatch(/^__Host-cc_admin=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/);
    expect(await sessionCount()).toBe((before ?? 0) - 1);
    const copy = await get('/admin/installations/inst_a', cookie);
    expect(copy.status).toBe(401);
    expect(copy.headers.getSetCookie()[0]).toMatch(/^__Host-cc_admin=; /);
  });

  it('refuses a session after 12 hours even when used all along; browsers are sent to the sign-in page, API clients get 401', async () => {
    const { cookie } = await signIn('inst_a');
    const start = clock;
    try {
      // A request every 50 minutes keeps it from idling out, not beyond its absolute end.
      for (let minutes = 50; minutes < 12 * 60; minutes += 50) {
        clock = start + minutes * 60_000;
        expect((await get('/admin/installations/inst_a', cookie)).status, `after ${minutes} minutes`).toBe(200);
      }
      clock = start + 12 * HOUR;
      expect((await get('/admin/installations/inst_a', cookie)).status).toBe(401);
      const page = await get('/admin/installations/inst_a', cookie, 'text/html');
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent('/admin/installations/inst_a')}`);
    } finally {
      clock = start;
    }
  });

  it('ends a session unused for an hour, and purges dead rows at the next sign-in', async () => {
    const { cookie } = await signIn('inst_a');
    const start = clock;
    try {
      clock = start + HOUR;
      expect((await get('/admin/installations/inst_a', cookie)).status).toBe(401);
      expect(await rowOf(cookie)).toHaveLength(1);
      const fresh = await signIn('inst_c');
      expect(await rowOf(cookie)).toEqual([]);
      expect(await rowOf(fresh.cookie)).toHaveLength(1);
    } finally {
      clock = start;
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
});
