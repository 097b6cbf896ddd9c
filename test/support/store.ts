/**
 * The store backends a suite runs against: the embedded PGlite store in a temp directory always,
 * and a real Postgres when TEST_DATABASE_URL is set (CI sets it). Each `create()` is isolated: its
 * own temp directory, and on Postgres its own freshly created database, dropped by `dispose()`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface StoreEnvironment {
  /** Variables selecting this store, to merge into a test's environment for loadConfig. */
  env: Record<string, string>;
  dataDir: string;
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: 'embedded' | 'postgres';
  create(): Promise<StoreEnvironment>;
}

export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [{ name: 'embedded', create: createEmbedded }];
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) backends.push({ name: 'postgres', create: () => createPostgres(adminUrl) });
  return backends;
}

async function createEmbedded(): Promise<StoreEnvironment> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-test-'));
  return { env: { DATA_DIR: dataDir }, dataDir, dispose: () => rm(dataDir, { recursive: true, force: true }) };
}

async function createPostgres(adminUrl: string): Promise<StoreEnvironment> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'crm-connector-test-'));
  const database = `crm_connector_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${database}`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString(), CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64') },
    dataDir,
    async dispose() {
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
