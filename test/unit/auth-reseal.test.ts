/** Secret key rotation, end of procedure: after `resealSecrets` the old key can go. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealSecrets } from '../../src/auth/reseal.ts';
import { createLogger } from '../../src/log.ts';
import { openEmbeddedStore } from '../../src/store/embedded-store.ts';
import { getInstallation, saveCrmConnection, upsertInstallation } from '../../src/store/installations.ts';
import { migrate } from '../../src/store/migrations.ts';
import { SecretBox, SecretBoxError } from '../../src/store/secret-box.ts';
import type { Store } from '../../src/store/store.ts';

const newKey = () => randomBytes(32).toString('base64');
let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-reseal-'));
  store = await openEmbeddedStore(dir, createLogger({ level: 'silent' }));
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('resealSecrets', () => {
  it('re-encrypts every installation secret with the new key, so the old key can be dropped', async () => {
    const oldKey = newKey();
    const before = new SecretBox([oldKey]);
    const full = await upsertInstallation(store, before, {
      name: 'env-configured',
      crm: 'hubspot',
      crmSettings: {},
      crmCredentials: { accessToken: 'pat-1' },
      platform: { apiUrl: 'https://api.platform.example', apiKey: 'platform-key', webhookSecrets: ['whsec_dGVzdA=='] },
    });
    const { installation: oauthOnly } = await store.transaction((tx) =>
      saveCrmConnection(tx, before, { name: 'hubspot:1', crm: 'hubspot', crmAccountId: '1', crmSettings: {}, crmCredentials: { refreshToken: 'r' } }, () => 'whsec_b3RoZXI='),
    );

    const fresh = newKey();
    const rotated = new SecretBox([fresh, oldKey]);
    expect(await resealSecrets(store, rotated)).toEqual({ installations: 2, resealedValues: 5, keyId: rotated.keyId });
    expect((await resealSecrets(store, rotated)).resealedValues).toBe(0);

    const onlyNew = new SecretBox([fresh]);
    expect(await getInstallation(store, onlyNew, full.id)).toMatchObject({
      crmCredentials: { accessToken: 'pat-1' },
      platform: { apiKey: 'platform-key', webhookSecrets: ['whsec_dGVzdA=='] },
    });
    expect(await getInstallation(store, onlyNew, oauthOnly.id)).toMatchObject({ crmCredentials: { refreshToken: 'r' }, platform: { apiKey: null } });
    await expect(getInstallation(store, before, full.id)).rejects.toThrow(SecretBoxError);
  });
});
