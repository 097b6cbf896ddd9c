/**
 * Attack: a tenant's admin (or anyone who took over their session) changes the platform API URL to
 * a server they control and leaves the key field blank, so the connector sends the stored key
 * there. The key must only ever go to the address it was entered for: the form refuses, the store
 * refuses, and the capture server never sees an Authorization header carrying it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInstallation, PlatformKeyRequiredError, updatePlatformSettings } from '../../src/store/installations.ts';
import { PUBLIC_ADDRESS, RecordingServer, startOutboundScene, type OutboundScene } from './outbound-support.ts';

const ORIGINAL_KEY = 'sk_original_key_123';
const NEW_KEY = 'sk_reentered_key_456';

let scene: OutboundScene;
let platform: RecordingServer;
let capture: RecordingServer;

beforeAll(async () => {
  const emptyList = (_req: unknown, res: import('node:http').ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [], next_cursor: null }));
  platform = await new RecordingServer(emptyList).listen(PUBLIC_ADDRESS);
  capture = await new RecordingServer(emptyList).listen(PUBLIC_ADDRESS);
  scene = await startOutboundScene();
});

afterAll(async () => {
  await scene?.close();
  await platform?.close();
  await capture?.close();
});

const settingsPath = () => `/admin/installations/${scene.installation.id}/settings`;
const platformUrl = () => `http://public.test:${platform.port}`;
const captureUrl = () => `http://public.test:${capture.port}`;
const stored = async () => (await getInstallation(scene.service.store, scene.service.box, scene.installation.id))?.platform;
const keysSeenBy = (server: RecordingServer) => server.requests.map((r) => r.authorization);

async function save(apiUrl: string, apiKey: string) {
  await scene.admin.get(settingsPath());
  return scene.admin.post(`${settingsPath()}/platform`, { apiUrl, apiKey });
}

describe('the stored platform key is not sent to a changed URL', () => {
  beforeAll(async () => {
    expect((await save(platformUrl(), ORIGINAL_KEY)).status).toBe(303);
    expect(keysSeenBy(platform)).toEqual([`Bearer ${ORIGINAL_KEY}`]);
  });

  it('the form refuses a new URL with the key left blank, and nothing reaches the new host', async () => {
    const page = await save(captureUrl(), '');
    expect(page.status).toBe(400);
    expect(page.body).toContain('enter the API key again: the stored key is only sent to the address it was entered for');
    expect((await stored())?.apiUrl).toBe(platformUrl());
    expect(capture.connections).toBe(0);
    expect(capture.requests).toEqual([]);
  });

  it('the store refuses it too, whoever calls it', async () => {
    await expect(updatePlatformSettings(scene.service.store, scene.service.box, scene.installation.id, { apiUrl: captureUrl() })).rejects.toBeInstanceOf(
      PlatformKeyRequiredError,
    );
    expect(await stored()).toMatchObject({ apiUrl: platformUrl(), apiKey: ORIGINAL_KEY });
    expect(capture.requests).toEqual([]);
  });

  it('the same address written differently (host case, trailing slash) keeps the stored key', async () => {
    const page = await save(`HTTP://PUBLIC.TEST:${platform.port}/`, '');
    expect(page.status).toBe(303);
    expect((await stored())?.apiKey).toBe(ORIGINAL_KEY);
    expect(keysSeenBy(platform).at(-1)).toBe(`Bearer ${ORIGINAL_KEY}`);
  });

  it('with the key entered again, the new host gets that key and never the old one', async () => {
    const page = await save(captureUrl(), NEW_KEY);
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/notice=settings-saved$/);
    expect(await stored()).toMatchObject({ apiUrl: captureUrl(), apiKey: NEW_KEY });
    expect(keysSeenBy(capture)).toEqual([`Bearer ${NEW_KEY}`]);
    expect(capture.requests.every((r) => !r.authorization?.includes(ORIGINAL_KEY))).toBe(true);
  });
});
