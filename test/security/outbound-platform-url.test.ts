/**
 * Attack: a tenant's admin points the platform API URL at something inside the connector's
 * network (loopback, private ranges, the cloud metadata address, a name that resolves there, a
 * redirect that leads there, a URL whose `#` drops the API path) to make the server request it and
 * show the answer. Every attempt must fail before a connection is made, and nothing an answer
 * contains beyond its status (and the platform's documented error code and message) may reach a
 * page or a sync record. Test device for the "public" host: outbound-support.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getInstallation } from '../../src/store/installations.ts';
import { getSyncRecord } from '../../src/store/sync-records.ts';
import { conversationEvent, postWebhook, waitFor } from '../support/sync-harness.ts';
import { PUBLIC_ADDRESS, RecordingServer, startOutboundScene, type OutboundScene } from './outbound-support.ts';

const SECRET = `INTERNAL-SECRET-${Date.now()}`;
const API_KEY = 'sk_tenant_key_123';

let scene: OutboundScene;
let internal: RecordingServer;
let publicHost: RecordingServer;

beforeAll(async () => {
  // The internal service: answers everything with its secret (as a metadata service would).
  internal = await new RecordingServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(SECRET)).listen('127.0.0.1');
  // The "public" host: a redirector to the internal service, and answers that carry the secret in every shape.
  publicHost = await new RecordingServer((req, res) => {
    const route = req.url ?? '';
    if (route.startsWith('/redirect/')) {
      res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/latest/meta-data/${SECRET}` }).end();
    } else if (route.startsWith('/text/')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${SECRET} is not JSON`);
    } else if (route.startsWith('/json/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [SECRET]: SECRET, criteria_results: { [SECRET]: SECRET }, outcome: SECRET }));
    } else if (route.startsWith('/html-error/')) {
      res.writeHead(404, `Not Found ${SECRET}`, { 'content-type': 'text/html' }).end(`<html><body>${SECRET}</body></html>`);
    } else {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET);
    }
  }).listen(PUBLIC_ADDRESS);
  scene = await startOutboundScene();
});

afterAll(async () => {
  await scene?.close();
  await internal?.close();
  await publicHost?.close();
});

const settingsPath = () => `/admin/installations/${scene.installation.id}/settings`;
const previewPath = (conversationId: string) => `/admin/installations/${scene.installation.id}/mappings?conversation=${conversationId}`;
const storedUrl = async () => (await getInstallation(scene.service.store, scene.service.box, scene.installation.id))?.platform.apiUrl;

async function saveSettings(apiUrl: string, apiKey = API_KEY) {
  await scene.admin.get(settingsPath());
  return scene.admin.post(`${settingsPath()}/platform`, { apiUrl, apiKey });
}

/** A webhook for a new conversation, then the sync record once the sync has run and failed. */
async function syncOutcome(conversationId: string) {
  const url = `${scene.service.url}/webhooks/platform/${scene.installation.id}`;
  expect((await postWebhook(url, scene.webhookSecret, conversationEvent('conversation.ended', conversationId))).status).toBe(202);
  return waitFor(`the sync of ${conversationId} to settle`, async () => {
    const record = await getSyncRecord(scene.service.store, { installationId: scene.installation.id, conversationId });
    return record?.lastError ? record : undefined;
  });
}

