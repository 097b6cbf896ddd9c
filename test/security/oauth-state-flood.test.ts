/**
 * Attack: anonymous requests to the install URL each store an OAuth-state row (2,000 hits used to
 * leave 2,001 rows for a day). Defence: a per-address rate limit on the sign-in routes (429 with
 * Retry-After, an HTML page), a cap on pending flows over all addresses (503), and expired rows
 * purged as new flows begin. X-Forwarded-For counts only from the proxies TRUST_PROXY names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthStates } from '../../src/auth/oauth-state.ts';
import { manifest } from '../../src/manifest.ts';
import { backends, flood, startMultiTenant, tally, type AbuseService } from './abuse-service.ts';

const INSTALL = manifest.crms.hubspot.installPath;
const rowCount = async (running: AbuseService) =>
  (await running.service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_states'))[0]?.n ?? -1;
const get = (running: AbuseService, path: string, headers: Record<string, string> = {}) =>
  fetch(`${running.service.url}${path}`, { redirect: 'manual', headers });

describe.each(backends)('OAuth-state flood on $name', (backend) => {
  describe('2,000 anonymous install requests from one address, default limits', () => {
    let running: AbuseService;
    let statuses: number[];
    let limited: Response;

    beforeAll(async () => {
      running = await startMultiTenant(backend);
      statuses = await flood(2_000, 16, async () => {
        const response = await get(running, INSTALL);
        await response.arrayBuffer();
        return response.status;
      });
      limited = await get(running, INSTALL);
    }, 120_000);
    afterAll(() => running?.close());

    it('starts 60 flows (SIGN_IN_RATE_LIMIT_PER_10_MINUTES) and refuses the other 1,940 with 429', () => {
      expect(tally(statuses)).toEqual({ 302: 60, 429: 1_940 });
    });

    it('leaves no more rows than flows it started', async () => {
      expect(await rowCount(running)).toBe(60);
    });

    it('answers with a page saying what happened and when to come back', async () => {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(600);
      expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await limited.text()).toContain('Too many sign-in attempts');
    });

    it('counts the OAuth callback and the sign-in page against the same address', async () => {
      expect((await get(running, `${manifest.crms.hubspot.redirectPath}?code=x&state=y`)).status).toBe(429);
      expect((await get(running, manifest.settingsPages.login)).status).toBe(429);
    });

    it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot claim a fresh address', async () => {
      expect((await get(running, INSTALL, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
      expect(await rowCount(running)).toBe(60);
    });

    it('leaves the routes it does not limit alone', async () => {
      expect((await get(running, '/healthz')).status).toBe(200);
    });

    it('purges expired flows as new ones begin, and drops expired rows before refusing when full', async () => {
      const { store, box } = running.service;
      await store.query('DELETE FROM oauth_states');
      let clock = Date.parse('2030-01-01T00:00:00Z');
      const states = new OAuthStates({ db: store, box, maxPending: 10, now: () => clock });
      const begin = () => states.create({ crm: 'hubspot', purpose: 'install', browser: 'browser-binding' });
      for (let i = 0; i < 10; i++) await begin();
      await expect(begin()).rejects.toThrow(/too many sign-ins are in progress/);
      // 11 minutes on: all expired but within the short retention (a late callback still hears "expired")…
      clock += 11 * 60_000;
      const late = await begin();
      expect(await rowCount(running)).toBe(1);
      await expect(states.consume(late, { crm: 'hubspot', browser: 'browser-binding' })).resolves.toMatchObject({ purpose: 'install' });
      for (let i = 0; i < 5; i++) await begin();
      // …and 21 minutes on they are past it: purged by the next flow, whether or not the table is full.
      clock += 21 * 60_000;
      await begin();
      expect(await rowCount(running)).toBe(1);
    });
  });

  describe('a flood spread over many addresses behind a trusted proxy', () => {
    const MAX_PENDING = 25;
    let running: AbuseService;
    let statuses: number[];

    beforeAll(async () => {
      running = await startMultiTenant(backend, { TRUST_PROXY: 'loopback', OAUTH_STATE_MAX_PENDING: String(MAX_PENDING), SIGN_IN_RATE_LIMIT_PER_10_MINUTES: '2' });
      statuses = await flood(200, 8, async (i) => {
        const response = await get(running, INSTALL, { 'x-forwarded-for': `203.0.113.${i % 250}` });
        await response.arrayBuffer();
        return response.status;
      });
    }, 60_000);
    afterAll(() => running?.close());

    it('keys the limit by the forwarded address the trusted proxy reports', async () => {
      // 200 distinct addresses, 2 allowed each: the per-address limit alone would let all through.
      expect(statuses.filter((s) => s === 429)).toHaveLength(0);
      const sameClient = await Promise.all([1, 2, 3].map(() => get(running, INSTALL, { 'x-forwarded-for': '198.51.100.9' })));
      expect(sameClient.map((r) => r.status)).toContain(429);
    });

    it('caps the pending flows over all addresses (OAUTH_STATE_MAX_PENDING) and refuses the rest with 503 and Retry-After', async () => {
      expect(tally(statuses)).toEqual({ 302: MAX_PENDING, 503: 200 - MAX_PENDING });
      expect(await rowCount(running)).toBe(MAX_PENDING);
      const refused = await get(running, INSTALL, { 'x-forwarded-for': '192.0.2.44' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await refused.text()).toContain('too many sign-ins are in progress');
    });

    it('counts IPv6 clients per /64: fresh addresses of one block share a limit', async () => {
      const statusesV6 = await Promise.all(
        [1, 2, 3, 4].map(async (n) => (await get(running, manifest.settingsPages.login, { 'x-forwarded-for': `2001:db8:1:2::${n}` })).status),
      );
      expect(statusesV6.filter((s) => s === 429).length).toBe(2);
    });
  });
});
