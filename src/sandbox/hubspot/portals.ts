/**
 * Portals (HubSpot accounts): each has its own data, rate-limit windows, request stats, fault
 * rules and private-app token. The registry is what every route resolves a request against.
 */
import { FaultInjector } from './faults.ts';
import { PortalStore } from './portal-store.ts';
import { PortalRateLimiter, type RateLimits } from './rate-limiter.ts';
import { RequestStats } from './request-stats.ts';
import type { TokenVault } from './tokens.ts';

export interface Portal {
  portalId: number;
  privateAppToken: string;
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
      store: new PortalStore(portalId, this.#now),
      limiter: new PortalRateLimiter(this.#limits),
      stats: new RequestStats(),
      faults: new FaultInjector(),
    };
    this.#portals.set(portalId, portal);
    return portal;
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
