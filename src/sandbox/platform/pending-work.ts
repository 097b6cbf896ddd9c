/** Counts unfinished background work (timers, deliveries) so a caller can await the moment none is left. */
export class PendingWork {
  private count = 0;
  private waiters: (() => void)[] = [];

  begin(): void {
    this.count++;
  }

  /** Ignored when nothing is pending: work still finishing after clear() ends quietly. */
  end(): void {
    if (this.count > 0 && --this.count === 0) this.release();
  }

  get size(): number {
    return this.count;
  }

  /** Resolves once nothing is pending (immediately when nothing is). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets all pending work, e.g. on shutdown, and releases the waiters. */
  clear(): void {
    this.count = 0;
    this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
