/**
 * Attack: a tenant's admin tries to see, preview or bind another tenant's mapping file, and to learn
 * the server's paths, through the admin pages of a multi-tenant server (two HubSpot portals
 * installed through the real OAuth flow). Each attempt must fail, and the other tenant's file
 * content must never reach the attacker's pages.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { tenantFilePrefix } from '../../src/mapping/file-access.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listBindings } from '../../src/store/widget-bindings.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';
import type { Browser } from '../e2e/oauth-browser.ts';
import { HUBSPOT_TEST_CLIENT, hubSpotAppEnv, installHubSpotPortal, type InstalledTenant } from '../support/hubspot-install.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CLIENT = HUBSPOT_TEST_CLIENT;
const silent = createLogger({ level: 'silent' });

const mappingWith = (marker: string) => `version: 1
crm: hubspot
objects:
  contact:
    object: contacts
    match: email
    properties:
      email: { source: extracted_data.email, transforms: [email] }
      jobtitle: { value: "${marker}" }
`;

const [embedded] = storeBackends();

describe('tenant isolation of mapping files (multi-tenant mode)', () => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let service: RunningService;
  let mappingsDir: string;
  let a: InstalledTenant;
  let b: InstalledTenant;
  let fileOfB: string;

  const page = async (browser: Browser, url: string) => {
    const response = await browser.request(url);
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    environment = await embedded!.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    const portalA = hubspot.defaultPortal.portalId;
    const portalB = hubspot.createPortal().portalId;
    mappingsDir = mkdtempSync(path.join(tmpdir(), 'tenant-mappings-'));
    cpSync(path.join(root, 'mappings', 'hubspot.default.yaml'), path.join(mappingsDir, 'hubspot.default.yaml'));
    writeFileSync(path.join(mappingsDir, `${tenantFilePrefix(`hubspot:${portalA}`)}events.yaml`), mappingWith('MARKER-OF-TENANT-A'));
    fileOfB = `${tenantFilePrefix(`hubspot:${portalB}`)}vip.yaml`;
    writeFileSync(path.join(mappingsDir, fileOfB), mappingWith('MARKER-OF-TENANT-B'));
    writeFileSync(path.join(mappingsDir, 'hubspot.widget.wgt_operator.yaml'), mappingWith('MARKER-OF-THE-OPERATOR'));
    service = await startService({
      config: testConfig({ ...environment.env, ...hubSpotAppEnv(hubspot), MAPPINGS_DIR: mappingsDir }),
      role: 'web',
      logger: silent,
    });
    a = await installHubSpotPortal(service, portalA);
    b = await installHubSpotPortal(service, portalB);
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await environment?.dispose();
    if (mappingsDir) rmSync(mappingsDir, { recursive: true, force: true });
  });

  it('lists the shared default and the tenant\'s own files only, and no server path', async () => {
    const mappings = await page(a.browser, `/admin/installations/${encodeURIComponent(a.installation.id)}/mappings`);
    expect(mappings.status).toBe(200);
    expect(mappings.body).toContain('hubspot.default.yaml');
    expect(mappings.body).toContain(`${tenantFilePrefix(a.installation.name)}events.yaml`);
    expect(mappings.body).not.toContain(fileOfB);
    expect(mappings.body).not.toContain('hubspot.widget.wgt_operator.yaml');
    expect(mappings.body).not.toContain(mappingsDir);
    expect(mappings.body).not.toContain(tmpdir());

    const settings = await page(a.browser, `/admin/installations/${encodeURIComponent(a.installation.id)}/settings`);
    expect(settings.status).toBe(200);
    expect(settings.body).toContain(`${tenantFilePrefix(a.installation.name)}events.yaml`);
    expect(settings.body).not.toContain(fileOfB);
    expect(settings.body).not.toContain('hubspot.widget.wgt_operator.yaml');
  });

  it('refuses to bind another tenant\'s file, exactly as a file that does not exist', async () => {
    const settingsPath = `/admin/installations/${encodeURIComponent(a.installation.id)}/settings`;
    const form = await page(a.browser, settingsPath);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    expect(csrf).toBeDefined();
    const bind = async (mappingFile: string) => {
      const response = await a.browser.request(`${settingsPath}/bindings`, { form: { _csrf: csrf!, widgetId: 'wgt_attack', mappingFile } });
      return { status: response.status, body: await response.text() };
    };
    const stolen = await bind(fileOfB);
    const missing = await bind('tenant.nobody.none.yaml');
    expect(stolen.status).toBe(400);
    expect(stolen.body).toContain(`there is no mapping file ${fileOfB} for this installation`);
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('there is no mapping file tenant.nobody.none.yaml for this installation');
    expect((await listBindings(service.store, a.installation.id)).map((binding) => binding.widgetId)).not.toContain('wgt_attack');
    // Its own file binds.
    const own = await bind(`${tenantFilePrefix(a.installation.name)}events.yaml`);
    expect(own.status).toBe(303);
  });

  it('refuses to preview with another tenant\'s file and never shows its content', async () => {
    const url = `/admin/installations/${encodeURIComponent(a.installation.id)}/mappings?conversation=conv_1&mapping=${encodeURIComponent(fileOfB)}`;
    const preview = await page(a.browser, url);
    expect(preview.status).toBe(200);
    expect(preview.body).toContain(`Cannot preview with ${fileOfB}: there is no mapping file ${fileOfB} for this installation.`);
    expect(preview.body).not.toContain('MARKER-OF-TENANT-B');
  });

  it('cannot open the other tenant\'s pages at all', async () => {
    const other = await page(a.browser, `/admin/installations/${encodeURIComponent(b.installation.id)}/mappings`);
    expect(other.status).toBe(404);
    expect(other.body).not.toContain(fileOfB);
  });
});
