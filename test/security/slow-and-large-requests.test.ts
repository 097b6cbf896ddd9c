/**
 * Attacks on the HTTP layer itself: a body larger than WEBHOOK_MAX_BODY_BYTES that declares a huge
 * Content-Length, declares none (chunked, endless) or lies about its length; and slowloris-style
 * clients that never finish their headers or their body. Defence: the size is checked before any
 * database work and as the body streams, the connection is closed after a 413, and node's
 * headers/request timeouts (HTTP_*_TIMEOUT_SECONDS) cut slow clients off.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertInstallation } from '../../src/store/installations.ts';
import { newWebhookSecret } from '../support/sync-harness.ts';
import { backends, countQueries, startMultiTenant, type AbuseService } from './abuse-service.ts';

const MAX_BODY = 4096;

/** A raw connection that records what the server sends and when it closes its side. */
class RawClient {
  readonly socket: Socket;
  received = '';
  sent = 0;
  readonly closed: Promise<number>;
  readonly #opened = Date.now();

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    // Writes after the server closed fail with EPIPE/ECONNRESET: that is the point.
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve(Date.now() - this.#opened)));
  }

  write(text: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.sent += text.length;
    this.socket.write(text);
  }

  /** Keeps writing `chunk` every `everyMs` until the server closes the connection or `forMs` passes. */
  async trickle(chunk: () => string | Buffer, everyMs: number, forMs: number): Promise<boolean> {
    const until = Date.now() + forMs;
    let open = true;
    void this.closed.then(() => (open = false));
    while (open && Date.now() < until) {
      this.write(chunk());
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return !open;
  }

  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(backends)('slow and large requests on $name', (backend) => {
  let running: AbuseService;
  let webhookPath: string;

  beforeAll(async () => {
    running = await startMultiTenant(backend, {
      WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY),
      HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      HTTP_REQUEST_TIMEOUT_SECONDS: '2',
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
    });
    const { store, box } = running.service;
    const installation = await upsertInstallation(store, box, {
      name: 'tenant',
      crm: 'hubspot',
      crmAccountId: 'tenant',
      crmSettings: { apiUrl: 'http://127.0.0.1:9' },
      crmCredentials: { accessToken: 'token' },
      platform: { apiUrl: 'http://127.0.0.1:9', apiKey: 'sk_test', webhookSecrets: [newWebhookSecret()] },
    });
    webhookPath = `/webhooks/platform/${installation.id}`;
  });
  afterAll(() => running?.close());

  const headers = (lines: string[]) => `POST ${webhookPath} HTTP/1.1\r\nHost: connector\r\nContent-Type: application/json\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

  it('refuses a declared Content-Length over the limit before reading the body or the database', async () => {
    const counter = countQueries(running.service.store);
    const client = new RawClient(running.service.url);
    client.write(headers(['Content-Length: 50000000']));
    const closedAfterMs = await client.closed;
    counter.restore();
    expect(client.status).toBe(413);
    expect(client.received).toContain('WEBHOOK_MAX_BODY_BYTES');
    expect(closedAfterMs).toBeLessThan(1_000);
    // Only the per-installation rate limit counted it (in Postgres when the store is; in memory otherwise).
    expect(counter.statements.filter((sql) => !sql.includes('abuse_rate_limits'))).toEqual([]);
  });

  it('cuts off a chunked body with no Content-Length once it passes the limit, and closes the connection', async () => {
    const client = new RawClient(running.service.url);
    client.write(headers(['Transfer-Encoding: chunked']));
    const chunk = 'x'.repeat(1024);
    // An endless body, 1 KiB every 5 ms: the server must answer and hang up, not read it all.
    const cut = await client.trickle(() => `${chunk.length.toString(16)}\r\n${chunk}\r\n`, 5, 10_000);
    expect(cut).toBe(true);
    expect(client.status).toBe(413);
    expect(client.sent).toBeLessThan(200 * 1024);
  });

  it('reads no more than a lying Content-Length says: the rest is not taken as body, and the connection is dropped', async () => {
    const client = new RawClient(running.service.url);
    const signed = ['webhook-id: msg_1', `webhook-timestamp: ${Math.floor(Date.now() / 1000)}`, 'webhook-signature: v1,AAAA'];
    client.write(headers(['Content-Length: 100', ...signed]) + 'y'.repeat(100));
    // The 100 declared bytes are the whole body (a bad signature)…
    await waitUntil(() => client.status !== undefined);
    expect(client.status).toBe(401);
    // …and what follows is read as the next request, which it is not: 400, and the server hangs up.
    const cut = await client.trickle(() => 'y'.repeat(1024), 5, 10_000);
    expect(cut).toBe(true);
    expect(client.received).toMatch(/HTTP\/1\.1 400/);
    expect(client.sent).toBeLessThan(200 * 1024);
  });

  it('disconnects a client that never finishes its headers (HTTP_HEADERS_TIMEOUT_SECONDS)', async () => {
    const client = new RawClient(running.service.url);
    client.write(`POST ${webhookPath} HTTP/1.1\r\nHost: connector\r\n`);
    let n = 0;
    const cut = await client.trickle(() => `X-Slow-${n++}: a\r\n`, 200, 8_000);
    expect(cut).toBe(true);
    expect(await client.closed).toBeLessThan(4_000);
  });

  it('disconnects a client that sends its body too slowly (HTTP_REQUEST_TIMEOUT_SECONDS)', async () => {
    const client = new RawClient(running.service.url);
    client.write(headers(['Content-Length: 1000']));
    const cut = await client.trickle(() => 'z', 200, 8_000);
    expect(cut).toBe(true);
    expect(await client.closed).toBeLessThan(5_000);
    expect(client.sent).toBeLessThan(1000);
  });

  it('closes an idle kept-alive connection (HTTP_KEEP_ALIVE_TIMEOUT_SECONDS)', async () => {
    const client = new RawClient(running.service.url);
    client.write('GET /healthz HTTP/1.1\r\nHost: connector\r\n\r\n');
    expect(await client.closed).toBeLessThan(4_000);
    expect(client.status).toBe(200);
  });
});
