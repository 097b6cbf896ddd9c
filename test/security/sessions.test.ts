/**
 * Attacks on admin sessions against the real service (`startService`, multi-tenant: a HubSpot
 * OAuth app configured, an https PUBLIC_URL as behind a TLS-terminating proxy) and the HubSpot
 * sandbox's consent page, each asserting that it fails:
 *
 * - a copy of the session cookie is used after its owner signed out (on Postgres, also in another
 *   process on the same store);
 * - a cookie value planted in the victim's browser before sign-in (session fixation), and an old
 *   session id kept after a later sign-in;
 * - a session of one sign-in used to reach the installation of an earlier sign-in (merging);
 * - a session used after its installation was disconnected (by another admin);
 * - cookies readable or settable outside the host (`__Host-` names, Secure), and an OAuth browser
 *   binding left behind after the callback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { manifest } from '../../src/manifest.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { findInstallationByCrmAccount } from '../../src/store/installations.ts';
import { Browser, formFields } from '../e2e/oauth-browser.ts';
import { hubSpotAppEnv } from '../support/hubspot-install.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';

const PUBLIC_URL = 'https://connector.test';
const CLIENT = { clientId: 'hs-client-id', clientSecret: 'hs-client-secret', redirectUri: `${PUBLIC_URL}${manifest.crms.hubspot.redirectPath}` };
const ADMIN = '__Host-cc_admin';
const OAUTH = '__Host-cc_oauth';
const silent = createLogger({ level: 'silent' });

/** The Set-Cookie headers of a response naming `name`. */
const setCookies = (response: Response, name: string) => response.headers.getSetCookie().filter((c) => c.startsWith(`${name}=`));

