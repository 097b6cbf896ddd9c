/** Counters of what an org was asked: calls per API family, and calls refused before they ran. */

export type ApiFamily = 'sobjects' | 'describe' | 'query' | 'composite' | 'collections' | 'limits' | 'tooling' | 'other';

export interface RequestStatsSnapshot {
  calls: number;
  byFamily: Record<ApiFamily, number>;
  refused: { invalidSession: number; limitExceeded: number; injectedFaults: number };
  compositeSubrequests: number;
  collectionRecords: number;
}

export class RequestStats {
  #calls = 0;
  #byFamily: Record<ApiFamily, number> = { sobjects: 0, describe: 0, query: 0, composite: 0, collections: 0, limits: 0, tooling: 0, other: 0 };
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

const DESCRIBE_PATH = /^\/sobjects\/[^/]+\/describe\/?$/;

/** A composite made of describes only is counted as describing (what a connector does once per org). */
function describesOnly(rawBody: unknown): boolean {
  if (!Buffer.isBuffer(rawBody)) return false;
  try {
    const { compositeRequest } = JSON.parse(rawBody.toString('utf8')) as { compositeRequest?: { url?: unknown }[] };
    return Array.isArray(compositeRequest) && compositeRequest.length > 0 &&
      compositeRequest.every((r) => typeof r?.url === 'string' && DESCRIBE_PATH.test(r.url.replace(/^\/services\/data\/v[\d.]+/, '')));
  } catch {
    return false;
  }
}

/** The family a version-relative REST path (and, for a composite, its raw body) belongs to, for the counters. */
export function apiFamily(path: string, rawBody?: unknown): ApiFamily {
  if (DESCRIBE_PATH.test(path) || path === '/sobjects' || path === '/sobjects/') return 'describe';
  if (path.startsWith('/composite/sobjects')) return 'collections';
  if (path.startsWith('/composite')) return describesOnly(rawBody) ? 'describe' : 'composite';
  if (path.startsWith('/sobjects/')) return 'sobjects';
  if (path.startsWith('/query')) return 'query';
  if (path.startsWith('/limits')) return 'limits';
  if (path.startsWith('/tooling/')) return 'tooling';
  return 'other';
}
