/**
 * Portals (HubSpot accounts): each has its own data, rate-limit windows, request stats, fault
 * rules and private-app token. The registry is what every route resolves a request against.
 */
import { FaultInjector } from './faults.ts';
import { PortalStore } from './portal-store.ts';
import { PortalRateLimiter, type RateLimits } from './rate-limiter.ts';
import { RequestStats } from './request-stats.ts';
import type { TokenVault } from './tokens.ts';

/** A HubSpot user of a portal; ids are HubSpot-wide, so one user may belong to several portals. */
export interface PortalUser {
  userId: number;
  email: string;
  superAdmin: boolean;
}

/** Every portal's first user: the super admin who signs in when the consent page names nobody else. */
export const SANDBOX_ADMIN: PortalUser = { userId: 1, email: 'sandbox-admin@example.com', superAdmin: true };

export interface Portal {
  portalId: number;
  privateAppToken: string;
  /** By user id; the first is SANDBOX_ADMIN. */
  users: Map<number, PortalUser>;
  store: PortalStore;
  limiter: PortalRateLimiter;
  stats: RequestStats;
  faults: FaultInjector;
}

export class PortalRegistry {
  readonly #portals = new Map<number, Portal>();
  readonly #tokens: TokenVault;
  readonly #limits: RateLimits;
  readonly #now: () => number;
  // Hub ids are plain numbers; start where they look like real ones.
  #nextPortalId = 20_000_001;
  #nextUserId = SANDBOX_ADMIN.userId + 1;

  constructor(options: { tokens: TokenVault; limits: RateLimits; now: () => number }) {
    this.#tokens = options.tokens;
    this.#limits = options.limits;
    this.#now = options.now;
  }

  create(): Portal {
    const portalId = this.#nextPortalId++;
    const portal: Portal = {
      portalId,
      privateAppToken: this.#tokens.issuePrivateAppToken(portalId),
      users: new Map([[SANDBOX_ADMIN.userId, SANDBOX_ADMIN]]),
      store: new PortalStore(portalId, this.#now),
      limiter: new PortalRateLimiter(this.#limits),
      stats: new RequestStats(),
      faults: new FaultInjector(),
    };
    this.#portals.set(portalId, portal);
    return portal;
  }

  /** Adds a user to the portal (a new HubSpot user id), as a super admin or not. */
  addUser(portalId: number, user: { email: string; superAdmin?: boolean }): PortalUser {
    const portal = this.get(portalId);
    const email = user.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`addUser: email must look like name@example.com, got ${JSON.stringify(user.email)}`);
    if ([...portal.users.values()].some((u) => u.email === email)) throw new Error(`addUser: portal ${portalId} already has a user ${email}`);
    const added: PortalUser = { userId: this.#nextUserId++, email, superAdmin: user.superAdmin ?? false };
    portal.users.set(added.userId, added);
    return added;
  }

  find(portalId: number): Portal | undefined {
    return this.#portals.get(portalId);
  }

  /** The portal, or an error naming the id that does not exist (for programmatic callers). */
  get(portalId: number): Portal {
    const portal = this.#portals.get(portalId);
    if (!portal) throw new Error(`HubSpot sandbox has no portal ${portalId}; existing: ${[...this.#portals.keys()].join(', ')}`);
    return portal;
  }

  all(): Portal[] {
    return [...this.#portals.values()];
  }
}
