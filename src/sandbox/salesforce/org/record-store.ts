/**
 * One org's records, by object name then id. Every write can be undone while a transaction is
 * open, which is how `allOrNone` composite and collection requests roll back.
 */

export type FieldValue = string | number | boolean | null;
/** A stored record: every field of its object, unset ones as null. */
export type SObjectRecord = Record<string, FieldValue>;

export class RecordStore {
  readonly #byType = new Map<string, Map<string, SObjectRecord>>();
  /** Ids deleted from this org: Salesforce tells "entity is deleted" apart from "never existed". */
  readonly #deleted = new Set<string>();
  #undo: (() => void)[] | undefined;

  #table(type: string): Map<string, SObjectRecord> {
    let table = this.#byType.get(type);
    if (!table) {
      table = new Map();
      this.#byType.set(type, table);
    }
    return table;
  }

  get(type: string, id: string): SObjectRecord | undefined {
    return this.#byType.get(type)?.get(id);
  }

  /** Records of a type in creation order. */
  all(type: string): SObjectRecord[] {
    return [...(this.#byType.get(type)?.values() ?? [])];
  }

  count(type: string): number {
    return this.#byType.get(type)?.size ?? 0;
  }

  /** Inserts or replaces a record (by its Id). */
  put(type: string, record: SObjectRecord): void {
    const id = String(record.Id);
    const table = this.#table(type);
    const previous = table.get(id);
    this.#undo?.push(() => (previous ? table.set(id, previous) : table.delete(id)));
    table.set(id, record);
  }

  remove(type: string, id: string): void {
    const table = this.#table(type);
    const previous = table.get(id);
    if (!previous) return;
    this.#undo?.push(() => {
      table.set(id, previous);
      this.#deleted.delete(id);
    });
    table.delete(id);
    this.#deleted.add(id);
  }

  wasDeleted(id: string): boolean {
    return this.#deleted.has(id);
  }

  /**
   * Runs `work`; when `keep` says no (or it throws), every write it made is undone. Nested calls
   * are savepoints: an inner rollback undoes only the inner writes.
   */
  transaction<T>(work: () => T, keep: (result: T) => boolean): T {
    const outermost = this.#undo === undefined;
    const undo = (this.#undo ??= []);
    const savepoint = undo.length;
    const rollback = (): void => {
      while (undo.length > savepoint) undo.pop()!();
    };
    try {
      const result = work();
      if (!keep(result)) rollback();
      return result;
    } catch (error) {
      rollback();
      throw error;
    } finally {
      if (outermost) this.#undo = undefined;
    }
  }
}
