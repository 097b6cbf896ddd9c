/**
 * The admin_sessions repository on a real (embedded) store: the live window (absolute end, idle
 * cut-off), touching, deletion, ending every session of an installation, purging dead rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import {
  deleteAdminSession,
  endInstallationSessions,
  findLiveAdminSession,
  insertAdminSession,
  purgeAdminSessions,
  touchAdminSession,
  type AdminSessionRecord,
} from '../../src/store/admin-sessions.ts';
import { openEmbeddedStore } from '../../src/store/embedded-store.ts';
import { migrate } from '../../src/store/migrations.ts';
import type { Store } from '../../src/store/store.ts';

const T0 = Date.parse('2026-05-01T09:00:00Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
/** The window at `minutes` past T0 with a 60-minute idle limit. */
const windowAt = (minutes: number) => ({ now: at(minutes), idleSince: at(minutes - 60) });

let dir: string;
let store: Store;

const session = (installationIds: string[], overrides: Partial<AdminSessionRecord> = {}): AdminSessionRecord => ({
  installationIds,
  user: 'admin@example.com',
  userId: undefined,
  csrfToken: 'csrf-token-0123456789abcdef',
  createdAt: at(0),
  lastSeenAt: at(0),
  expiresAt: at(12 * 60),
  ...overrides,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-store-sessions-'));
  store = await openEmbeddedStore(dir, createLogger({ level: 'silent' }));
  await migrate(store);
});
beforeEach(() => store.query('DELETE FROM admin_sessions'));
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin_sessions', () => {
  it('round-trips a session, the user id optional', async () => {
    await insertAdminSession(store, 'h1', session(['inst_a', 'inst_b'], { userId: 'u-7' }));
    await insertAdminSession(store, 'h2', session(['inst_a']));
    expect(await findLiveAdminSession(store, 'h1', windowAt(1))).toEqual(session(['inst_a', 'inst_b'], { userId: 'u-7' }));
    expect((await findLiveAdminSession(store, 'h2', windowAt(1)))?.userId).toBeUndefined();
    expect(await findLiveAdminSession(store, 'nope', windowAt(1))).toBeUndefined();
  });

  it('is live until its absolute end and while seen within the idle limit; touching extends only the idle limit', async () => {
    await insertAdminSession(store, 'h', session(['inst_a']));
    expect(await findLiveAdminSession(store, 'h', windowAt(59))).toBeDefined();
    expect(await findLiveAdminSession(store, 'h', windowAt(60))).toBeUndefined();
    await touchAdminSession(store, 'h', at(50));
    expect(await findLiveAdminSession(store, 'h', windowAt(100))).toBeDefined();
    await touchAdminSession(store, 'h', at(20)); // an older clock never moves last_seen back
    expect((await findLiveAdminSession(store, 'h', windowAt(100)))?.lastSeenAt).toEqual(at(50));
    await touchAdminSession(store, 'h', at(12 * 60 - 1));
    expect(await findLiveAdminSession(store, 'h', windowAt(12 * 60 - 1))).toBeDefined();
    expect(await findLiveAdminSession(store, 'h', windowAt(12 * 60))).toBeUndefined();
  });

  it('deletes one session', async () => {
    await insertAdminSession(store, 'h', session(['inst_a']));
    expect(await deleteAdminSession(store, 'h')).toBe(true);
    expect(await deleteAdminSession(store, 'h')).toBe(false);
    expect(await findLiveAdminSession(store, 'h', windowAt(1))).toBeUndefined();
  });

  it('ends every session that manages an installation, and only those', async () => {
    await insertAdminSession(store, 'only-a', session(['inst_a']));
    await insertAdminSession(store, 'a-and-b', session(['inst_b', 'inst_a']));
    await insertAdminSession(store, 'only-b', session(['inst_b']));
    await insertAdminSession(store, 'prefix', session(['inst_ab']));
    expect(await endInstallationSessions(store, 'inst_a')).toBe(2);
    const left = await store.query<{ id_hash: string }>('SELECT id_hash FROM admin_sessions ORDER BY id_hash');
    expect(left.map((r) => r.id_hash)).toEqual(['only-b', 'prefix']);
  });

  it('purges expired and idle rows, keeping live ones', async () => {
    await insertAdminSession(store, 'expired', session(['inst_a'], { lastSeenAt: at(12 * 60 - 5), expiresAt: at(12 * 60) }));
    await insertAdminSession(store, 'idle', session(['inst_a'], { expiresAt: at(24 * 60) }));
    await insertAdminSession(store, 'live', session(['inst_a'], { lastSeenAt: at(12 * 60), expiresAt: at(24 * 60) }));
    expect(await purgeAdminSessions(store, windowAt(12 * 60))).toBe(2);
    const left = await store.query<{ id_hash: string }>('SELECT id_hash FROM admin_sessions');
    expect(left.map((r) => r.id_hash)).toEqual(['live']);
  });
});
