/**
 * OAuth states on a real (embedded) store: signed, expiring, single-use, bound to the browser
 * that started the flow, with the PKCE verifier sealed in the row and never in the state itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBrowserBinding, OAuthStates, OAuthStateError, STATE_TTL_SECONDS } from '../../src/auth/oauth-state.ts';
import { newPkcePair } from '../../src/auth/pkce.ts';
import { createLogger } from '../../src/log.ts';
import { openEmbeddedStore } from '../../src/store/embedded-store.ts';
import { migrate } from '../../src/store/migrations.ts';
import { SecretBox } from '../../src/store/secret-box.ts';
import type { Store } from '../../src/store/store.ts';

let dir: string;
let store: Store;
let clock = Date.parse('2026-05-01T09:00:00Z');
const box = new SecretBox([randomBytes(32).toString('base64')]);
let states: OAuthStates;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crm-connector-auth-state-'));
  store = await openEmbeddedStore(dir, createLogger({ level: 'silent' }));
  await migrate(store);
  states = new OAuthStates({ db: store, box, now: () => clock });
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const reasonOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OAuthStateError);
  return (error as OAuthStateError).reason;
};

describe('OAuth states', () => {
  it('round-trips the flow, the PKCE verifier sealed in the row and absent from the state', async () => {
    const browser = newBrowserBinding();
    const { verifier } = newPkcePair();
    const state = await states.create({ crm: 'salesforce', purpose: 'login', loginUrl: 'https://test.salesforce.com', codeVerifier: verifier, browser });
    expect(state).toMatch(/^v1\.salesforce\.[\w-]+\.[\w-]+$/);
    expect(state).not.toContain(verifier);
    const [row] = await store.query<{ code_verifier_sealed: string }>('SELECT code_verifier_sealed FROM oauth_states');
    expect(row?.code_verifier_sealed).not.toContain(verifier);
    expect(await states.consume(state, { crm: 'salesforce', browser })).toEqual({
      crm: 'salesforce',
      purpose: 'login',
      installationId: undefined,
      loginUrl: 'https://test.salesforce.com',
      codeVerifier: verifier,
    });
  });

  it('is single-use: of two concurrent consumers exactly one gets the flow', async () => {
    const browser = newBrowserBinding();
    const state = await states.create({ crm: 'hubspot', purpose: 'install', browser });
    const outcomes = await Promise.allSettled([states.consume(state, { crm: 'hubspot', browser }), states.consume(state, { crm: 'hubspot', browser })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await reasonOf(states.consume(state, { crm: 'hubspot', browser }))).toBe('unknown_or_used');
  });

  it('refuses a state whose id or signature was changed, before looking it up', async () => {
    const browser = newBrowserBinding();
    const state = await states.create({ crm: 'hubspot', purpose: 'install', browser });
    const [version, crm, id, signature] = state.split('.') as [string, string, string, string];
    expect(await reasonOf(states.consume(`${version}.${crm}.${id}x.${signature}`, { crm: 'hubspot', browser }))).toBe('tampered');
    expect(await reasonOf(states.consume(`${version}.${crm}.${id}.${signature.slice(1)}A`, { crm: 'hubspot', browser }))).toBe('tampered');
    expect(await reasonOf(states.consume(`${version}.salesforce.${id}.${signature}`, { crm: 'salesforce', browser }))).toBe('tampered');
    expect(await reasonOf(states.consume(undefined, { crm: 'hubspot', browser }))).toBe('malformed');
    // Untouched, it still works: the refusals above consumed nothing.
    expect((await states.consume(state, { crm: 'hubspot', browser })).purpose).toBe('install');
  });

  it('refuses a state at the other CRM\'s callback', async () => {
    const browser = newBrowserBinding();
    const state = await states.create({ crm: 'hubspot', purpose: 'install', browser });
    expect(await reasonOf(states.consume(state, { crm: 'salesforce', browser }))).toBe('wrong_crm');
  });

  it('expires after 10 minutes', async () => {
    const browser = newBrowserBinding();
    const state = await states.create({ crm: 'hubspot', purpose: 'install', browser });
    clock += STATE_TTL_SECONDS * 1000;
    expect(await reasonOf(states.consume(state, { crm: 'hubspot', browser }))).toBe('expired');
  });

  it('refuses a callback from a browser without the binding cookie, or with another one', async () => {
    const state = await states.create({ crm: 'hubspot', purpose: 'install', browser: newBrowserBinding() });
    expect(await reasonOf(states.consume(state, { crm: 'hubspot', browser: undefined }))).toBe('other_browser');
    const second = await states.create({ crm: 'hubspot', purpose: 'install', browser: newBrowserBinding() });
    expect(await reasonOf(states.consume(second, { crm: 'hubspot', browser: newBrowserBinding() }))).toBe('other_browser');
  });

  it('refuses states signed under another CONNECTOR_SECRET_KEY', async () => {
    const browser = newBrowserBinding();
    const other = new OAuthStates({ db: store, box: new SecretBox([randomBytes(32).toString('base64')]), now: () => clock });
    const state = await other.create({ crm: 'hubspot', purpose: 'install', browser });
    expect(await reasonOf(states.consume(state, { crm: 'hubspot', browser }))).toBe('tampered');
  });
});
