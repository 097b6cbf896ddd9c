import { describe, expect, it } from 'vitest';
import { PlatformArgumentError } from '../../src/platform/client-errors.ts';
import { listQuery, parseListParams } from '../../src/platform/list-params.ts';

/** The issues a call is refused with, or [] when accepted. */
function issuesOf(params: unknown): string[] {
  try {
    parseListParams(params);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformArgumentError);
    return (error as PlatformArgumentError).issues;
  }
}

describe('parseListParams', () => {
  it('accepts every filter, dates and date-times with a zone', () => {
    const params = {
      widget_id: 'wgt_abc123',
      since: '2026-04-01',
      until: '2026-04-10T12:00:00.250+02:00',
      outcome: 'completed',
      limit: 200,
      cursor: 'c_2',
    };
    expect(parseListParams(params)).toEqual(params);
    expect(parseListParams(undefined)).toEqual({});
    expect(parseListParams(null)).toEqual({});
    expect(parseListParams({ limit: 1 })).toEqual({ limit: 1 });
  });

  it.each([
    [{ limit: 201 }, 'limit must be between 1 and 200 (got 201)'],
    [{ limit: 0 }, 'limit must be between 1 and 200 (got 0)'],
    [{ limit: 2.5 }, 'limit must be between 1 and 200 (got 2.5)'],
    [{ limit: '50' }, 'limit must be a whole number (got "50")'],
    [{ outcome: 'won' }, 'outcome must be one of completed, abandoned, error (got "won")'],
    [{ widget_id: '' }, 'widget_id must not be empty'],
    [{ cursor: 7 }, 'cursor must be a string (got 7)'],
    [{ since: 'yesterday' }, 'since must be an ISO date (2026-04-01) or a date-time with a zone (2026-04-01T12:00:00Z) (got "yesterday")'],
    [{ until: '2026-04-01T12:00:00' }, 'until must be an ISO date (2026-04-01) or a date-time with a zone (2026-04-01T12:00:00Z) (got "2026-04-01T12:00:00")'],
    [{ since: '2026-02-30' }, 'since must be an ISO date (2026-04-01) or a date-time with a zone (2026-04-01T12:00:00Z) (got "2026-02-30")'],
    [{ limt: 10 }, 'unknown parameter "limt" (known: widget_id, since, until, outcome, limit, cursor)'],
  ])('refuses %j', (params, message) => {
    expect(issuesOf(params)).toEqual([message]);
  });

  it('refuses a non-object', () => {
    expect(issuesOf('widget_id=wgt_1')).toEqual(['must be an object of list parameters (got "widget_id=wgt_1")']);
  });

  it('refuses since at or after until, comparing dates as midnight UTC', () => {
    expect(issuesOf({ since: '2026-04-02', until: '2026-04-01' })).toEqual([
      'since must be before until, which is exclusive (got since 2026-04-02, until 2026-04-01)',
    ]);
    expect(issuesOf({ since: '2026-04-01', until: '2026-04-01T00:00:00Z' })).toHaveLength(1);
    expect(issuesOf({ since: '2026-04-01T01:00:00+02:00', until: '2026-04-01' })).toEqual([]);
    expect(issuesOf({ since: '2026-04-01', until: '2026-04-01T00:00:00.001Z' })).toEqual([]);
  });

  it('lists every problem at once, and names the call in the message', () => {
    try {
      parseListParams({ limit: 500, outcome: 'won' });
      expect.unreachable();
    } catch (error) {
      const e = error as PlatformArgumentError;
      expect(e.issues).toHaveLength(2);
      expect(e.message).toBe(
        'Invalid list parameters: outcome must be one of completed, abandoned, error (got "won"); limit must be between 1 and 200 (got 500)',
      );
    }
  });
});

describe('listQuery', () => {
  it('puts filters in a fixed order and leaves absent ones (limit included) out', () => {
    expect(listQuery({}).toString()).toBe('');
    expect(listQuery({ cursor: 'c', limit: 10, widget_id: 'w' }).toString()).toBe('widget_id=w&limit=10&cursor=c');
  });
});
