import { describe, expect, it } from 'vitest';
import { CrmError } from '../../src/crm/errors.ts';
import { PlatformApiError } from '../../src/platform/client-errors.ts';
import { PlatformDataError } from '../../src/platform/schemas.ts';
import { PermanentSyncError, classifyFailure } from '../../src/sync/failure.ts';

const platformError = (status: number, retryable: boolean) =>
  new PlatformApiError(`GET /api/v1/conversations/c failed: ${status}`, { method: 'GET', path: '/api/v1/conversations/c', status, retryable, attempts: 1 });

describe('classifyFailure', () => {
  it('follows the CRM error kind; auth is retried (the adapter refreshes, the admin reconnects)', () => {
    expect(classifyFailure(new CrmError('retryable', 'rate limited', { status: 429 })).retryable).toBe(true);
    expect(classifyFailure(new CrmError('auth', 'token expired', { status: 401 })).retryable).toBe(true);
    const permanent = classifyFailure(new CrmError('permanent', 'bad option', { code: 'INVALID_OPTION', origin: { file: 'm.yaml', line: 3, column: 5, path: 'x' } }));
    expect(permanent).toEqual({ retryable: false, message: 'CRM permanent error: INVALID_OPTION: bad option (value from m.yaml:3:5 x)' });
  });

  it('follows the platform client: 5xx retried, 404 not', () => {
    expect(classifyFailure(platformError(503, true)).retryable).toBe(true);
    expect(classifyFailure(platformError(404, false)).retryable).toBe(false);
  });

  it('never retries malformed data or what a dependency declared permanent; retries the unknown', () => {
    expect(classifyFailure(new PlatformDataError('conversation', ['id: required'])).retryable).toBe(false);
    expect(classifyFailure(new PermanentSyncError('mapping file invalid')).retryable).toBe(false);
    expect(classifyFailure(new Error('socket hang up'))).toEqual({ retryable: true, message: 'socket hang up' });
  });
});
