/**
 * Starts the sandbox platform: seeded history, the Conversations API on a local port, and (with
 * `webhook`) signed webhook delivery. `simulate(n)` makes conversations end now, as live traffic.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { createLogger, type Logger } from '../../log.ts';
import type { Conversation, Outcome } from '../../platform/schemas.ts';
import { describeIssues } from '../../zod-issues.ts';
import { ConversationGenerator } from './generator.ts';
import { createPlatformApp } from './http/app.ts';
import { SeededRandom } from './random.ts';
import { ConversationStore } from './store.ts';
import { ConversationEvents } from './webhooks/conversation-events.ts';
import { WebhookSender, type DeliveryStats } from './webhooks/webhook-sender.ts';

const WebhookOptions = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }),
  secret: z.string().refine(isSigningSecret, { error: 'must be a Standard Webhooks secret: "whsec_" followed by base64' }),
  /** Share of delivered events sent a second time with the same webhook-id (0–1). */
  duplicateRate: z.number().min(0).max(1).default(0),
  /** Let `criteria.evaluated` arrive before `conversation.ended` for about half the conversations. */
  reorder: z.boolean().default(false),
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** Backoff before the 2nd attempt, doubling per attempt. */
  retryDelayMs: z.number().int().min(0).default(500),
});

export const PlatformSandboxOptions = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** Generated (`sk_sandbox_…`) when absent. */
  apiKey: z.string().min(8, { error: 'must be at least 8 characters' }).optional(),
  seed: z.number().int().default(1),
  /** Conversations of the generated history (past four weeks). */
  conversations: z.number().int().min(0).max(100_000).default(120),
  extractionDelayMs: z.number().int().min(0).default(1500),
  webhook: WebhookOptions.optional(),
});
export type PlatformSandboxOptions = z.input<typeof PlatformSandboxOptions>;

export interface SimulateOptions {
  /** When the conversations end; default now. */
  at?: Date;
  /** They end spread over this many ms before `at`; default 500. */
  spreadMs?: number;
  widgetId?: string;
  outcome?: Outcome;
}

export interface PlatformSandbox {
  readonly url: string;
  readonly apiKey: string;
  readonly seed: number;
  readonly store: ConversationStore;
  /** Conversations that end now: stored, `conversation.ended` sent, extraction scheduled. Returned as they look once extracted. */
  simulate(count: number, options?: SimulateOptions): Conversation[];
  /** Waits for scheduled extractions and every webhook delivery (retries included) to finish. */
  deliverPending(): Promise<DeliveryStats>;
  webhookStats(): DeliveryStats;
  close(): Promise<void>;
}

export class PlatformSandboxOptionsError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid platform sandbox options: ${issues.join('; ')}`);
    this.name = 'PlatformSandboxOptionsError';
    this.issues = issues;
  }
}

const NO_DELIVERIES: DeliveryStats = { delivered: 0, duplicates: 0, failed: 0, attempts: 0 };

export async function startPlatformSandbox(options: PlatformSandboxOptions = {}, log: Logger = createLogger({ name: 'platform-sandbox' })): Promise<PlatformSandbox> {
  const parsed = PlatformSandboxOptions.safeParse(options);
  if (!parsed.success) throw new PlatformSandboxOptionsError(describeIssues(parsed.error));
  const opts = parsed.data;
  const apiKey = opts.apiKey ?? `sk_sandbox_${randomBytes(16).toString('hex')}`;

  const store = new ConversationStore({ extractionDelayMs: opts.extractionDelayMs });
  const generator = new ConversationGenerator(opts.seed);
  for (const conversation of generator.history(opts.conversations, { now: new Date() })) store.insert(conversation);

  // Its own random stream, so webhook faults do not change which conversations a seed generates.
  const faults = new SeededRandom(opts.seed ^ 0x5eed_f00d);
  const sender = opts.webhook ? new WebhookSender({ ...opts.webhook, rng: faults, log }) : null;
  const events = new ConversationEvents({ store, sender, rng: faults, reorder: opts.webhook?.reorder ?? false });

  const app = createPlatformApp({ store, apiKey, log });
  const server = await listen(app, opts.port, opts.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  log.info({ url, seed: opts.seed, conversations: store.size, webhookUrl: opts.webhook?.url }, 'platform sandbox listening');

  return {
    url,
    apiKey,
    seed: opts.seed,
    store,
    simulate(count, simulateOptions = {}) {
      if (!Number.isInteger(count) || count < 0) throw new Error(`simulate: count must be a non-negative integer, got ${count}`);
      const conversations = generator.endingAt(count, {
        at: simulateOptions.at ?? new Date(),
        spreadMs: simulateOptions.spreadMs ?? 500,
        widgetId: simulateOptions.widgetId,
        outcome: simulateOptions.outcome,
      });
      events.ended(conversations);
      return conversations;
    },
    async deliverPending() {
      await events.idle();
      return sender?.stats() ?? { ...NO_DELIVERIES };
    },
    webhookStats: () => sender?.stats() ?? { ...NO_DELIVERIES },
    async close() {
      events.close();
      sender?.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function listen(app: ReturnType<typeof createPlatformApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function isSigningSecret(secret: string): boolean {
  if (!secret.startsWith('whsec_')) return false;
  try {
    new Webhook(secret);
    return true;
  } catch {
    return false;
  }
}
