/** The Postgres-server store (DATABASE_URL): a `pg` pool; pg-boss keeps its own pool on the same database. */
import pg from 'pg';
import type { Logger } from '../log.ts';
import { describePostgresUrl, type Store, type Transaction } from './store.ts';

const POOL_SIZE = 10;

export async function openPostgresStore(databaseUrl: string, logger: Logger): Promise<Store> {
  const location = describePostgresUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE, application_name: 'crm-connector' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: error, location }, 'Postgres connection lost'));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new Error(`DATABASE_URL: cannot connect to ${location}: ${(error as Error).message}`, { cause: error });
  }
  return {
    kind: 'postgres',
    location,
    async query<R extends object>(sql: string, params: readonly unknown[] = []) {
      return (await pool.query<R & pg.QueryResultRow>(sql, [...params])).rows;
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      const client = await pool.connect();
      const run = async <R extends object>(sql: string, params: readonly unknown[] = []) =>
        (await client.query<R & pg.QueryResultRow>(sql, [...params])).rows;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: run,
          // Without parameters pg uses the simple query protocol, which accepts several statements.
          exec: async (script) => {
            await client.query(script);
          },
          queueDb: { executeSql: async (text, values) => ({ rows: await run(text, values ?? []) }) },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    queueConnection() {
      return { connectionString: databaseUrl, max: POOL_SIZE, application_name: 'crm-connector-queue' };
    },
    async close() {
      await pool.end();
    },
  };
}
