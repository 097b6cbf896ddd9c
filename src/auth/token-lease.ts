/**
 * Calls to a CRM's token endpoints (refresh, revoke) for an installation run holding its token
 * lease (src/store/token-lease.ts), never inside a database transaction: on the embedded store
 * (one connection) a transaction held across a slow CRM would stall every other tenant's webhooks.
 * A second caller, here or in another process, polls until the lease is free, then sees what the
 * holder wrote; a crashed holder's lease expires after `leaseSeconds`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { releaseTokenLease, takeTokenLease, writeUnderLease, type LeasedCredentials, type LeasedWrite } from '../store/token-lease.ts';

/** Longer than one OAuth call may take (15 s timeout in oauth-http.ts), so a live holder keeps it. */
export const TOKEN_LEASE_SECONDS = 60;
const POLL_MS = 100;

export interface TokenLeaseOptions {
  store: Store;
  box: SecretBox;
  leaseSeconds?: number;
}

export interface HeldTokenLease {
  /** The installation's credentials as they were when the lease was taken. */
  row: LeasedCredentials;
  /** Writes and ends the lease; false when the lease was lost meanwhile (nothing is written then). */
  write(update: LeasedWrite): Promise<boolean>;
}

export class TokenLeaseTimeoutError extends Error {
  constructor(installationId: string, seconds: number) {
    super(`installation ${installationId}: another process held the token lease for over ${seconds} s`);
    this.name = 'TokenLeaseTimeoutError';
  }
}

/** Runs `work` holding the installation's token lease; undefined when there is no such installation. */
export async function withTokenLease<T>(
  options: TokenLeaseOptions,
  installationId: string,
  work: (lease: HeldTokenLease) => Promise<T>,
): Promise<T | undefined> {
  const { store, box } = options;
  const seconds = options.leaseSeconds ?? TOKEN_LEASE_SECONDS;
  const owner = `${process.pid}:${randomUUID()}`;
  // A holder finishes or its lease expires within `seconds`; twice that means the store itself is stuck.
  const deadline = Date.now() + 2 * seconds * 1000;
  for (;;) {
    const attempt = await takeTokenLease(store, box, installationId, owner, seconds);
    if (attempt.kind === 'missing') return undefined;
    if (attempt.kind === 'taken') {
      try {
        return await work({ row: attempt.row, write: (update) => writeUnderLease(store, box, installationId, owner, update) });
      } finally {
        // A no-op after a write; otherwise the lease ends here rather than at its expiry.
        await releaseTokenLease(store, installationId, owner);
      }
    }
    if (Date.now() > deadline) throw new TokenLeaseTimeoutError(installationId, 2 * seconds);
    await sleep(POLL_MS);
  }
}