describe.each(storeBackends())('admin sessions under attack on $name', (backend) => {
  let environment: StoreEnvironment;
  let hubspot: HubSpotSandbox;
  let service: RunningService;
  let portalA: number;
  let portalB: number;
  let installationA: string;
  let installationB: string;

  const serviceConfig = () =>
    testConfig({
      ...environment.env,
      ...hubSpotAppEnv(hubspot, { publicUrl: PUBLIC_URL, client: CLIENT }),
    });
  const newBrowser = () => new Browser(() => service.url, PUBLIC_URL);
  const installationPage = (id: string) => `/admin/installations/${id}/settings`;

  /** Install link → consent (choosing `portalId`) → the redirect back; returns the begin and callback answers. */
  async function signIn(browser: Browser, portalId: number, decision: 'allow' | 'deny' = 'allow') {
    const begin = await browser.request(`${manifest.crms.hubspot.installPath}?purpose=login`);
    const fields = formFields(await (await browser.request(Browser.location(begin))).text());
    const choice = await browser.request(`${hubspot.url}/oauth/authorize`, { form: { ...fields, portal_id: String(portalId), decision } });
    const callbackUrl = Browser.location(choice);
    return { begin, callbackUrl, callback: await browser.request(callbackUrl) };
  }

  /** What a request with only this session cookie gets: the status (200, or 303 to sign-in / 404) of a page. */
  const statusWith = async (cookieValue: string | undefined, path: string, accept = 'text/html') =>
    (await fetch(`${service.url}${path}`, { headers: { accept, cookie: cookieValue === undefined ? '' : `${ADMIN}=${cookieValue}` }, redirect: 'manual' })).status;

  /** Posts an admin form the way the page does, with the page's CSRF token. */
  async function postForm(browser: Browser, pagePath: string, action: string) {
    const page = await (await browser.request(pagePath)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!csrf) throw new Error(`no CSRF token on ${pagePath}`);
    return browser.request(action, { form: { _csrf: csrf } });
  }

  beforeAll(async () => {
    environment = await backend.create();
    hubspot = await startHubSpotSandbox({ oauthClients: [CLIENT] });
    portalA = hubspot.defaultPortal.portalId;
    portalB = hubspot.createPortal().portalId;
    service = await startService({ config: serviceConfig(), role: 'web', logger: silent });
    for (const portal of [portalA, portalB]) expect((await signIn(newBrowser(), portal)).callback.status).toBe(303);
    const idOf = async (portal: number) => (await findInstallationByCrmAccount(service.store, service.box, 'hubspot', String(portal)))!.id;
    installationA = await idOf(portalA);
    installationB = await idOf(portalB);
  });
  afterAll(async () => {
    await service?.close();
    await hubspot?.close();
    await environment?.dispose();
  });

  it('names both cookies __Host- with Secure, Path=/ and no Domain under an https PUBLIC_URL', async () => {
    const { begin, callback } = await signIn(newBrowser(), portalA);
    const [binding] = setCookies(begin, OAUTH);
    expect(binding).toMatch(/^__Host-cc_oauth=[\w-]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
    const [session] = setCookies(callback, ADMIN);
    expect(session).toMatch(/^__Host-cc_admin=[\w-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
    for (const cookie of [...begin.headers.getSetCookie(), ...callback.headers.getSetCookie()]) {
      expect(cookie).not.toMatch(/domain=/i);
      expect(cookie).toMatch(/^__Host-/);
    }
  });

  it('clears the OAuth binding cookie at the callback, whatever the outcome', async () => {
    const cleared = /^__Host-cc_oauth=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/;

    const success = newBrowser();
    const completed = await signIn(success, portalA);
    expect(completed.callback.status).toBe(303);
    expect(setCookies(completed.callback, OAUTH)).toEqual([expect.stringMatching(cleared)]);
    expect(success.cookies.has(OAUTH)).toBe(false);

    const denied = newBrowser();
    const refusal = await signIn(denied, portalA, 'deny');
    expect(refusal.callback.status).toBe(403);
    expect(setCookies(refusal.callback, OAUTH)).toEqual([expect.stringMatching(cleared)]);

    const replay = await success.request(completed.callbackUrl);
    expect(replay.status).toBe(400);
    expect(setCookies(replay, OAUTH)).toEqual([expect.stringMatching(cleared)]);

    const tamperedBrowser = newBrowser();
    const begin = await tamperedBrowser.request(`${manifest.crms.hubspot.installPath}?purpose=login`);
    expect(tamperedBrowser.cookies.has(OAUTH)).toBe(true);
    const state = new URL(Browser.location(begin)).searchParams.get('state')!;
    const tampered = await tamperedBrowser.request(`${manifest.crms.hubspot.redirectPath}?code=x&state=${encodeURIComponent(`${state}x`)}`);
    expect(tampered.status).toBe(400);
    expect(setCookies(tampered, OAUTH)).toEqual([expect.stringMatching(cleared)]);
    expect(tamperedBrowser.cookies.has(OAUTH)).toBe(false);
  });

  it('refuses a copied session cookie once its owner signed out', async () => {
    const owner = newBrowser();
    await signIn(owner, portalA);
    const copy = owner.cookies.get(ADMIN)!;
    expect(await statusWith(copy, installationPage(installationA))).toBe(200);

    const out = await postForm(owner, installationPage(installationA), '/admin/logout');
    expect(out.status).toBe(303);
    expect(owner.cookies.has(ADMIN)).toBe(false);

    const page = await fetch(`${service.url}${installationPage(installationA)}`, { headers: { accept: 'text/html', cookie: `${ADMIN}=${copy}` }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/admin\/login\?next=/);
    expect(await statusWith(copy, installationPage(installationA), 'application/json')).toBe(401);
    const post = await fetch(`${service.url}/admin/installations/${installationA}/disconnect`, {
      method: 'POST',
      headers: { accept: 'application/json', cookie: `${ADMIN}=${copy}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(post.status).toBe(401);
  });

  it.skipIf(backend.name !== 'postgres')('refuses the copy in every process on the store: another process sees the sign-out at once', async () => {
    const other = await startService({ config: serviceConfig(), role: 'web', logger: silent });
    try {
      const onOther = (cookieValue: string) =>
        fetch(`${other.url}${installationPage(installationA)}`, { headers: { accept: 'text/html', cookie: `${ADMIN}=${cookieValue}` }, redirect: 'manual' });
      const owner = newBrowser();
      await signIn(owner, portalA);
      const copy = owner.cookies.get(ADMIN)!;
      expect((await onOther(copy)).status).toBe(200);
      expect((await postForm(owner, installationPage(installationA), '/admin/logout')).status).toBe(303);
      expect((await onOther(copy)).status).toBe(303);
    } finally {
      await other.close();
    }
  });

  it('never adopts a session id planted before sign-in (session fixation)', async () => {
    // The attacker's chosen value, well-formed, and the attacker's own live session (for B), each planted in the victim's browser.
    const chosen = 'A'.repeat(43);
    const attacker = newBrowser();
    await signIn(attacker, portalB);
    const attackersOwn = attacker.cookies.get(ADMIN)!;
    for (const planted of [chosen, attackersOwn]) {
      const victim = newBrowser();
      victim.cookies.set(ADMIN, planted);
      const { callback } = await signIn(victim, portalA);
      expect(callback.status).toBe(303);
      const issued = victim.cookies.get(ADMIN)!;
      expect(issued).not.toBe(planted);
      expect(await statusWith(issued, installationPage(installationA))).toBe(200);
      // What the attacker holds opens nothing of the victim's.
      expect(await statusWith(planted, installationPage(installationA))).not.toBe(200);
      expect(await statusWith(planted, '/admin')).toBe(303);
    }
  });

  it('rotates the id at every sign-in: two sign-ins give two ids, and the first stops working', async () => {
    const browser = newBrowser();
    await signIn(browser, portalA);
    const first = browser.cookies.get(ADMIN)!;
    await signIn(browser, portalA);
    const second = browser.cookies.get(ADMIN)!;
    expect(second).not.toBe(first);
    expect(await statusWith(first, installationPage(installationA))).toBe(303);
    expect(await statusWith(second, installationPage(installationA))).toBe(200);
  });

  it('does not merge sign-ins: signed in to A then to B, the session manages B only', async () => {
    const browser = newBrowser();
    await signIn(browser, portalA);
    expect((await browser.request(installationPage(installationA))).status).toBe(200);
    const { callback } = await signIn(browser, portalB);
    expect(callback.headers.get('location')).toBe(`/admin/installations/${installationB}`);
    expect((await browser.request(installationPage(installationB))).status).toBe(200);
    expect((await browser.request(installationPage(installationA))).status).toBe(404);
    const overview = await (await browser.request('/admin')).text();
    expect(overview).toContain(`data-installation="${installationB}"`);
    expect(overview).not.toContain(`data-installation="${installationA}"`);
  });

  // Last: it disconnects A.
  it('ends every session managing an installation when it is disconnected, including other admins\' copies', async () => {
    const [first, second, other] = [newBrowser(), newBrowser(), newBrowser()];
    await signIn(first, portalA);
    await signIn(second, portalA);
    await signIn(other, portalB);
    const secondCopy = second.cookies.get(ADMIN)!;
    expect(await statusWith(secondCopy, installationPage(installationA))).toBe(200);

    const disconnect = await postForm(first, installationPage(installationA), `/admin/installations/${installationA}/disconnect`);
    expect(disconnect.status).toBe(303);
    expect(disconnect.headers.get('location')).toMatch(/^\/admin\/login\?notice=disconnected/);
    expect(first.cookies.has(ADMIN)).toBe(false);

    expect(await statusWith(secondCopy, installationPage(installationA))).toBe(303);
    expect(await statusWith(secondCopy, installationPage(installationA), 'application/json')).toBe(401);
    expect((await second.request('/admin')).status).toBe(303);
    expect((await other.request(installationPage(installationB))).status).toBe(200);
    const [left] = await service.store.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_sessions WHERE $1 = ANY (installation_ids)', [installationA]);
    expect(left?.n).toBe(0);
  });
});
