/**
 * One process at a time per embedded data directory. The lock file holds the owner's pid; a lock
 * left by a process that no longer runs (a crash, kill -9) is taken over, since PGlite recovers
 * its own files on open.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const LOCK_FILE = 'connector.pid';

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `DATA_DIR: ${dataDir} is in use by another crm-connector process (pid ${pid}). ` +
        'The embedded store allows one process at a time: stop it first, or use DATABASE_URL for several processes',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Directories this process holds: the same pid in a lock file may also be a previous run's (pid 1 in containers). */
const heldHere = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  if (heldHere.has(file)) throw new DataDirLockedError(dataDir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      return {
        release: async () => {
          heldHere.delete(file);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(file);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) throw new DataDirLockedError(dataDir, owner);
    await rm(file, { force: true });
  }
  throw new Error(`DATA_DIR: could not take the lock ${file}; another process keeps recreating it`);
}

async function readOwner(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
