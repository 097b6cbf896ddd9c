/**
 * `crm-connector serve` as a real child process (Node 24 from node_modules, the `bin` entry), for
 * tests that need several processes: it resolves once the process logs where it listens, keeps
 * every JSON log line, and stops with SIGTERM (SIGKILL if it does not exit in time).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const BIN = path.join(ROOT, 'bin/crm-connector.js');

export interface ServeProcess {
  readonly role: string;
  readonly process: ChildProcess;
  readonly url: string;
  /** Every JSON line it has logged so far. */
  readonly log: Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(timeoutMs?: number): Promise<void>;
}

export async function spawnServe(role: 'web' | 'worker' | 'all', env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(NODE, [BIN, 'serve', '--role', role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const log: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      log.push(entry);
      if (entry.msg === 'crm-connector started' && typeof entry.url === 'string') resolve(entry.url);
    });
    void exited.then(({ code }) => reject(new Error(`serve --role ${role} exited with ${code} before listening: ${stderr}`)));
  });
  return {
    role,
    process: child,
    url,
    log,
    exited,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
