/** The abuse-limit settings: TRUST_PROXY's forms, the timeouts' defaults and their one cross-check. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configIssuesOf } from '../support/config-issues.ts';

const issuesOf = (env: Record<string, string>) => configIssuesOf(env);

describe('abuse-limit settings', () => {
  it('defaults: no proxy trusted, node timeouts tightened, limits for one office behind one address', () => {
    expect(loadConfig({}, '/srv')).toMatchObject({
      trustProxy: false,
      httpTimeouts: { headersMs: 15_000, requestMs: 30_000, keepAliveMs: 5_000 },
      abuseLimits: { signInPer10Minutes: 60, webhooksPerMinute: 1200, oauthStateMaxPending: 10_000 },
    });
  });

  it('TRUST_PROXY takes a hop count or the proxies\' addresses, ranges and express range names', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }, '/srv').trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'off' }, '/srv').trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.10' }, '/srv').trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.10',
    ]);
  });

  it('TRUST_PROXY=true is refused: any client could then choose its address', () => {
    expect(issuesOf({ TRUST_PROXY: 'true' })).toEqual([expect.stringMatching(/^TRUST_PROXY: must not trust every proxy .*e\.g\. 1/)]);
  });

  it('TRUST_PROXY names what it cannot read', () => {
    expect(issuesOf({ TRUST_PROXY: 'loopback, proxy.internal, 10.0.0.0/99' })).toEqual([
      'TRUST_PROXY: "proxy.internal", "10.0.0.0/99" are not a number of proxies, or addresses / CIDR ranges / loopback / linklocal / uniquelocal separated by commas',
    ]);
  });

  it('refuses a headers timeout longer than the request timeout, and limits out of range', () => {
    expect(issuesOf({ HTTP_HEADERS_TIMEOUT_SECONDS: '40', HTTP_REQUEST_TIMEOUT_SECONDS: '30' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_SECONDS: must not be more than HTTP_REQUEST_TIMEOUT_SECONDS (30): the headers are part of the request',
    ]);
    expect(issuesOf({ WEBHOOK_RATE_LIMIT_PER_MINUTE: '0', OAUTH_STATE_MAX_PENDING: '5' })).toEqual([
      'WEBHOOK_RATE_LIMIT_PER_MINUTE: must be a whole number between 1 and 10000000',
      'OAUTH_STATE_MAX_PENDING: must be a whole number between 10 and 10000000',
    ]);
  });
});
