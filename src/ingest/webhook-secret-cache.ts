/**
 * Installations' webhook secrets kept in this process for a short while, so that verifying a
 * webhook (and refusing a badly signed one) costs no database read:
 *
 * - a known installation's secrets are reused for `ttlMs`; an unknown id is remembered as unknown
 *   for `unknownTtlMs`, in a map of its own so made-up ids cannot evict real installations;
 * - concurrent misses for one id share one load;
 * - a signature that fails with cached secrets may mean another process rotated them: the secrets
 *   are loaded again, but at most once per `refreshAfterFailureMs` per installation, so a flood of
 *   bad signatures costs one read per installation per interval, not one per request;
 * - this process's own changes (src/store/webhook-secret-changes.ts) drop the entry at once.
 */
import { onWebhookSecretsChanged } from '../store/webhook-secret-changes.ts';

export type LoadWebhookSecrets = (installationId: string) => Promise<string[] | undefined>;

export interface WebhookSecretCacheOptions {
  load: LoadWebhookSecrets;
  ttlMs?: number;
  unknownTtlMs?: number;
  refreshAfterFailureMs?: number;
  /** Per map (known and unknown ids); the oldest entry goes first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  secrets: string[] | undefined;
  loadedAt: number;
}

export class WebhookSecretCache {
  readonly #load: LoadWebhookSecrets;
  readonly #ttlMs: number;
  readonly #unknownTtlMs: number;
  readonly #refreshAfterFailureMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #known = new Map<string, Entry>();
  readonly #unknown = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry>>();
  readonly #unsubscribe: () => void;

  constructor(options: WebhookSecretCacheOptions) {
    this.#load = options.load;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#unknownTtlMs = options.unknownTtlMs ?? 10_000;
    this.#refreshAfterFailureMs = options.refreshAfterFailureMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = onWebhookSecretsChanged((id) => this.invalidate(id));
  }

  /** The installation's secrets, or undefined when there is no such installation. */
  async get(installationId: string): Promise<string[] | undefined> {
    const now = this.#now();
    const known = this.#known.get(installationId);
    if (known && now - known.loadedAt < this.#ttlMs) return known.secrets;
    const unknown = this.#unknown.get(installationId);
    if (unknown && now - unknown.loadedAt < this.#unknownTtlMs) return undefined;
    return (await this.#reload(installationId)).secrets;
  }

  /**
   * After the cached secrets failed to verify a signature: the secrets loaded again when the last
   * load is older than `refreshAfterFailureMs` and they changed, otherwise undefined (nothing new to try).
   */
  async refreshAfterFailure(installationId: string, tried: readonly string[]): Promise<string[] | undefined> {
    const known = this.#known.get(installationId);
    if (known && this.#now() - known.loadedAt < this.#refreshAfterFailureMs) return undefined;
    const { secrets } = await this.#reload(installationId);
    if (!secrets || (secrets.length === tried.length && secrets.every((s, i) => s === tried[i]))) return undefined;
    return secrets;
  }

  invalidate(installationId: string): void {
    this.#known.delete(installationId);
    this.#unknown.delete(installationId);
    this.#loading.delete(installationId);
  }

  close(): void {
    this.#unsubscribe();
    this.#known.clear();
    this.#unknown.clear();
  }

  #reload(installationId: string): Promise<Entry> {
    const pending = this.#loading.get(installationId);
    if (pending) return pending;
    // A change notice that arrives while loading drops this load (invalidate), so what it read is not kept.
    const current = () => this.#loading.get(installationId) === loading;
    const loading: Promise<Entry> = this.#load(installationId)
      .then((secrets) => {
        const entry = { secrets, loadedAt: this.#now() };
        if (current()) this.#remember(installationId, entry);
        return entry;
      })
      .finally(() => {
        if (current()) this.#loading.delete(installationId);
      });
    this.#loading.set(installationId, loading);
    return loading;
  }

  #remember(installationId: string, entry: Entry): void {
    this.#known.delete(installationId);
    this.#unknown.delete(installationId);
    const map = entry.secrets ? this.#known : this.#unknown;
    map.set(installationId, entry);
    if (map.size > this.#maxEntries) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  }
}
