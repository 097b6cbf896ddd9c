/**
 * An org's daily API allocation, counted over a rolling 24 hours as Salesforce does. Calls are
 * kept in one-minute buckets, so a large allocation costs a bounded amount of memory.
 */

const DAY_MS = 24 * 60 * 60_000;
const BUCKET_MS = 60_000;

export class ApiUsage {
  readonly limit: number;
  readonly #now: () => number;
  /** [bucket start, calls in that minute], oldest first. */
  #buckets: [number, number][] = [];
  #used = 0;

  constructor(limit: number, now: () => number) {
    this.limit = limit;
    this.#now = now;
  }

  #expire(): void {
    const cutoff = this.#now() - DAY_MS;
    let drop = 0;
    // A bucket leaves the window once its last possible call is older than 24 hours.
    while (drop < this.#buckets.length && this.#buckets[drop]![0] + BUCKET_MS <= cutoff) {
      this.#used -= this.#buckets[drop]![1];
      drop++;
    }
    if (drop > 0) this.#buckets = this.#buckets.slice(drop);
  }

  /** Calls made in the last 24 hours. */
  used(): number {
    this.#expire();
    return this.#used;
  }

  remaining(): number {
    return Math.max(0, this.limit - this.used());
  }

  /** Counts one call if the allocation allows it; false when it is used up. */
  tryConsume(): boolean {
    this.#expire();
    if (this.#used >= this.limit) return false;
    const bucket = Math.floor(this.#now() / BUCKET_MS) * BUCKET_MS;
    const last = this.#buckets.at(-1);
    if (last && last[0] === bucket) last[1]++;
    else this.#buckets.push([bucket, 1]);
    this.#used++;
    return true;
  }

  /** Forgets every counted call, as if a day had passed. */
  reset(): void {
    this.#buckets = [];
    this.#used = 0;
  }

  /** The `Sforce-Limit-Info` header value. */
  header(): string {
    return `api-usage=${this.used()}/${this.limit}`;
  }
}
