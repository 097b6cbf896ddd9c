/**
 * In-process mutual exclusion by key. Salesforce cannot upsert a Lead by email, so two jobs that
 * look up the same new visitor at once would both create one; holding the visitor's match key
 * from lookup to write makes the second job find the first one's Lead instead.
 *
 * A holder registers on all its keys in one synchronous step and waits for every earlier holder
 * of any of them, so holders of overlapping key sets are served in arrival order and cannot deadlock.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Resolves, once every key is free, to the function that frees them again. */
  async acquire(keys: Iterable<string>): Promise<() => void> {
    const unique = [...new Set(keys)];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const earlier = unique.map((key) => this.#tails.get(key) ?? Promise.resolve());
    for (const key of unique) this.#tails.set(key, held);
    await Promise.all(earlier);
    return () => {
      release();
      for (const key of unique) if (this.#tails.get(key) === held) this.#tails.delete(key);
    };
  }
}
