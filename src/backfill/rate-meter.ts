/**
 * Settled syncs per second over a sliding window, and the time left at that rate. The window
 * keeps the rate current when a backfill waits for the CRM's budget, then speeds up again.
 */
export class RateMeter {
  readonly #windowMs: number;
  #samples: { at: number; value: number }[] = [];

  constructor(windowMs = 30_000) {
    this.#windowMs = windowMs;
  }

  /** Records the running total `value` at time `at` (ms). */
  add(value: number, at: number): void {
    this.#samples.push({ at, value });
    // Keep one sample at or before the window's start, so the rate always spans the full window.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.#windowMs) this.#samples.shift();
  }

  /** Per second across the window; undefined until samples span at least a second. */
  perSecond(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at - first.at < 1000) return undefined;
    return Math.max(0, (last.value - first.value) / ((last.at - first.at) / 1000));
  }
}

/** Seconds to settle `remaining` at `perSecond`; undefined when nothing moves yet. */
export function etaSeconds(remaining: number, perSecond: number | undefined): number | undefined {
  if (remaining === 0) return 0;
  if (perSecond === undefined || perSecond <= 0) return undefined;
  return Math.ceil(remaining / perSecond);
}

/** 42s, 3m 05s, 2h 07m. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}
