/** Counters of what an org was asked: calls per API family, and calls refused before they ran. */

export type ApiFamily = 'sobjects' | 'describe' | 'query' | 'composite' | 'collections' | 'limits' | 'other';

export interface RequestStatsSnapshot {
  calls: number;
  byFamily: Record<ApiFamily, number>;
  refused: { invalidSession: number; limitExceeded: number; injectedFaults: number };
  compositeSubrequests: number;
  collectionRecords: number;
}

export class RequestStats {
  #calls = 0;
  #byFamily: Record<ApiFamily, number> = { sobjects: 0, describe: 0, query: 0, composite: 0, collections: 0, limits: 0, other: 0 };
  #refused = { invalidSession: 0, limitExceeded: 0, injectedFaults: 0 };
  #compositeSubrequests = 0;
  #collectionRecords = 0;

  call(family: ApiFamily): void {
    this.#calls++;
    this.#byFamily[family]++;
  }

  refused(reason: keyof RequestStatsSnapshot['refused']): void {
    this.#refused[reason]++;
  }

  compositeSubrequests(n: number): void {
    this.#compositeSubrequests += n;
  }

  collectionRecords(n: number): void {
    this.#collectionRecords += n;
  }

  snapshot(): RequestStatsSnapshot {
    return {
      calls: this.#calls,
      byFamily: { ...this.#byFamily },
      refused: { ...this.#refused },
      compositeSubrequests: this.#compositeSubrequests,
      collectionRecords: this.#collectionRecords,
    };
  }
}

/** The family a version-relative REST path belongs to, for the counters. */
export function apiFamily(path: string): ApiFamily {
  if (/^\/sobjects\/[^/]+\/describe\/?$/.test(path) || path === '/sobjects' || path === '/sobjects/') return 'describe';
  if (path.startsWith('/composite/sobjects')) return 'collections';
  if (path.startsWith('/composite')) return 'composite';
  if (path.startsWith('/sobjects/')) return 'sobjects';
  if (path.startsWith('/query')) return 'query';
  if (path.startsWith('/limits')) return 'limits';
  return 'other';
}
