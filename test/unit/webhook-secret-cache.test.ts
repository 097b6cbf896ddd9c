/** The webhook route's in-process cache of installations' secrets, on a fake clock and a counting loader. */
import { describe, expect, it } from 'vitest';
import { WebhookSecretCache } from '../../src/ingest/webhook-secret-cache.ts';
import { webhookSecretsChanged } from '../../src/store/webhook-secret-changes.ts';

function setup(options: { maxEntries?: number } = {}) {
  let clock = 1_000_000;
  const stored = new Map<string, string[]>([['inst_a', ['whsec_a1']]]);
  const loads: string[] = [];
  let gate: Promise<void> | undefined;
  const cache = new WebhookSecretCache({
    load: async (id) => {
      loads.push(id);
      // Read, then (when held) slow to answer: what a query that ran before a change returns.
      const secrets = stored.get(id);
      await gate;
      return secrets;
    },
    ttlMs: 30_000,
    unknownTtlMs: 10_000,
    refreshAfterFailureMs: 5_000,
    now: () => clock,
    ...options,
  });
  return {
    cache,
    stored,
    loads,
    advance: (ms: number) => (clock += ms),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('WebhookSecretCache', () => {
  it('loads once for concurrent misses and reuses the secrets until the TTL', async () => {
    const { cache, loads, advance } = setup();
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get('inst_a')));
    expect(results.every((r) => r?.[0] === 'whsec_a1')).toBe(true);
    expect(loads).toEqual(['inst_a']);
    advance(29_000);
    await cache.get('inst_a');
    expect(loads).toHaveLength(1);
    advance(2_000);
    await cache.get('inst_a');
    expect(loads).toHaveLength(2);
  });

  it('remembers an unknown id for its own, shorter TTL', async () => {
    const { cache, loads, advance, stored } = setup();
    expect(await cache.get('inst_new')).toBeUndefined();
    expect(await cache.get('inst_new')).toBeUndefined();
    expect(loads).toEqual(['inst_new']);
    stored.set('inst_new', ['whsec_n']);
    advance(10_000);
    expect(await cache.get('inst_new')).toEqual(['whsec_n']);
  });

  it('after a failed signature reloads at most once per interval, and offers only secrets it has not tried', async () => {
    const { cache, loads, advance, stored } = setup();
    const tried = (await cache.get('inst_a'))!;
    expect(await cache.refreshAfterFailure('inst_a', tried)).toBeUndefined();
    expect(loads).toHaveLength(1);
    advance(5_000);
    // Another process rotated the secret: the next failure finds it.
    stored.set('inst_a', ['whsec_a2', 'whsec_a1']);
    expect(await cache.refreshAfterFailure('inst_a', tried)).toEqual(['whsec_a2', 'whsec_a1']);
    expect(await cache.get('inst_a')).toEqual(['whsec_a2', 'whsec_a1']);
    for (let i = 0; i < 100; i++) await cache.refreshAfterFailure('inst_a', ['whsec_a2', 'whsec_a1']);
    expect(loads).toHaveLength(2);
  });

  it('drops an installation on this process\'s change notice, even one that arrives while it is loading', async () => {
    const { cache, loads, stored, hold } = setup();
    await cache.get('inst_a');
    stored.set('inst_a', ['whsec_a3']);
    webhookSecretsChanged('inst_a');
    expect(await cache.get('inst_a')).toEqual(['whsec_a3']);
    expect(loads).toHaveLength(2);

    const release = hold();
    webhookSecretsChanged('inst_a');
    const stale = cache.get('inst_a');
    stored.set('inst_a', ['whsec_a4']);
    webhookSecretsChanged('inst_a');
    release();
    expect(await stale).toEqual(['whsec_a3']);
    // The load that began before the change is not kept.
    expect(await cache.get('inst_a')).toEqual(['whsec_a4']);
    cache.close();
  });

  it('keeps a bounded number of entries, made-up ids apart from real ones', async () => {
    const { cache, loads } = setup({ maxEntries: 10 });
    await cache.get('inst_a');
    for (let i = 0; i < 100; i++) await cache.get(`inst_fake_${i}`);
    await cache.get('inst_a');
    expect(loads.filter((id) => id === 'inst_a')).toHaveLength(1);
    // The oldest made-up ids were evicted: asking again loads again.
    await cache.get('inst_fake_0');
    expect(loads.filter((id) => id === 'inst_fake_0')).toHaveLength(2);
  });
});
