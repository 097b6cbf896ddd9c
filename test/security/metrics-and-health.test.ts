/**
 * Attack: an anonymous visitor of a multi-tenant server reads /metrics (whose labels name every
 * tenant's CRM account) or probes /readyz for paths and error text. /metrics must refuse without the
 * token, the server must refuse to start in multi-tenant mode without one, and /readyz must say what
 * is wrong without naming the server's paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';

const silent = createLogger({ level: 'silent' });
const TOKEN = 'metrics-token-for-the-scraper';
const multiTenant = {
  PUBLIC_URL: 'https://connector.example.com',
  HUBSPOT_CLIENT_ID: 'hs-client-id',
  HUBSPOT_CLIENT_SECRET: 'hs-client-secret',
};
const [embedded] = storeBackends();

describe('/metrics and /readyz of a multi-tenant server', () => {
  let environment: StoreEnvironment;
  let service: RunningService;

  beforeAll(async () => {
    environment = await embedded!.create();
    service = await startService({ config: testConfig({ ...environment.env, ...multiTenant, METRICS_TOKEN: TOKEN }), role: 'web', logger: silent });
  });
  afterAll(async () => {
    await service?.close();
    await environment?.dispose();
  });

  it('refuses to start in multi-tenant mode without METRICS_TOKEN', () => {
    expect(() => testConfig({ ...environment.env, ...multiTenant })).toThrow(ConfigError);
    expect(() => testConfig({ ...environment.env, ...multiTenant })).toThrow(/METRICS_TOKEN: is required when an OAuth app is configured/);
  });

  it('answers /metrics 401 without the token or with a wrong one, and 200 with it', async () => {
    const anonymous = await fetch(`${service.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('crm_connector_');
    const guessed = await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer metrics-token' } });
    expect(guessed.status).toBe(401);
    const scraper = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toContain('crm_connector_');
  });

  it('answers /readyz without the data directory, and a broken store without its error text', async () => {
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).not.toContain(environment.dataDir);

    // A second service whose store is closed under it: the probe fails in fixed words.
    const other = await embedded!.create();
    const broken = await startService({ config: testConfig({ ...other.env, ...multiTenant, METRICS_TOKEN: TOKEN }), role: 'web', logger: silent });
    try {
      await broken.store.close();
      const answer = await fetch(`${broken.url}/readyz`);
      const body = await answer.text();
      expect(answer.status).toBe(503);
      expect(JSON.parse(body)).toEqual({ error: { code: 'store_unreachable', message: 'the store does not answer (see the service log)' } });
      expect(body).not.toContain(other.dataDir);
    } finally {
      await broken.close().catch(() => undefined);
      await other.dispose();
    }
  });
});
