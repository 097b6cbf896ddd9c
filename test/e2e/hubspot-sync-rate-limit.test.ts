/**
 * The connector's HubSpot calls against the sandbox's rolling 10-second window, at the limit:
 * - HubSpot counts a call when it arrives, not when the client started it. Here the first
 *   burst's calls reach the sandbox 300 ms after they start (a slow network, a large batch
 *   upload) and the second burst's at once. A limiter that only spaces out starts sends the
 *   second burst into a window that still holds the first and draws 429s; ours keeps each slot
 *   until the window has moved past the call's end.
 * - Search calls count against the 10-second limit as well as the search one.
 * The two cases run side by side on two portals: each waits out one window.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { HubSpotApi } from '../../src/crm/hubspot/api.ts';
import { AccountRateLimiter } from '../../src/crm/rate-limit.ts';
import { createLogger } from '../../src/log.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';

const CAP = 30;
let sandbox: HubSpotSandbox;
const limiters = new AccountRateLimiter();

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, limits: { perTenSeconds: CAP } });
});
afterAll(async () => {
  limiters.close();
  await sandbox?.close();
});

it.concurrent('sends two bursts of a full budget without a 429, however late the first one arrived', async () => {
  const limiter = limiters.forAccount('hubspot', String(sandbox.defaultPortal.portalId), { default: { intervalCap: CAP, intervalMs: 10_000 } });
  let started = 0;
  const statuses = await Promise.all(
    Array.from({ length: CAP * 2 }, () =>
      limiter.schedule('default', async () => {
        if (started++ < CAP) await sleep(300); // on its way to HubSpot
        const response = await fetch(`${sandbox.url}/account-info/v3/details`, {
          headers: { authorization: `Bearer ${sandbox.defaultPortal.privateAppToken}` },
        });
        await response.body?.cancel();
        return response.status;
      }),
    ),
  );

  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(sandbox.stats().rateLimited.total).toBe(0);
  expect(sandbox.stats().maxRequestsInTenSeconds).toBe(CAP);
}, 30_000);

it.concurrent('counts search calls against the 10-second budget too', async () => {
  const portal = sandbox.createPortal();
  const api = new HubSpotApi({
    basePath: sandbox.url,
    tokens: { getAccessToken: async () => portal.privateAppToken },
    limiter: limiters.forAccount('hubspot', String(portal.portalId), {
      default: { intervalCap: CAP, intervalMs: 10_000 },
      search: { intervalCap: 4, intervalMs: 1_000 },
    }),
    backoff: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    maxRateLimitWaits: 0, // a 429 fails the call instead of being waited out
    requestTimeoutMs: 15_000,
    policyWindowsMs: {},
    log: createLogger({ level: 'silent' }),
  });
  const details = () => api.call({ method: 'GET', path: '/account-info/v3/details', schema: z.unknown() });
  const search = () =>
    api.call({
      method: 'POST',
      path: '/crm/v3/objects/contacts/search',
      body: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'nobody@example.com' }] }] },
      bucket: 'search',
      schema: z.unknown(),
    });

  await Promise.all([...Array.from({ length: CAP }, details), ...Array.from({ length: 4 }, search)]);

  expect(sandbox.stats(portal.portalId).rateLimited.total).toBe(0);
  expect(sandbox.stats(portal.portalId).maxRequestsInTenSeconds).toBe(CAP);
}, 30_000);
