import { describe, expect, it } from 'vitest';
import { Conversation, PlatformDataError, extractionPending, parsePlatform } from '../../src/platform/schemas.ts';

const seed = {
  id: 'conv_xyz789',
  widget_id: 'wgt_abc123',
  started_at: '2026-04-10T12:34:00Z',
  ended_at: '2026-04-10T12:36:07Z',
  duration_seconds: 127,
  credits_charged: 127,
  page_url: 'https://northwindcatering.example/catering',
  outcome: 'completed',
  visitor: { ip_country: 'US', ip_region: 'CA', user_agent: 'Mozilla/5.0...' },
  transcript: [
    { role: 'agent', text: "Hi! I'm Sam...", ts: '2026-04-10T12:34:01Z' },
    { role: 'user', text: 'Do you cater vegan?', ts: '2026-04-10T12:34:08Z' },
  ],
  tool_calls: [
    { name: 'search_site', args: { query: 'vegan catering' }, result: 'Yes — our grilled veggie platter is fully vegan...', ts: '2026-04-10T12:34:10Z' },
  ],
  extracted_data: { intent: 'catering_inquiry', event_date: '2026-06-15', guest_count: 50 },
  criteria_results: {
    answered_visitor_question: { passed: true, reasoning: '...' },
    collected_contact_info: { passed: false, reasoning: '...' },
  },
};

describe('Conversation schema', () => {
  it('parses the seed page example', () => {
    const c = parsePlatform(Conversation, seed, 'conversation');
    expect(c.extracted_data.guest_count).toBe(50);
    expect(c.criteria_results.collected_contact_info?.passed).toBe(false);
    expect(extractionPending(c)).toBe(false);
  });

  it('keeps unknown extra fields instead of failing', () => {
    const c = parsePlatform(Conversation, { ...seed, sentiment: 'positive', visitor: { ...seed.visitor, city: 'SF' } }, 'conversation');
    expect((c as Record<string, unknown>).sentiment).toBe('positive');
    expect((c.visitor as Record<string, unknown>).city).toBe('SF');
  });

  it('names every missing required field', () => {
    const { widget_id: _w, outcome: _o, ...broken } = seed;
    try {
      parsePlatform(Conversation, broken, 'conversation conv_xyz789');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlatformDataError);
      const err = e as PlatformDataError;
      expect(err.issues.some((i) => i.startsWith('widget_id:'))).toBe(true);
      expect(err.issues.some((i) => i.startsWith('outcome:'))).toBe(true);
      expect(err.message).toContain('conversation conv_xyz789 is not valid');
    }
  });

  it('treats null or absent extraction as pending for completed conversations', () => {
    const c = parsePlatform(Conversation, { ...seed, extracted_data: null, criteria_results: undefined }, 'c');
    expect(c.extracted_data).toEqual({});
    expect(extractionPending(c)).toBe(true);
    expect(extractionPending({ ...c, outcome: 'abandoned' })).toBe(false);
  });
});
