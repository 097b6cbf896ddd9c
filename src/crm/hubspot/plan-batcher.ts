/**
 * Micro-batching of concurrent sync jobs for one account: each job calls `execute([plan])`, and
 * the batcher hands the executor every plan that arrived within a short window (or while the
 * previous batch was running), up to `maxBatch`. Under a backlog the batches fill up by
 * themselves — a few calls per hundred conversations; when idle a job waits only `windowMs`.
 */
import type { ExecutionResult, PlanExecution } from '../adapter.ts';

interface Waiting {
  execution: PlanExecution;
  resolve(result: ExecutionResult): void;
  reject(error: unknown): void;
}

export interface PlanBatcherOptions {
  maxBatch: number;
  windowMs: number;
  /** Must return one result per execution, in order. */
  run(batch: PlanExecution[]): Promise<ExecutionResult[]>;
}

export class PlanBatcher {
  readonly #options: PlanBatcherOptions;
  readonly #waiting: Waiting[] = [];
  #running = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PlanBatcherOptions) {
    this.#options = options;
  }

  submit(executions: PlanExecution[]): Promise<ExecutionResult[]> {
    const results = Promise.all(executions.map((execution) =>
      new Promise<ExecutionResult>((resolve, reject) => this.#waiting.push({ execution, resolve, reject }))));
    if (!this.#running && !this.#timer) this.#timer = setTimeout(() => void this.#drain(), this.#options.windowMs);
    return results;
  }

  async #drain(): Promise<void> {
    this.#timer = undefined;
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#options.maxBatch);
        try {
          const results = await this.#options.run(batch.map((w) => w.execution));
          batch.forEach((w, i) => {
            const result = results[i];
            if (result) w.resolve(result);
            else w.reject(new Error(`batch executor returned ${results.length} results for ${batch.length} plans`));
          });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
