/**
 * The rate limiters a worker process gives its CRM adapters. With DATABASE_URL, several worker
 * processes call the same CRM accounts, so the budget is shared through Postgres; the limiters get
 * a small pool of their own, so a reservation never waits behind the sync's queries. The embedded
 * store opens in one process only, where the in-process limiter already sees every call.
 */
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Queryable } from '../store/store.ts';
import { AccountRateLimiter, type BudgetOverrides, type RateLimiterRegistry } from './rate-limit.ts';
import { SharedBudgetLimiters } from './shared-budget.ts';

/** Reservations are one short statement each; calls waiting on one account share a reservation. */
const BUDGET_POOL_SIZE = 4;
const HUBSPOT_WINDOW_MS = 10_000;

export interface RateLimiters {
  registry: RateLimiterRegistry;
  /** Call after the worker stopped: calls still waiting for a permit are rejected. */
  close(): Promise<void>;
}

export function openRateLimiters(config: Pick<Config, 'databaseUrl' | 'hubspotRequestsPer10Seconds'>, logger: Logger): RateLimiters {
  const overrides = budgetOverrides(config);
  if (!config.databaseUrl) {
    const registry = new AccountRateLimiter({ overrides, logger });
    return { registry, close: async () => registry.close() };
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: BUDGET_POOL_SIZE, application_name: 'crm-connector-budget' });
  pool.on('error', (error) => logger.warn({ err: error }, 'rate budget: Postgres connection lost'));
  const db: Queryable = {
    async query<R extends object>(sql: string, params: readonly unknown[] = []) {
      return (await pool.query<R & pg.QueryResultRow>(sql, [...params])).rows;
    },
  };
  const registry = new SharedBudgetLimiters(db, { logger, overrides });
  return {
    registry,
    async close() {
      registry.close();
      await pool.end();
    },
  };
}

/** HUBSPOT_REQUESTS_PER_10_SECONDS replaces the HubSpot adapter's default 100-per-10-s bucket. */
export function budgetOverrides(config: Pick<Config, 'hubspotRequestsPer10Seconds'>): BudgetOverrides {
  const perTenSeconds = config.hubspotRequestsPer10Seconds;
  return perTenSeconds ? { hubspot: { default: { intervalCap: perTenSeconds, intervalMs: HUBSPOT_WINDOW_MS } } } : {};
}
