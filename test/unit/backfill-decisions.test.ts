import { describe, expect, it } from 'vitest';
import { countDecisions, decidePage, type PageFacts } from '../../src/backfill/page-decisions.ts';
import { BackfillParamsError, listParamsOf, parseBackfillParams } from '../../src/backfill/params.ts';
import { phaseOf } from '../../src/backfill/progress.ts';
import { progressLine } from '../../src/backfill/progress-display.ts';
import { RateMeter, etaSeconds, formatDuration } from '../../src/backfill/rate-meter.ts';
import type { Backfill } from '../../src/store/backfills.ts';

const facts = (overrides: Partial<PageFacts> = {}): PageFacts => ({
  forgotten: new Set(),
  boundWidgets: new Set(['wgt_a']),
  syncedVersions: new Map(),
  currentVersions: new Map([['wgt_a', 'v2']]),
  ...overrides,
});
const conv = (id: string, widget = 'wgt_a') => ({ id, widget_id: widget });

describe('which conversations of a page a backfill enqueues', () => {
  it('enqueues new, failed and partly synced conversations', () => {
    expect(decidePage([conv('c1'), conv('c2')], facts(), false)).toEqual([
      { conversationId: 'c1', widgetId: 'wgt_a', action: 'enqueue' },
      { conversationId: 'c2', widgetId: 'wgt_a', action: 'enqueue' },
    ]);
  });

  it('skips one synced with the mapping version a sync would use now, unless resync', () => {
    const synced = facts({ syncedVersions: new Map([['same', 'v2'], ['older', 'v1'], ['unknown', null]]) });
    const decisions = decidePage([conv('same'), conv('older'), conv('unknown')], synced, false);
    expect(decisions.map((d) => (d.action === 'skip' ? d.reason : d.action))).toEqual(['already_synced', 'enqueue', 'enqueue']);
    expect(decidePage([conv('same')], synced, true)[0]?.action).toBe('enqueue');
  });

  it('never enqueues a forgotten conversation, even with resync', () => {
    const decision = decidePage([conv('gone')], facts({ forgotten: new Set(['gone']) }), true)[0];
    expect(decision).toMatchObject({ action: 'skip', reason: 'forgotten' });
  });

  it('skips widgets without an enabled binding: their sync would only record "skipped"', () => {
    const decisions = decidePage([conv('c1', 'wgt_unbound')], facts(), false);
    expect(decisions[0]).toMatchObject({ action: 'skip', reason: 'not_bound' });
    expect(countDecisions([...decisions, ...decidePage([conv('c2')], facts(), false)])).toEqual({
      enqueue: 1,
      skipped: { forgotten: 0, not_bound: 1, already_synced: 0 },
    });
  });
});

describe('backfill parameters', () => {
  it('maps to the List conversations query, 200 per page by default', () => {
    const params = parseBackfillParams({ since: '2026-04-01', until: '2026-05-01T00:00:00Z', widgetId: 'wgt_a', outcome: 'completed' });
    expect(params).toMatchObject({ pageSize: 200, resync: false });
    expect(listParamsOf(params)).toEqual({ since: '2026-04-01', until: '2026-05-01T00:00:00Z', widget_id: 'wgt_a', outcome: 'completed', limit: 200 });
  });

  it('names every problem: a missing since, a bad outcome, a range that ends before it starts', () => {
    expect(() => parseBackfillParams({ outcome: 'won' })).toThrow(BackfillParamsError);
    expect(() => parseBackfillParams({ outcome: 'won' })).toThrow(/since is required.*outcome/);
    expect(() => parseBackfillParams({ since: '2026-05-01', until: '2026-04-01' })).toThrow(/since must be before until, which is exclusive/);
    expect(() => parseBackfillParams({ since: 'yesterday' })).toThrow(/since must be an ISO date/);
    expect(() => parseBackfillParams({ since: '2026-04-01', pageSize: 500 })).toThrow(/pageSize must be a whole number from 1 to 200/);
  });
});

describe('progress', () => {
  const backfill = (overrides: Partial<Backfill>): Backfill => ({
    id: 'bf_1',
    installationId: 'default',
    params: parseBackfillParams({ since: '2026-04-01' }),
    status: 'running',
    nextCursor: 'c',
    pagesDone: 3,
    seen: 600,
    enqueued: 580,
    skipped: { alreadySynced: 15, notBound: 5, forgotten: 0 },
    synced: 400,
    syncFailed: 2,
    syncSkipped: 0,
    startedBy: 'cli',
    leaseOwner: 'host:1:ab',
    leaseUntil: new Date('2026-04-10T12:01:00Z'),
    lastError: null,
    startedAt: new Date('2026-04-10T12:00:00Z'),
    updatedAt: new Date('2026-04-10T12:00:30Z'),
    finishedAt: null,
    ...overrides,
  });
  const now = new Date('2026-04-10T12:00:40Z');

  it('tells a live walk from one whose walker is gone, and syncing from complete', () => {
    expect(phaseOf(backfill({}), 0, now)).toBe('walking');
    expect(phaseOf(backfill({ leaseUntil: new Date('2026-04-10T12:00:10Z') }), 0, now)).toBe('interrupted');
    expect(phaseOf(backfill({ leaseUntil: null }), 0, now)).toBe('interrupted');
    expect(phaseOf(backfill({ status: 'done' }), 178, now)).toBe('syncing');
    expect(phaseOf(backfill({ status: 'done' }), 0, now)).toBe('complete');
    expect(phaseOf(backfill({ status: 'paused' }), 10, now)).toBe('paused');
  });

  it('prints a plain line with rate and ETA for logs', () => {
    const line = progressLine({ ...backfill({ status: 'done' }), phase: 'syncing', pending: 178, settled: 402 }, 4);
    expect(line).toBe('backfill bf_1 syncing: 3 pages, 600 seen, 580 enqueued, 20 skipped, 400 synced, 2 failed, 178 pending, 4.0/s, ETA 45s');
  });

  it('measures the rate over a sliding window', () => {
    const meter = new RateMeter(10_000);
    expect(meter.perSecond()).toBeUndefined();
    meter.add(0, 0);
    meter.add(100, 10_000);
    expect(meter.perSecond()).toBe(10);
    meter.add(100, 20_000); // stalled for the last window
    expect(meter.perSecond()).toBe(0);
    expect(etaSeconds(50, 0)).toBeUndefined();
    expect(etaSeconds(50, 4)).toBe(13);
    expect(etaSeconds(0, undefined)).toBe(0);
    expect([42, 185, 7_620].map(formatDuration)).toEqual(['42s', '3m 05s', '2h 07m']);
  });
});
