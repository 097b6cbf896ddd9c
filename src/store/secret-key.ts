/**
 * Where the secret box's keys come from: `CONNECTOR_SECRET_KEY`, or, for the embedded store only,
 * a key generated once into `DATA_DIR/secret.key` (mode 0600) so a first `serve` just works.
 * With DATABASE_URL the variable is required (config.ts): several processes must share one key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { SecretBox } from './secret-box.ts';

export const SECRET_KEY_FILE = 'secret.key';

export async function loadSecretBox(config: Pick<Config, 'secretKeys' | 'dataDir' | 'databaseUrl'>, logger: Logger): Promise<SecretBox> {
  if (config.secretKeys) return new SecretBox(config.secretKeys);
  if (config.databaseUrl) throw new Error('CONNECTOR_SECRET_KEY: is required when DATABASE_URL is set');
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return new SecretBox([existing]);
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    // 'wx': never overwrite a key another process wrote in the meantime; secrets sealed with it would be lost.
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readKeyFile(file);
    if (!raced) throw new Error(`${file}: exists but holds no key`);
    return new SecretBox([raced]);
  }
  logger.warn(
    { file },
    'CONNECTOR_SECRET_KEY is not set: generated a secret key into the data directory. Back it up with the data, or set CONNECTOR_SECRET_KEY to its content',
  );
  return new SecretBox([key]);
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (Buffer.from(key, 'base64').length !== 32) {
      throw new Error(`${file}: must hold the base64 of 32 bytes (it is the key that encrypts installations' secrets)`);
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
