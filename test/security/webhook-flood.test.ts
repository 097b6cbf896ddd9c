/**
 * Attack: a flood of badly signed webhooks at an installation's URL (the id is in the URL the
 * admin pastes into the platform), or at made-up installation ids, to load the database. Defence:
 * the installation's secrets are cached in the process, so refusing a bad signature costs no
 * query; unknown ids are cached as unknown; past WEBHOOK_RATE_LIMIT_PER_MINUTE the installation's
 * webhooks get 429 before anything is read. Another installation is not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertInstallation } from '../../src/store/installations.ts';
import { ANY_WIDGET, upsertBinding } from '../../src/store/widget-bindings.ts';
import { conversationEvent, newWebhookSecret, postWebhook } from '../support/sync-harness.ts';
import { backends, countQueries, flood, startMultiTenant, tally, type AbuseService } from './abuse-service.ts';

const LIMIT = 300;
const CONCURRENCY = 10;
/** Statements of the Postgres-backed limiter itself (one upsert per request until a key is blocked in memory). */
const isLimiterStatement = (sql: string) => sql.includes('abuse_rate_limits');

describe.each(backends)('badly signed webhook flood on $name', (backend) => {
  let running: AbuseService;
  const secret = newWebhookSecret();
  const otherSecret = newWebhookSecret();
  let target: string;
  let other: string;

  const install = async (name: string, webhookSecret: string) => {
    const { store, box } = running.service;
    const installation = await upsertInstallation(store, box, {
      name,
      crm: 'hubspot',
      crmAccountId: name,
      crmSettings: { apiUrl: 'http://127.0.0.1:9' },
      crmCredentials: { accessToken: 'token' },
      platform: { apiUrl: 'http://127.0.0.1:9', apiKey: 'sk_test', webhookSecrets: [webhookSecret] },
    });
    await upsertBinding(store, { installationId: installation.id, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
    return installation.id;
  };
  const urlOf = (installationId: string) => `${running.service.url}/webhooks/platform/${installationId}`;

  beforeAll(async () => {
    running = await startMultiTenant(backend, { WEBHOOK_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    target = await install('tenant-attacked', secret);
    other = await install('tenant-other', otherSecret);
  });
  afterAll(() => running?.close());

  describe('500 webhooks signed with the wrong secret', () => {
    let statuses: number[];
    let statements: string[];
    let elapsedMs: number;
    let last: Response;

    beforeAll(async () => {
      const counter = countQueries(running.service.store);
      const started = Date.now();
      const wrong = newWebhookSecret();
      statuses = await flood(500, CONCURRENCY, async (i) => {
        const response = await postWebhook(urlOf(target), wrong, conversationEvent('conversation.ended', `conv_${i}`));
        await response.arrayBuffer();
        return response.status;
      });
      elapsedMs = Date.now() - started;
      last = await postWebhook(urlOf(target), wrong, conversationEvent('conversation.ended', 'conv_last'));
      statements = [...counter.statements];
      counter.restore();
    }, 60_000);

    it(`answers 401 up to the limit (${LIMIT} a minute) and 429 past it`, () => {
      expect(tally(statuses)).toEqual({ 401: LIMIT, 429: 500 - LIMIT });
    });

    it('reads the database once for the secrets, not once per request', () => {
      const reads = statements.filter((sql) => !isLimiterStatement(sql));
      // A failed signature may reload the secrets (another process may have rotated them), at most once per 5 s.
      expect(reads.length).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / 5_000));
      expect(reads.every((sql) => /^SELECT webhook_secrets_sealed FROM installations/.test(sql))).toBe(true);
      if (elapsedMs < 5_000) expect(reads).toHaveLength(1);
      // On Postgres the shared limiter counts in the database until the key is over its limit (plus the
      // requests already in flight then); after that it blocks in memory.
      expect(statements.filter(isLimiterStatement).length).toBeLessThanOrEqual(backend.name === 'postgres' ? LIMIT + CONCURRENCY : 0);
    });

    it('says how long to wait, in the JSON error shape of the webhook route', async () => {
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(last.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      const body = (await last.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('rate_limited');
      expect(body.error.message).toContain('WEBHOOK_RATE_LIMIT_PER_MINUTE');
    });

    it('stores nothing for them', async () => {
      const [receipts] = await running.service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_receipts');
      expect(receipts?.n).toBe(0);
    });

    it('leaves another installation\'s webhooks alone', async () => {
      const response = await postWebhook(urlOf(other), otherSecret, conversationEvent('conversation.ended', 'conv_other'));
      expect(response.status).toBe(202);
    });
  });

  it('remembers an unknown installation id: 200 webhooks at it cost one read', async () => {
    const counter = countQueries(running.service.store);
    const statuses = await flood(200, 10, async () => {
      const response = await postWebhook(urlOf('inst_doesnotexist'), secret, conversationEvent('conversation.ended', 'conv_x'));
      await response.arrayBuffer();
      return response.status;
    });
    counter.restore();
    expect(tally(statuses)).toEqual({ 404: 200 });
    expect(counter.statements.filter((sql) => !isLimiterStatement(sql))).toHaveLength(1);
  });

  it('refreshes the cached secrets when this process changes them', async () => {
    const rotated = newWebhookSecret();
    const { store, box } = running.service;
    // The installation of "tenant-other" gets a new secret through the store (as an admin action would).
    await upsertInstallation(store, box, {
      name: 'tenant-other',
      crm: 'hubspot',
      crmAccountId: 'tenant-other',
      crmSettings: { apiUrl: 'http://127.0.0.1:9' },
      crmCredentials: { accessToken: 'token' },
      platform: { apiUrl: 'http://127.0.0.1:9', apiKey: 'sk_test', webhookSecrets: [rotated] },
    });
    expect((await postWebhook(urlOf(other), rotated, conversationEvent('conversation.ended', 'conv_rotated'))).status).toBe(202);
    expect((await postWebhook(urlOf(other), otherSecret, conversationEvent('conversation.ended', 'conv_old'))).status).toBe(401);
  });
});
