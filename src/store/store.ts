/**
 * The connector's store: one Postgres SQL dialect over two backends, PGlite in a data directory
 * (the default, nothing to install) or a Postgres server when DATABASE_URL is set. Repositories
 * take a `Queryable`, so the same function runs on the store or inside a transaction, and a
 * transaction hands pg-boss its connection (`queueDb`) so a job is enqueued atomically with rows.
 */
import type { ConstructorOptions, Db } from 'pg-boss';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Transaction extends Queryable {
  /** Runs a script of several statements, without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Pass as pg-boss's `db` option: what it writes commits or rolls back with this transaction. */
  readonly queueDb: Db;
}

export type StoreKind = 'embedded' | 'postgres';

export interface Store extends Queryable {
  readonly kind: StoreKind;
  /** Where the data lives, for logs; never credentials. */
  readonly location: string;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** How pg-boss connects to this store. */
  queueConnection(): Pick<ConstructorOptions, 'db' | 'backend' | 'connectionString' | 'max' | 'application_name'>;
  close(): Promise<void>;
}

export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger: Logger): Promise<Store> {
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('./postgres-store.ts');
    return openPostgresStore(config.databaseUrl, logger);
  }
  const { openEmbeddedStore } = await import('./embedded-store.ts');
  return openEmbeddedStore(config.dataDir, logger);
}

/** Where a Postgres URL points, without user or password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}
