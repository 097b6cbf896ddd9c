/**
 * The admin's whole journey in headless Chromium, against the real service (`startService`, the
 * embedded store in a temp dir, the real sync worker and HubSpot adapter) and the local sandboxes:
 * sign in with HubSpot through the sandbox consent page, set the platform settings, receive
 * conversations by signed webhooks (URL and secret copied from the settings page), see one synced
 * with links to its HubSpot records and one rejected by HubSpot with HubSpot's message, fix the
 * widget's mapping, press Retry and see it synced. Screenshots go to test-results/screenshots/.
 *
 * Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it); skipped without it.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { tenantFilePrefix } from '../../src/mapping/file-access.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { conversationEvent, postWebhook, testConfig } from '../support/sync-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('test-results/screenshots');
const GOOD_WIDGET = 'wgt_abc123';
const STRICT_WIDGET = 'wgt_nw7wed';
const OAUTH_CLIENT = { clientId: 'crm-connector-browser-test', clientSecret: 'browser-test-secret' };

if (!existsSync(CHROMIUM)) {
  console.warn(`Browser tests skipped: ${CHROMIUM} is missing (install Debian's chromium package; .ci/run does).`);
}

/** A free loopback port: the OAuth redirect URI (PUBLIC_URL + path) must be registered with the sandbox before the service starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!existsSync(CHROMIUM))('admin pages in Chromium', () => {
  let dataDir: string;
  let mappingsDir: string;
  let hubspot: HubSpotSandbox;
  let platform: PlatformSandbox;
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let installationPath: string;
  let webhook: { url: string; secret: string };
  let vipMapping: string;

  const shot = (name: string, on: Page = page) => on.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  /** The page at desktop and phone width, each screenshotted; at 390 px nothing may scroll sideways. */
  const atBothWidths = async (name: string, on: Page = page) => {
    await on.setViewportSize({ width: 1280, height: 900 });
    await shot(`${name}-1280`, on);
    await on.setViewportSize({ width: 390, height: 844 });
    await shot(`${name}-390`, on);
    expect(await on.evaluate('document.documentElement.scrollWidth'), `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
    await on.setViewportSize({ width: 1280, height: 900 });
  };

  /** A conversation of `widgetId` that ended a minute ago with an email collected, so the mapping writes a contact. */
  const conversationWithEmail = (widgetId: string): Conversation => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const [conversation] = platform.simulate(1, { widgetId, outcome: 'completed', at: new Date(Date.now() - 60_000) });
      if (conversation && typeof conversation.extracted_data.email === 'string') return conversation;
    }
    throw new Error(`the platform sandbox generated no conversation with an email for ${widgetId}`);
  };

  const deliver = async (conversation: Conversation) => {
    const response = await postWebhook(webhook.url, webhook.secret, conversationEvent('conversation.ended', conversation.id, conversation.widget_id));
    expect(response.status).toBe(202);
  };

  /** Reloads the syncs page until the conversation's row shows `status`. */
  const waitForRow = async (conversationId: string, status: string) => {
    const row = page.locator(`#recent tr[data-conversation="${conversationId}"]`);
    await expect.poll(async () => {
      await page.goto(`${service.url}${installationPath}/syncs`);
      return row.getAttribute('data-status', { timeout: 1_000 }).catch(() => null);
    }, { timeout: 30_000, interval: 500 }).toBe(status);
    return row;
  };

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-browser-'));
    mappingsDir = path.join(dataDir, 'mappings');
    await cp('mappings', mappingsDir, { recursive: true });
    // A mapping HubSpot rejects at write time: "vip" is not one of lifecyclestage's options.
    const strict = (await readFile(path.join(mappingsDir, 'hubspot.default.yaml'), 'utf8'))
      .replace(/lifecyclestage:\n(\s+)#.*\n\s+value: lead\n\s+policy: if_empty/, 'lifecyclestage:\n$1value: vip\n$1policy: always');
    if (!strict.includes('value: vip')) throw new Error('could not derive the strict mapping from hubspot.default.yaml');
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    hubspot = await startHubSpotSandbox({ oauthClients: [{ ...OAUTH_CLIENT, redirectUri: `${publicUrl}/oauth/hubspot/callback` }] });
    // The installation's own file (multi-tenant mode: src/mapping/file-access.ts).
    vipMapping = `${tenantFilePrefix(`hubspot:${hubspot.defaultPortal.portalId}`)}vip.yaml`;
    await writeFile(path.join(mappingsDir, vipMapping), strict);
    platform = await startPlatformSandbox({ conversations: 5, extractionDelayMs: 0 }, createLogger({ level: 'silent' }));
    service = await startService({
      config: testConfig({
        DATA_DIR: dataDir,
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        MAPPINGS_DIR: mappingsDir,
        HUBSPOT_CLIENT_ID: OAUTH_CLIENT.clientId,
        // Multi-tenant mode against loopback sandboxes: private addresses allowed on purpose.
        ALLOW_PRIVATE_NETWORK_URLS: 'true',
        METRICS_TOKEN: 'test-metrics-token',
        HUBSPOT_CLIENT_SECRET: OAUTH_CLIENT.clientSecret,
        HUBSPOT_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
        HUBSPOT_API_URL: hubspot.url,
        SYNC_RETRY_LIMIT: '0',
        SYNC_EXTRACTION_WAIT_SECONDS: '0',
      }),
      logger: createLogger({ level: 'silent' }),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await platform?.close();
    await hubspot?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('connects HubSpot from the sign-in page and shows the installation connected', async () => {
    await page.goto(`${service.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await shot('01-sign-in');
    await page.getByRole('link', { name: 'Connect HubSpot' }).click();
    expect(page.url().startsWith(`${hubspot.url}/oauth/authorize`)).toBe(true);
    await shot('02-hubspot-consent');
    await page.getByRole('button', { name: 'Connect app' }).click();
    await page.waitForURL(`${service.url}/admin/**`);
    await page.goto(`${service.url}/admin`);
    const row = page.locator('tr[data-installation]');
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.locator('.status').first().textContent()).toBe('connected');
    expect(await row.textContent()).toContain(String(hubspot.defaultPortal.portalId));
    await shot('03-installations');
    const id = await row.getAttribute('data-installation');
    installationPath = `/admin/installations/${id}`;
  }, 30_000);

  it('saves the platform settings and binds one widget to a mapping HubSpot will reject', async () => {
    await page.goto(`${service.url}${installationPath}/settings`);
    await page.fill('#apiUrl', platform.url);
    await page.fill('#apiKey', platform.apiKey);
    await page.getByRole('button', { name: 'Save platform settings' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('The platform API answered');
    expect(await page.content()).not.toContain(platform.apiKey);

    await page.fill('#new-widget', '*');
    await page.selectOption('#new-mapping', '');
    await page.getByRole('button', { name: 'Bind widget' }).click();
    await page.fill('#new-widget', STRICT_WIDGET);
    await page.selectOption('#new-mapping', vipMapping);
    await page.getByRole('button', { name: 'Bind widget' }).click();
    await expect.poll(() => page.locator(`tr[data-widget="${STRICT_WIDGET}"] select`).inputValue()).toBe(vipMapping);

    await page.getByText('Show the signing secret').click();
    webhook = {
      url: (await page.locator('#webhook-url').textContent())?.trim() ?? '',
      secret: (await page.locator('#webhook-secret').textContent())?.trim() ?? '',
    };
    expect(webhook.url).toBe(`${service.url}/webhooks/platform/${installationPath.split('/').pop()}`);
    expect(webhook.secret).toMatch(/^whsec_/);
    await shot('04-settings');
  }, 30_000);

  it('shows a synced conversation with links to its HubSpot records, and a failure with HubSpot\'s message; Retry after the fix syncs it', async () => {
    const good = conversationWithEmail(GOOD_WIDGET);
    await deliver(good);
    const synced = await waitForRow(good.id, 'synced');
    const contactLink = synced.locator('a[href*="/record/0-1/"]');
    expect(await contactLink.count()).toBe(1);
    const contactId = (await contactLink.getAttribute('href'))?.split('/').pop();
    expect(hubspot.state().objects.contacts.map((c) => c.id)).toContain(contactId);

    const strict = conversationWithEmail(STRICT_WIDGET);
    await deliver(strict);
    await waitForRow(strict.id, 'failed');
    const failure = page.locator(`#failures tr[data-conversation="${strict.id}"]`);
    expect(await failure.textContent()).toContain('vip was not one of the allowed options');
    await shot('05-syncs-with-failure');

    await page.goto(`${service.url}${installationPath}/mappings?conversation=${strict.id}`);
    expect(await page.locator('#preview').textContent()).toContain('lifecyclestage');
    await shot('06-mappings-preview');

    // The fix: the widget goes back to the automatic (default) mapping.
    await page.goto(`${service.url}${installationPath}/settings`);
    const binding = page.locator(`tr[data-widget="${STRICT_WIDGET}"]`);
    await binding.locator('select').selectOption('');
    await binding.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Widget binding saved');

    await page.goto(`${service.url}${installationPath}/syncs`);
    await page.locator(`#failures tr[data-conversation="${strict.id}"]`).getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Retry queued');
    const retried = await waitForRow(strict.id, 'synced');
    expect(await retried.locator('a[href*="/record/0-1/"]').count()).toBe(1);
    expect(await page.locator('#failures tr[data-conversation]').count()).toBe(0);
    await shot('07-syncs-after-retry');
    await page.goto(`${service.url}/admin`);
    await shot('08-installations-after-syncs');
  }, 90_000);

  it('adds an admin on the Admins tab, and refuses a portal user who is not one', async () => {
    await page.goto(`${service.url}${installationPath}/admins`);
    await page.fill('input[name="who"]', 'colleague@example.com');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect.poll(() => page.locator('tr[data-admin]').count()).toBe(2);
    expect(await page.locator('tbody').textContent()).toContain('colleague@example.com');
    await atBothWidths('09-admins');

    // A user of the same portal who is neither the owner, an added admin nor a super admin, in a browser of their own.
    hubspot.addUser(hubspot.defaultPortal.portalId, { email: 'visitor@example.com', superAdmin: false });
    const stranger = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await stranger.goto(`${service.url}/admin/login`);
      await stranger.getByRole('link', { name: 'Connect HubSpot' }).click();
      await stranger.fill('input[name="user_email"]', 'visitor@example.com');
      await stranger.getByRole('button', { name: 'Connect app' }).click();
      await stranger.waitForURL(`${service.url}/oauth/**`);
      expect(await stranger.locator('h1').textContent()).toContain('You are not an admin of this installation');
      expect(await stranger.content()).toContain('Nothing was changed');
      await atBothWidths('10-not-an-admin', stranger);
      await stranger.goto(`${service.url}${installationPath}/syncs`);
      expect(new URL(stranger.url()).pathname).toBe('/admin/login');
    } finally {
      await stranger.close();
    }
  }, 60_000);

  it('deletes the installation only once its name is typed, then signs the admin out', async () => {
    await page.goto(`${service.url}/admin`);
    await page.getByRole('link', { name: 'Delete…' }).click();
    expect(new URL(page.url()).pathname).toBe(`${installationPath}/delete`);
    await atBothWidths('11-delete-confirmation');
    await page.fill('#confirm-name', 'hubspot:0');
    await page.getByRole('button', { name: 'Delete this installation' }).click();
    expect(await page.locator('[data-field="confirmName"]').textContent()).toContain(`must be hubspot:${hubspot.defaultPortal.portalId}`);
    await shot('12-delete-mistyped');

    await page.fill('#confirm-name', `hubspot:${hubspot.defaultPortal.portalId}`);
    await page.getByRole('button', { name: 'Delete this installation' }).click();
    await page.waitForURL(`${service.url}/admin/login**`);
    expect(await page.locator('.notice').textContent()).toContain('Installation deleted');
    await atBothWidths('13-deleted');
    const [left] = await service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM installations');
    expect(left?.n).toBe(0);
  }, 60_000);
});
