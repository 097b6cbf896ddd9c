/**
 * The embedded store: PGlite (Postgres compiled to WASM) with its data in `DATA_DIR/pgdata`.
 * PGlite is one connection in one process, so a lock file keeps a second process (a `retry`
 * while `serve` runs) from opening the same directory and corrupting it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite } from 'pg-boss';
import type { Logger } from '../log.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Store, Transaction } from './store.ts';

export const EMBEDDED_DATA_SUBDIR = 'pgdata';

export async function openEmbeddedStore(dataDir: string, logger: Logger): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir: path.join(dataDir, EMBEDDED_DATA_SUBDIR) });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const location = path.join(dataDir, EMBEDDED_DATA_SUBDIR);
  logger.debug({ location }, 'embedded store open');
  return {
    kind: 'embedded',
    location,
    async query<R extends object>(sql: string, params: readonly unknown[] = []) {
      return (await pg.query<R>(sql, [...params])).rows;
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      return pg.transaction(async (tx) =>
        fn({
          async query<R extends object>(sql: string, params: readonly unknown[] = []) {
            return (await tx.query<R>(sql, [...params])).rows;
          },
          async exec(script: string) {
            await tx.exec(script);
          },
          queueDb: fromPglite(tx),
        }),
      );
    },
    queueConnection() {
      return { db: fromPglite(pg), backend: 'pglite' };
    },
    async close() {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        await lock.release();
      }
    },
  };
}
