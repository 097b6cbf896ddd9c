/**
 * The admin pages' Backfill tab and Forget action over real HTTP against the real service
 * (`startService`: the sync worker, the HubSpot adapter and the backfill manager the admin pages
 * drive) with the platform and HubSpot sandboxes. Sessions are issued the way the OAuth callback
 * issues them. A second installation reads the platform through a proxy that holds List calls,
 * so a walk stays in progress for exactly as long as the test needs: pause, resume and cancel.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminSessions, type AdminSessions } from '../../src/auth/admin-session.ts';
import { createLogger } from '../../src/log.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../src/sandbox/hubspot/index.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../src/sandbox/platform/server.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { listBackfills } from '../../src/store/backfills.ts';
import { getForgotten } from '../../src/store/forgotten-conversations.ts';
import { upsertInstallation } from '../../src/store/installations.ts';
import { getSyncRecord, listSyncRecords } from '../../src/store/sync-records.ts';
import { AdminClient, adminSessionCookie } from '../support/admin-client.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { newWebhookSecret, testConfig, waitFor } from '../support/sync-harness.ts';

const silent = createLogger({ level: 'silent' });
const CONVERSATIONS = 40;

/** Forwards to the platform sandbox; while `holding`, each request waits until `release()`. */
class HoldingProxy {
  holding = true;
  readonly #waiting: (() => void)[] = [];
  readonly #server: Server;

  constructor(target: string) {
    this.#server = createServer((req, res) => {
      void (async () => {
        if (this.holding) await new Promise<void>((resolve) => this.#waiting.push(resolve));
        const upstream = await fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: forwardedHeaders(req) });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(await upstream.text());
      })().catch((error: unknown) => res.destroy(error as Error));
    });
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Lets the requests waiting now through; later ones wait while `holding`. */
  release(): void {
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  async close(): Promise<void> {
    this.holding = false;
    this.release();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

const forwardedHeaders = (req: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !['host', 'connection'].includes(name)) headers[name] = value;
  }
  return headers;
};

/** The backfill row's phase on the page, or undefined when the page lists no such backfill. */
const phaseOn = (body: string, id: string) => new RegExp(`data-backfill="${id}" data-phase="([a-z]+)"`).exec(body)?.[1];
const backfillIdsOn = (body: string) => [...body.matchAll(/data-backfill="(bf_[0-9a-f]+)"/g)].map((m) => m[1]!);

