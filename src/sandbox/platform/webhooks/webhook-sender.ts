/**
 * Delivers webhook messages the Standard Webhooks way: signed with the `standardwebhooks` package
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`), POSTed as JSON, retried with
 * exponential backoff on non-2xx answers and network errors, the same `webhook-id` on every
 * attempt and each attempt signed with its own timestamp (so late retries pass the receiver's
 * 5-minute tolerance). `duplicateRate` re-delivers some acknowledged messages, as at-least-once
 * platforms do.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../../../log.ts';
import { PendingWork } from '../pending-work.ts';
import type { SeededRandom } from '../random.ts';

export interface WebhookSenderOptions {
  readonly url: string;
  /** `whsec_<base64>` */
  readonly secret: string;
  readonly maxAttempts: number;
  /** Wait before the 2nd attempt; doubles per attempt, capped at a minute. */
  readonly retryDelayMs: number;
  /** Share of acknowledged messages delivered a second time (0–1). */
  readonly duplicateRate: number;
  readonly rng: SeededRandom;
  readonly log: Logger;
}

export interface DeliveryStats {
  /** Messages the receiver acknowledged (2xx). */
  delivered: number;
  /** Extra deliveries of already acknowledged messages (`duplicateRate`). */
  duplicates: number;
  /** Messages given up after `maxAttempts`. */
  failed: number;
  /** HTTP requests made, retries and duplicates included. */
  attempts: number;
}

export type DeliveryResult = 'delivered' | 'failed';

const MAX_BACKOFF_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CONCURRENCY = 8;

export class WebhookSender {
  private readonly options: WebhookSenderOptions;
  private readonly signer: Webhook;
  private readonly queue = new PQueue({ concurrency: CONCURRENCY });
  private readonly pending = new PendingWork();
  private readonly shutdown = new AbortController();
  private readonly counters: DeliveryStats = { delivered: 0, duplicates: 0, failed: 0, attempts: 0 };

  constructor(options: WebhookSenderOptions) {
    this.options = options;
    this.signer = new Webhook(options.secret);
  }

  /** Delivers one event; resolves when it was acknowledged or given up. */
  async send(event: object): Promise<DeliveryResult> {
    const message = { id: `msg_${randomBytes(12).toString('hex')}`, body: JSON.stringify(event) };
    // Decided up front, in send order, so a seed gives the same duplicates whatever the network timing.
    const duplicate = this.options.rng.chance(this.options.duplicateRate);
    this.pending.begin();
    try {
      if (!(await this.deliver(message))) {
        if (!this.shutdown.signal.aborted) this.counters.failed++;
        return 'failed';
      }
      this.counters.delivered++;
      if (duplicate && (await this.deliver(message))) this.counters.duplicates++;
      return 'delivered';
    } finally {
      this.pending.end();
    }
  }

  stats(): DeliveryStats {
    return { ...this.counters };
  }

  /** Resolves when every message handed to `send` has been acknowledged or given up. */
  idle(): Promise<void> {
    return this.pending.idle();
  }

  /** Stops retries and aborts requests in flight. */
  close(): void {
    this.shutdown.abort();
    this.queue.clear();
    this.pending.clear();
  }

  private async deliver(message: { id: string; body: string }): Promise<boolean> {
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (attempt > 1) {
        const backoff = Math.min(this.options.retryDelayMs * 2 ** (attempt - 2), MAX_BACKOFF_MS);
        try {
          await sleep(backoff, undefined, { signal: this.shutdown.signal });
        } catch {
          return false;
        }
      }
      if (this.shutdown.signal.aborted) return false;
      if (await this.queue.add(() => this.post(message, attempt))) return true;
    }
    return false;
  }

  private async post(message: { id: string; body: string }, attempt: number): Promise<boolean> {
    this.counters.attempts++;
    const now = new Date();
    const fields = { msgId: message.id, attempt, url: this.options.url };
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'crm-connector-platform-sandbox',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': this.signer.sign(message.id, now, message.body),
        },
        body: message.body,
      });
      await response.body?.cancel();
      if (response.ok) return true;
      this.options.log.warn({ ...fields, status: response.status }, 'webhook receiver answered non-2xx; will retry if attempts remain');
    } catch (error) {
      if (this.shutdown.signal.aborted) return false;
      this.options.log.warn({ ...fields, reason: error instanceof Error ? error.message : String(error) }, 'webhook delivery failed; will retry if attempts remain');
    }
    return false;
  }
}