describe('platform API URLs that point inside the network are refused on the settings form, before any connection', () => {
  let before: string | null | undefined;
  beforeEach(async () => {
    before = await storedUrl();
  });

  it.each([
    ['loopback', () => `https://127.0.0.1:${internal.port}`, /points to 127\.0\.0\.1, which is a loopback address/],
    ['IPv6 loopback', () => `https://[::1]:${internal.port}`, /points to ::1, which is a loopback address/],
    ['IPv4-mapped IPv6 loopback', () => `https://[::ffff:127.0.0.1]:${internal.port}`, /loopback address/],
    ['loopback as a decimal number', () => `https://2130706433:${internal.port}`, /points to 127\.0\.0\.1, which is a loopback/],
    ['loopback in hex', () => `https://0x7f.0.0.1:${internal.port}`, /points to 127\.0\.0\.1, which is a loopback/],
    ['RFC 1918 10/8', () => 'https://10.1.2.3', /private-network address/],
    ['RFC 1918 192.168/16', () => 'https://192.168.1.20:8443', /private-network address/],
    ['the cloud metadata address', () => 'https://169.254.169.254/latest', /link-local address \(this includes the cloud metadata service/],
    ['CGNAT', () => 'https://100.64.0.1', /carrier-grade NAT/],
    ['unique-local IPv6', () => 'https://[fd00::1]', /unique-local IPv6/],
    ['the unspecified address', () => `https://0.0.0.0:${internal.port}`, /unspecified address/],
  ])('%s', async (_name, url, reason) => {
    const page = await saveSettings(url());
    expect(page.status).toBe(400);
    expect(page.body).toMatch(reason);
    expect(page.body).toContain('the connector only connects to public addresses');
    expect(await storedUrl()).toBe(before);
    expect(internal.connections).toBe(0);
  });

  it.each([
    ['the # trick (drops the appended /api/v1 path)', () => `http://public.test:${publicHost.port}/#`, /must not contain a fragment/],
    ['a fragment with a path after it', () => `http://public.test:${publicHost.port}/#/latest/meta-data`, /must not contain a fragment/],
    ['a query', () => `http://public.test:${publicHost.port}/?next=`, /must not contain a query/],
    ['user info', () => `http://user:secret@public.test:${publicHost.port}`, /must not contain a user name or password/],
  ])('%s', async (_name, url, reason) => {
    const connections = publicHost.connections;
    const page = await saveSettings(url());
    expect(page.status).toBe(400);
    expect(page.body).toMatch(reason);
    expect(await storedUrl()).toBe(before);
    expect(publicHost.connections).toBe(connections);
  });
});

describe('host names are checked on every address they resolve to, at connection time', () => {
  it.each([
    ['a name that resolves to loopback', 'internal.attacker.test'],
    ['a name that resolves to a public and a loopback address', 'mixed.attacker.test'],
  ])('%s: saved (a name is not an address), but the check, the preview and a sync never connect', async (_name, host) => {
    const saved = await saveSettings(`http://${host}:${internal.port}`);
    expect(saved.status).toBe(303);
    expect(saved.location).toMatch(/notice=settings-saved-refused/);

    const preview = await scene.admin.get(previewPath(`conv_dns_${host}`));
    expect(preview.status).toBe(200);
    expect(preview.body).toContain(`host ${host} resolves to a loopback address`);

    const record = await syncOutcome(`conv_dns_${host}`);
    expect(record.lastError).toContain(`host ${host} resolves to a loopback address`);
    expect(record.status).not.toBe('synced');
    expect(internal.connections).toBe(0);
    expect(internal.requests).toEqual([]);
  });
});

describe('redirects are never followed', () => {
  it('a "public" host answering with a redirect to the internal service: refused, Location not shown', async () => {
    const saved = await saveSettings(`http://public.test:${publicHost.port}/redirect`);
    expect(saved.status).toBe(303);
    expect(saved.location).toMatch(/notice=settings-saved-refused/);
    const hits = publicHost.requests.length;

    const preview = await scene.admin.get(previewPath('conv_redirect'));
    expect(preview.body).toContain('answered with a redirect (HTTP 302), which the connector does not follow');
    expect(preview.body).not.toContain(SECRET);
    expect(preview.body).not.toContain('meta-data');
    const record = await syncOutcome('conv_redirect');
    expect(record.lastError).toContain('answered with a redirect');
    expect(record.lastError).not.toContain(SECRET);
    // The redirector was asked (it is "public"); the internal service never was.
    expect(publicHost.requests.length).toBeGreaterThan(hits);
    expect(internal.connections).toBe(0);
  });
});

describe('nothing of an answer reaches a page or a sync record beyond its status', () => {
  it.each([
    ['a 500 with the secret as plain text', '/error', /500: Internal Server Error/, /500: Internal Server Error/],
    ['a 200 whose body is not JSON', '/text', /body is not JSON/, /body is not JSON/],
    ['a 200 JSON document that is not a conversation', '/json', /is not valid: id: /, /is not valid: id: /],
    ['a 404 HTML page (and reason phrase) carrying the secret', '/html-error', /404: Not Found/, /not on the platform .*404/],
  ])('%s', async (_name, prefix, shown, recorded) => {
    expect((await saveSettings(`http://public.test:${publicHost.port}${prefix}`)).status).toBe(303);
    const conversationId = `conv_leak${prefix.replace('/', '_')}`;
    const preview = await scene.admin.get(previewPath(conversationId));
    expect(preview.body).toMatch(shown);
    expect(preview.body).not.toContain(SECRET);

    const record = await syncOutcome(conversationId);
    expect(record.lastError).toMatch(recorded);
    expect(record.lastError).not.toContain(SECRET);
    const syncs = await scene.admin.get(`/admin/installations/${scene.installation.id}/syncs`);
    expect(syncs.body).toContain(conversationId);
    expect(syncs.body).not.toContain(SECRET);
    const [stored] = await scene.service.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM sync_records WHERE last_error LIKE '%' || $1 || '%'",
      [SECRET],
    );
    expect(stored?.n).toBe(0);
  });
});
