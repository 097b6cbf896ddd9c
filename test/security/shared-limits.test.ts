/**
 * With DATABASE_URL several `serve` processes share the traffic: an attacker spreading requests
 * over them must not get the limit once per process. Two services on one Postgres database count
 * against the same rows of abuse_rate_limits. (Runs when TEST_DATABASE_URL is set, as in CI.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest } from '../../src/manifest.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';
import { flood, tally } from './abuse-service.ts';

const postgres = storeBackends().find((b) => b.name === 'postgres');

describe.skipIf(!postgres)('abuse limits shared by the processes of one Postgres', () => {
  let environment: StoreEnvironment;
  const services: RunningService[] = [];

  beforeAll(async () => {
    environment = await postgres!.create();
    const config = testConfig({
      ...environment.env,
      PUBLIC_URL: 'http://connector.test',
      HUBSPOT_CLIENT_ID: 'hs-client-id',
      HUBSPOT_CLIENT_SECRET: 'hs-client-secret',
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'metrics-test-token',
      SIGN_IN_RATE_LIMIT_PER_10_MINUTES: '20',
    });
    services.push(await startService({ config, role: 'web' }));
    services.push(await startService({ config, role: 'web' }));
  });
  afterAll(async () => {
    for (const service of services) await service.close();
    await environment?.dispose();
  });

  it('allows one limit over both processes, not one each', async () => {
    const statuses = await flood(100, 4, async (i) => {
      const response = await fetch(`${services[i % 2]!.url}${manifest.crms.hubspot.installPath}`, { redirect: 'manual' });
      await response.arrayBuffer();
      return response.status;
    });
    expect(tally(statuses)).toEqual({ 302: 20, 429: 80 });
  });
});
