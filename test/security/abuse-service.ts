/**
 * The service as a marketplace deployment runs it (an OAuth app configured, so multi-tenant), on
 * a fresh store, role `web`, for the abuse tests; and a counter of the store's queries, wrapped
 * around the running service's store so every query a route makes is seen.
 */
import { startService, type RunningService } from '../../src/server.ts';
import type { Store } from '../../src/store/store.ts';
import { storeBackends, type StoreEnvironment } from '../support/store.ts';
import { testConfig } from '../support/sync-harness.ts';

export interface AbuseService {
  service: RunningService;
  close(): Promise<void>;
}

export const backends = storeBackends();

export async function startMultiTenant(backend: (typeof backends)[number], env: Record<string, string> = {}): Promise<AbuseService> {
  const environment: StoreEnvironment = await backend.create();
  try {
    const config = testConfig({
      ...environment.env,
      PUBLIC_URL: 'http://connector.test',
      HUBSPOT_CLIENT_ID: 'hs-client-id',
      HUBSPOT_CLIENT_SECRET: 'hs-client-secret',
      HUBSPOT_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth/authorize',
      ALLOW_PRIVATE_NETWORK_URLS: 'true',
      METRICS_TOKEN: 'metrics-test-token',
      ...env,
    });
    if (!config.multiTenant) throw new Error('expected a multi-tenant configuration');
    const service = await startService({ config, role: 'web' });
    return {
      service,
      async close() {
        await service.close();
        await environment.dispose();
      },
    };
  } catch (error) {
    await environment.dispose();
    throw error;
  }
}

/** Counts the store's queries and transactions from now on (the routes hold this same store object). */
export function countQueries(store: Store): { readonly count: number; readonly statements: string[]; restore(): void } {
  const { query, transaction } = store;
  const statements: string[] = [];
  const counted = store as { -readonly [K in keyof Store]: Store[K] };
  counted.query = <R extends object>(sql: string, params?: readonly unknown[]) => {
    statements.push(sql);
    return query.call<Store, [string, (readonly unknown[])?], Promise<R[]>>(store, sql, params);
  };
  counted.transaction = <T>(fn: Parameters<Store['transaction']>[0]) => {
    statements.push('(transaction)');
    return transaction.call(store, fn) as Promise<T>;
  };
  return {
    get count() {
      return statements.length;
    },
    statements,
    restore() {
      counted.query = query;
      counted.transaction = transaction;
    },
  };
}

/** Runs `count` requests, `concurrency` at a time; resolves with each one's result, in order. */
export async function flood<T>(count: number, concurrency: number, request: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await request(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

export const tally = (statuses: readonly number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