describe.each(storeBackends())('admin backfill and forget on $name', (backend) => {
  let environment: StoreEnvironment;
  let platform: PlatformSandbox;
  let hubspot: HubSpotSandbox;
  let proxy: HoldingProxy;
  let service: RunningService;
  let sessions: AdminSessions;
  let history: Conversation[];
  const held = 'held';

  const signedIn = async (ids: string[]) => new AdminClient(service.url, await adminSessionCookie(sessions, { installationIds: ids, user: 'admin@example.com' }));
  const page = (installationId: string, ...rest: string[]) => [`/admin/installations/${installationId}`, ...rest].join('/');

  beforeAll(async () => {
    environment = await backend.create();
    platform = await startPlatformSandbox({ conversations: CONVERSATIONS, seed: 23, extractionDelayMs: 0 }, silent);
    hubspot = await startHubSpotSandbox({ port: 0 });
    proxy = new HoldingProxy(platform.url);
    const proxyUrl = await proxy.listen();
    history = platform.store.list({}, null, 10_000).rows;
    service = await startService({
      config: testConfig({
        ...environment.env,
        PLATFORM_API_URL: platform.url,
        PLATFORM_API_KEY: platform.apiKey,
        PLATFORM_WEBHOOK_SECRET: newWebhookSecret(),
        CRM: 'hubspot',
        HUBSPOT_ACCESS_TOKEN: hubspot.defaultPortal.privateAppToken,
        HUBSPOT_API_URL: hubspot.url,
      }),
      logger: silent,
    });
    await upsertInstallation(service.store, service.box, {
      id: held,
      name: 'hubspot:999',
      crm: 'hubspot',
      crmAccountId: '999',
      crmSettings: { apiUrl: hubspot.url },
      crmCredentials: { accessToken: hubspot.defaultPortal.privateAppToken },
      platform: { apiUrl: proxyUrl, apiKey: platform.apiKey, webhookSecrets: [newWebhookSecret()] },
    });
    sessions = createAdminSessions({ db: service.store, secureCookies: false });
  });

  afterAll(async () => {
    await proxy?.close();
    await service?.close();
    await hubspot?.close();
    await platform?.close();
    await environment?.dispose();
  });

  it('starts a backfill from the form and shows its progress until every conversation is synced', async () => {
    const admin = await signedIn(['default']);
    const form = await admin.get(page('default', 'backfill'));
    expect(form.status).toBe(200);
    expect(form.body).toContain(`href="${page('default', 'backfill')}" aria-current="page"`);

    const started = await admin.post(page('default', 'backfill'), { since: history[0]!.started_at, until: '', widgetId: '', outcome: '' });
    expect(started.status).toBe(303);
    expect(started.location).toBe(`${page('default', 'backfill')}?notice=backfill-started`);
    const [id] = backfillIdsOn((await admin.get(started.location!)).body);
    expect(id).toBeDefined();

    const done = await waitFor('the page to show the backfill done', async () => {
      const shown = await admin.get(page('default', 'backfill'));
      return phaseOn(shown.body, id!) === 'complete' ? shown.body : undefined;
    }, 60_000);
    expect(done).not.toContain('http-equiv="refresh"');
    const row = new RegExp(`<tr data-backfill="${id}"[\\s\\S]*?</tr>`).exec(done)![0];
    const numbers = [...row.matchAll(/<td class="num"[^>]*>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    // pages, listed, enqueued, skipped, synced, failed, pending
    expect(numbers).toEqual([1, CONVERSATIONS, CONVERSATIONS, 0, CONVERSATIONS, 0, 0]);
    const records = await listSyncRecords(service.store, { installationId: 'default' });
    expect(records.map((r) => r.conversationId).sort()).toEqual(history.map((c) => c.id).sort());
    expect(records.every((r) => r.status === 'synced' && r.lastTrigger === 'backfill')).toBe(true);
  });

  it('shows the form again with the message beside the field it names', async () => {
    const admin = await signedIn(['default']);
    await admin.get(page('default', 'backfill'));
    const missing = await admin.post(page('default', 'backfill'), { since: '  ' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatch(/data-field="since">Since is required/);

    const reversed = await admin.post(page('default', 'backfill'), { since: '2026-05-01', until: '2026-04-01', widgetId: 'wgt_<b>' });
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatch(/data-field="since">Since must be before until/);
    expect(reversed.body).toContain('value="wgt_&lt;b&gt;"');

    const outcome = await admin.post(page('default', 'backfill'), { since: '2026-04-01', outcome: 'won' });
    expect(outcome.status).toBe(400);
    expect(outcome.body).toMatch(/data-field="outcome">Outcome must be one of completed, abandoned, error/);
    expect(await listBackfills(service.store, 'default')).toHaveLength(1);
  });

  it("answers 404 to another installation's admin and refuses posts without the CSRF token", async () => {
    const outsider = await signedIn([held]);
    expect((await outsider.get(page('default', 'backfill'))).status).toBe(404);
    await outsider.get(page(held, 'backfill'));
    expect((await outsider.post(page('default', 'backfill'), { since: history[0]!.started_at })).status).toBe(404);
    const [existing] = await listBackfills(service.store, 'default');
    expect((await outsider.post(page(held, 'backfill', existing!.id, 'cancel'), {})).status).toBe(404);

    const admin = await signedIn(['default']);
    await admin.get(page('default', 'backfill'));
    const forged = await admin.post(page('default', 'backfill'), { since: history[0]!.started_at }, { csrf: '' });
    expect(forged.status).toBe(403);
    expect(await listBackfills(service.store, 'default')).toHaveLength(1);
  });

  it('pauses, resumes and cancels a walk in progress, refreshing itself while it runs', async () => {
    const admin = await signedIn([held]);
    await admin.get(page(held, 'backfill'));
    const started = await admin.post(page(held, 'backfill'), { since: history[0]!.started_at });
    expect(started.status).toBe(303);
    await waitFor('the walk to ask the platform for its first page', async () => proxy.waiting === 1);
    const walking = await admin.get(page(held, 'backfill'));
    const [id] = backfillIdsOn(walking.body);
    expect(phaseOn(walking.body, id!)).toBe('walking');
    expect(walking.body).toContain('<meta http-equiv="refresh" content="3">');
    expect(walking.body).toContain(`action="${page(held, 'backfill', id!, 'pause')}"`);

    const paused = await admin.post(page(held, 'backfill', id!, 'pause'), {});
    expect(paused.location).toBe(`${page(held, 'backfill')}?notice=backfill-paused`);
    const pausedPage = await admin.get(paused.location!);
    expect(phaseOn(pausedPage.body, id!)).toBe('paused');
    expect(pausedPage.body).not.toContain('http-equiv="refresh"');
    expect(await admin.post(page(held, 'backfill', id!, 'pause'), {})).toMatchObject({ status: 409 });

    // The held page comes back after the pause: the walk stops without committing it, and can be resumed.
    proxy.release();
    const resumed = await waitFor('the resume to be accepted', async () => {
      const response = await admin.post(page(held, 'backfill', id!, 'resume'), {});
      return response.status === 303 ? response : undefined;
    });
    expect(resumed.location).toBe(`${page(held, 'backfill')}?notice=backfill-resumed`);
    await waitFor('the resumed walk to ask for its first page again', async () => proxy.waiting === 1);
    expect(phaseOn((await admin.get(page(held, 'backfill'))).body, id!)).toBe('walking');

    const cancelled = await admin.post(page(held, 'backfill', id!, 'cancel'), {});
    expect(cancelled.location).toBe(`${page(held, 'backfill')}?notice=backfill-cancelled`);
    const after = await admin.get(cancelled.location!);
    expect(phaseOn(after.body, id!)).toBe('cancelled');
    expect(after.body).not.toContain(`action="${page(held, 'backfill', id!, 'resume')}"`);
    proxy.release();
    expect(await listBackfills(service.store, held)).toMatchObject([{ id, status: 'cancelled', pagesDone: 0, enqueued: 0 }]);
  });

  it('forgets a conversation from the syncs page after confirmation, keeping its deal when asked', async () => {
    const records = await listSyncRecords(service.store, { installationId: 'default' });
    const target = records.find((r) => r.crmObjects.transcript_note && r.crmObjects.deal);
    expect(target, 'a backfilled conversation with a note and a deal').toBeDefined();
    const key = { installationId: 'default', conversationId: target!.conversationId };
    const forgetPath = page('default', 'syncs', encodeURIComponent(key.conversationId), 'forget');

    expect((await (await signedIn([held])).get(forgetPath)).status).toBe(404);
    const admin = await signedIn(['default']);
    expect((await admin.get(page('default', 'syncs'))).body).toContain(`href="${forgetPath}"`);
    const confirm = await admin.get(forgetPath);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain("I understand this deletes the conversation's notes and its deal from HubSpot");

    const unconfirmed = await admin.post(forgetPath, { keepDeal: 'on' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toMatch(/data-field="confirm">Confirmation must be ticked/);
    expect((await admin.post(forgetPath, { keepDeal: 'on', confirm: 'on' }, { csrf: '' })).status).toBe(403);
    expect(await getSyncRecord(service.store, key)).toBeDefined();

    const forgotten = await admin.post(forgetPath, { keepDeal: 'on', confirm: 'on' });
    expect(forgotten.status).toBe(303);
    expect(forgotten.location).toBe(page('default', 'syncs', encodeURIComponent(key.conversationId), 'forgotten'));
    expect(await getSyncRecord(service.store, key)).toBeUndefined();
    expect(await getForgotten(service.store, key)).toMatchObject({ status: 'forgotten', dealPolicy: 'redact' });

    const summary = await admin.get(forgotten.location!);
    expect(summary.status).toBe(200);
    expect(summary.body).toContain('Deal: kept, with its description and connector fields cleared.');
    expect(summary.body).toMatch(/data-object="notes"><td>notes<\/td><td>\d+ deleted/);
    expect(summary.body).toMatch(/data-object="deals"><td>deals<\/td><td>1 redacted/);
    const notes = new Set(hubspot.state().objects.notes.map((n) => n.id));
    const written = target!.crmObjects.transcript_note!;
    for (const noteId of written.partIds ?? [written.id]) expect(notes.has(noteId), noteId).toBe(false);
    expect(hubspot.state().objects.deals.map((d) => d.id)).toContain(target!.crmObjects.deal!.id);

    expect((await admin.get(forgetPath)).status).toBe(404);
  });
});
