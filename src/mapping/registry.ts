/**
 * The live set of mapping files: loaded from MAPPINGS_DIR at start, reloaded when a file changes
 * (fs.watch, debounced per file). A broken edit never takes a mapping away: the last good version
 * stays live and the problems are kept for the admin pages (`status()`) and logged.
 */
import { EventEmitter } from 'node:events';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { log as defaultLog, type Logger } from '../log.ts';
import { mappingFileAccess, type MappingFileAccess, type MappingScope } from './file-access.ts';
import { loadMappingFile, type LoadedMapping } from './load.ts';
import { formatProblem, type MappingProblem } from './problems.ts';
import { defaultMappingName } from './resolve-file.ts';

export interface MappingFileStatus {
  /** File name inside the mappings folder. */
  name: string;
  /** Version being served, if any good version was ever loaded. */
  liveVersion: string | undefined;
  /** Problems of the file as it is on disk now; empty when it loaded. */
  problems: MappingProblem[];
  checkedAt: string;
}

export type ResolvedMapping = { ok: true; mapping: LoadedMapping } | { ok: false; name: string; problems: MappingProblem[] };

export interface MappingRegistryOptions {
  dir: string;
  /** Quiet time after the last change event before a file is read again (editors write in bursts). */
  debounceMs?: number;
  logger?: Logger;
  /**
   * Multi-tenant mode: each installation sees only the files file-access.ts gives it, and problems
   * name files without the server's folder.
   */
  multiTenant?: boolean;
}

const isMappingFile = (name: string): boolean => /\.ya?ml$/.test(name);

export class MappingRegistry extends EventEmitter<{ reloaded: [MappingFileStatus] }> {
  readonly dir: string;
  readonly #debounceMs: number;
  readonly #log: Logger;
  readonly #access: MappingFileAccess;
  readonly #namesOnly: boolean;
  readonly #live = new Map<string, LoadedMapping>();
  readonly #status = new Map<string, MappingFileStatus>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #watcher: FSWatcher | undefined;

  constructor(options: MappingRegistryOptions) {
    super();
    this.dir = path.resolve(options.dir);
    this.#debounceMs = options.debounceMs ?? 150;
    this.#log = options.logger ?? defaultLog;
    this.#access = mappingFileAccess(options.multiTenant ?? false);
    this.#namesOnly = options.multiTenant ?? false;
  }

  /** Loads every mapping file, then watches the folder. */
  async start(): Promise<void> {
    const names = (await readdir(this.dir)).filter(isMappingFile).sort();
    for (const name of names) await this.reload(name);
    this.#watcher = watch(this.dir, (_event, filename) => {
      if (filename && isMappingFile(filename)) this.#schedule(filename.toString());
    });
    this.#watcher.on('error', (error) => this.#log.error({ err: error, dir: this.dir }, 'mapping folder watch failed'));
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Reads one file again now. A deleted file stops being served; a broken one keeps its last good version. */
  async reload(name: string): Promise<MappingFileStatus> {
    const display = this.#displayName(name);
    const file = path.join(this.dir, name);
    const checkedAt = new Date().toISOString();
    if (!existsSync(file)) {
      this.#live.delete(name);
      this.#status.delete(name);
      this.#log.info({ file: display }, 'mapping file removed');
      const removed = { name, liveVersion: undefined, problems: [], checkedAt };
      this.emit('reloaded', removed);
      return removed;
    }
    const result = await loadMappingFile(file, display);
    let status: MappingFileStatus;
    if (result.ok) {
      const previous = this.#live.get(name)?.version;
      this.#live.set(name, result.mapping);
      status = { name, liveVersion: result.mapping.version, problems: [], checkedAt };
      if (previous !== result.mapping.version) this.#log.info({ file: display, version: result.mapping.version }, 'mapping file loaded');
    } else {
      const live = this.#live.get(name)?.version;
      status = { name, liveVersion: live, problems: result.problems, checkedAt };
      this.#log.warn(
        { file: display, liveVersion: live, problems: result.problems.map(formatProblem) },
        live ? 'mapping file has problems: the last good version stays live' : 'mapping file has problems and no good version to serve',
      );
    }
    this.#status.set(name, status);
    this.emit('reloaded', status);
    return status;
  }

  /** The live version of a file in the mappings folder, by name. */
  get(name: string): LoadedMapping | undefined {
    return this.#live.get(name);
  }

  /** Every known file with its live version and current problems (operators: logs, CLI). */
  status(): MappingFileStatus[] {
    return [...this.#status.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The files one installation may see and bind, for its admin pages. */
  statusFor(scope: MappingScope): MappingFileStatus[] {
    return this.status().filter((file) => this.#access.allows(scope, file.name));
  }

  /** The live version of a file, when this installation may use it. */
  getFor(scope: MappingScope, name: string): LoadedMapping | undefined {
    return this.#access.allows(scope, name) ? this.#live.get(name) : undefined;
  }

  /**
   * The mapping for a conversation (see resolve-file.ts for the order). A widget file that exists
   * but never loaded is an error, not a silent fall back to the default: its admin meant it.
   */
  resolve(scope: MappingScope, widgetId: string, boundFile?: string): ResolvedMapping {
    const widgetName = this.#access.widgetFileName(scope, widgetId);
    const name = boundFile || (this.#status.has(widgetName) ? widgetName : defaultMappingName(scope.crm));
    if (!this.#access.allows(scope, name)) {
      // A binding made before files were scoped, or written around the admin pages: never another tenant's file.
      return { ok: false, name, problems: [{ file: name, line: 1, column: 1, path: '', message: 'this mapping file is not available to this installation' }] };
    }
    const mapping = this.#live.get(name);
    if (mapping) return { ok: true, mapping };
    const problems = this.#status.get(name)?.problems ?? [];
    return { ok: false, name, problems: problems.length > 0 ? problems : [{ file: this.#displayName(name), line: 1, column: 1, path: '', message: 'no such mapping file' }] };
  }

  #schedule(name: string): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        this.reload(name).catch((error: unknown) => this.#log.error({ err: error, file: name }, 'mapping reload failed'));
      }, this.#debounceMs),
    );
  }

  /**
   * Relative to the working directory when inside it (`mappings/hubspot.default.yaml`), else absolute;
   * the bare file name in multi-tenant mode, where admins must not learn the server's paths.
   */
  #displayName(name: string): string {
    if (this.#namesOnly) return name;
    const relative = path.relative(process.cwd(), path.join(this.dir, name));
    return relative.startsWith('..') || path.isAbsolute(relative) ? path.join(this.dir, name) : relative;
  }
}
