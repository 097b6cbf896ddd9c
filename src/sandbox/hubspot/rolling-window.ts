/** Timestamps within a rolling window: counts events in the last `windowMs` milliseconds. */
export class RollingWindow {
  readonly windowMs: number;
  #times: number[] = [];
  #head = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  #prune(now: number): void {
    while (this.#head < this.#times.length && (this.#times[this.#head] ?? 0) <= now - this.windowMs) this.#head++;
    // Compact now and then so a long run does not keep every timestamp it ever saw.
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }

  count(now: number): number {
    this.#prune(now);
    return this.#times.length - this.#head;
  }

  /** Records an event and returns how many the window now holds. */
  add(now: number): number {
    this.#prune(now);
    this.#times.push(now);
    return this.#times.length - this.#head;
  }
}
