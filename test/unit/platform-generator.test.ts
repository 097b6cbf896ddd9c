import { describe, expect, it } from 'vitest';
import { Conversation, parsePlatform } from '../../src/platform/schemas.ts';
import { WIDGETS } from '../../src/sandbox/platform/catalog/widgets.ts';
import { ConversationGenerator, LONG_TRANSCRIPT_EVERY } from '../../src/sandbox/platform/generator.ts';

const NOW = new Date('2026-04-20T12:00:00Z');
const transcriptChars = (c: Conversation): number => c.transcript.reduce((sum, t) => sum + t.text.length, 0);
const share = (cs: Conversation[], outcome: string): number => cs.filter((c) => c.outcome === outcome).length / cs.length;

describe('ConversationGenerator', () => {
  // One large batch shared by the variety checks: 400 conversations of seed 7.
  const batch = new ConversationGenerator(7).history(400, { now: NOW });
  const completed = batch.filter((c) => c.outcome === 'completed');
  const extracted = (key: string) => completed.map((c) => c.extracted_data[key]).filter((v) => v !== undefined);

  it('is deterministic per seed: same seed and now give identical conversations, call after call', () => {
    const a = new ConversationGenerator(42);
    const b = new ConversationGenerator(42);
    expect(a.history(60, { now: NOW })).toEqual(b.history(60, { now: NOW }));
    const at = new Date('2026-04-20T12:00:00.250Z');
    expect(a.endingAt(5, { at, spreadMs: 300 })).toEqual(b.endingAt(5, { at, spreadMs: 300 }));
    const other = new ConversationGenerator(43).history(60, { now: NOW });
    expect(other.map((c) => c.id)).not.toEqual(new ConversationGenerator(42).history(60, { now: NOW }).map((c) => c.id));
  });

  it('produces conversations the shared schema accepts, with consistent timestamps', () => {
    for (const c of batch) {
      const parsed = parsePlatform(Conversation, c, `conversation ${c.id}`);
      const started = Date.parse(parsed.started_at);
      const ended = Date.parse(parsed.ended_at);
      expect(ended).toBeLessThanOrEqual(NOW.getTime());
      expect(parsed.duration_seconds).toBe((ended - started) / 1000);
      const times = [...parsed.transcript, ...parsed.tool_calls].map((t) => Date.parse(t.ts));
      expect(Math.min(...times)).toBeGreaterThan(started);
      expect(Math.max(...times)).toBeLessThanOrEqual(ended);
      expect(parsed.transcript.map((t) => t.ts)).toEqual([...parsed.transcript.map((t) => t.ts)].sort());
    }
    expect(new Set(batch.map((c) => c.id)).size).toBe(batch.length);
    const spanDays = (Date.parse(batch.at(-1)!.ended_at) - Date.parse(batch[0]!.ended_at)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(21);
  });

  it('makes conversations that end within the spread before `at`', () => {
    const at = new Date('2026-04-20T12:00:00.500Z');
    const ending = new ConversationGenerator(3).endingAt(20, { at, spreadMs: 400 });
    for (const c of ending) {
      expect(Date.parse(c.ended_at)).toBeLessThanOrEqual(at.getTime());
      expect(Date.parse(c.ended_at)).toBeGreaterThanOrEqual(at.getTime() - 400);
    }
    expect(new ConversationGenerator(3).endingAt(4, { at, spreadMs: 0, widgetId: 'wgt_bsd42k', outcome: 'error' }).map((c) => [c.widget_id, c.outcome]))
      .toEqual(Array(4).fill(['wgt_bsd42k', 'error']));
    expect(() => new ConversationGenerator(3).conversation({ endedAtMs: at.getTime(), widgetId: 'wgt_nope' })).toThrow(/unknown widget "wgt_nope"/);
  });

  it('has outcomes in realistic shares (~70% completed, 22% abandoned, 8% error)', () => {
    const many = new ConversationGenerator(11).history(2000, { now: NOW });
    expect(share(many, 'completed')).toBeGreaterThan(0.65);
    expect(share(many, 'completed')).toBeLessThan(0.76);
    expect(share(many, 'abandoned')).toBeGreaterThan(0.17);
    expect(share(many, 'abandoned')).toBeLessThan(0.27);
    expect(share(many, 'error')).toBeGreaterThan(0.05);
    expect(share(many, 'error')).toBeLessThan(0.11);
  });

  it(`puts a transcript over 70,000 characters in every batch of ${LONG_TRANSCRIPT_EVERY}, whatever the offset`, () => {
    for (const seed of [1, 2, 3]) {
      const generator = new ConversationGenerator(seed);
      generator.history(seed * 13, { now: NOW }); // shift the batch boundaries
      for (let i = 0; i < 3; i++) {
        const chunk = generator.history(LONG_TRANSCRIPT_EVERY, { now: NOW });
        expect(Math.max(...chunk.map(transcriptChars))).toBeGreaterThan(70_000);
      }
    }
    const lengths = batch.map((c) => c.transcript.length);
    expect(Math.min(...lengths)).toBeLessThanOrEqual(4);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(25);
  });

  it('covers several businesses and widgets, with tool calls', () => {
    expect(new Set(batch.map((c) => c.widget_id))).toEqual(new Set(WIDGETS.map((w) => w.widgetId)));
    const businesses = new Set(WIDGETS.map((w) => w.business));
    expect(businesses).toEqual(new Set(['Northwind Catering', 'Bright Smile Dental', 'Ledgerly', 'Rapid Rooter Plumbing']));
    expect(batch.filter((c) => c.tool_calls.length > 0).length).toBeGreaterThan(batch.length / 3);
    expect(new Set(batch.flatMap((c) => c.tool_calls.map((t) => t.name))).size).toBeGreaterThanOrEqual(6);
  });

  it('names visitors with unicode and single names, and leaves some without email or with a phone only', () => {
    const names = new Set(extracted('name'));
    for (const name of ['José Ñúñez', '王小明', 'Zoë Ødegård', 'Madonna']) expect(names).toContain(name);
    expect(completed.some((c) => c.extracted_data.email === undefined)).toBe(true);
    expect(completed.some((c) => c.extracted_data.phone !== undefined && c.extracted_data.email === undefined)).toBe(true);
    expect(completed.some((c) => c.extracted_data.name === undefined && c.extracted_data.email === undefined && c.extracted_data.phone === undefined)).toBe(true);
  });

  it('has returning visitors: the same email in several conversations, sometimes capitalised differently', () => {
    const byEmail = new Map<string, string[]>();
    for (const email of extracted('email') as string[]) byEmail.set(email.toLowerCase(), [...(byEmail.get(email.toLowerCase()) ?? []), email]);
    const returning = [...byEmail.values()].filter((uses) => uses.length >= 3);
    expect(returning.length).toBeGreaterThanOrEqual(3);
    expect(returning.some((uses) => new Set(uses).size > 1)).toBe(true);
  });

  it('fills the extraction fields and passes and fails every criterion', () => {
    for (const key of ['name', 'email', 'phone', 'company', 'intent', 'event_date', 'guest_count', 'budget', 'notes']) {
      expect(extracted(key).length, key).toBeGreaterThan(0);
    }
    expect(extracted('budget').some((b) => typeof b === 'number')).toBe(true);
    for (const criterion of ['collected_contact_info', 'answered_visitor_question', 'qualified_lead', 'booked_appointment']) {
      const results = completed.flatMap((c) => c.criteria_results[criterion] ?? []);
      expect(results.some((r) => r.passed), `${criterion} passed`).toBe(true);
      expect(results.some((r) => !r.passed), `${criterion} failed`).toBe(true);
      expect(results.every((r) => r.reasoning.length > 10)).toBe(true);
    }
    expect(completed.every((c) => Object.keys(c.extracted_data).length > 0 && Object.keys(c.criteria_results).length >= 3)).toBe(true);
  });

  it('gives abandoned and failed conversations partial or no extraction', () => {
    const unfinished = batch.filter((c) => c.outcome !== 'completed');
    expect(unfinished.some((c) => Object.keys(c.extracted_data).length === 0 && Object.keys(c.criteria_results).length === 0)).toBe(true);
    const partial = unfinished.filter((c) => Object.keys(c.extracted_data).length > 0);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.some((c) => c.criteria_results.qualified_lead === undefined && c.criteria_results.booked_appointment === undefined)).toBe(true);
    const failed = batch.filter((c) => c.outcome === 'error');
    expect(failed.some((c) => c.tool_calls.some((t) => JSON.stringify(t.result).includes('error')))).toBe(true);
  });
});
