/**
 * The store and queue for a one-off command that acts on the service's data (backfill, forget).
 * On the embedded store only one process may open DATA_DIR: a command run while `serve` holds it
 * is refused with what to do instead. The single-tenant installation is applied as `serve` does,
 * so a command works before the service has ever started.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { openBackend, type Backend } from '../server.ts';
import { DataDirLockedError } from '../store/data-dir-lock.ts';
import { applySingleTenant, DEFAULT_INSTALLATION } from '../store/single-tenant.ts';

export async function openCommandBackend(config: Config, logger: Logger, what: { command: string; instead: string }): Promise<Backend> {
  let backend: Backend;
  try {
    // On the embedded store the command is the only process: it runs the queue's maintenance itself.
    backend = await openBackend(config, { maintain: !config.databaseUrl, logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new Error(`${error.message}. ${what.command} on the embedded store needs the data directory to itself: stop the service first, or ${what.instead}`, {
        cause: error,
      });
    }
    throw error;
  }
  try {
    if (config.singleTenant) await applySingleTenant(backend.store, backend.box, config.singleTenant);
    return backend;
  } catch (error) {
    await backend.close();
    throw error;
  }
}

/** `--installation`, else the single-tenant installation. */
export function installationOf(config: Config, given: string | undefined): string {
  if (given) return given;
  if (config.singleTenant) return DEFAULT_INSTALLATION;
  throw new Error('give --installation <id>: with no single-tenant installation configured, the command cannot guess which one');
}
