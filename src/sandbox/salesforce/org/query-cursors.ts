/**
 * Query results larger than one batch: the rest waits under a locator that `nextRecordsUrl`
 * names (`/services/data/vXX.X/query/01g...-2000`), as Salesforce's query cursors do.
 */

const MAX_OPEN_CURSORS = 100;

export class QueryCursors {
  readonly #open = new Map<string, unknown[]>();
  #counter = 0;

  /** Keeps `records` from `offset` on; returns the locator to fetch them with. */
  open(records: unknown[], offset: number): string {
    this.#counter++;
    const id = `01g5g0${this.#counter.toString(36).padStart(9, '0')}AAA`;
    const locator = `${id}-${offset}`;
    this.#open.set(locator, records);
    // Salesforce caps open cursors per user; the oldest go first.
    if (this.#open.size > MAX_OPEN_CURSORS) this.#open.delete(this.#open.keys().next().value!);
    return locator;
  }

  /** The records a locator points at (from its offset on), or undefined when it is unknown or spent. */
  take(locator: string): { records: unknown[]; offset: number } | undefined {
    const records = this.#open.get(locator);
    if (!records) return undefined;
    this.#open.delete(locator);
    const offset = Number(locator.slice(locator.lastIndexOf('-') + 1));
    return { records, offset };
  }
}
