/**
 * What the ingest, sync and crash suites share: a recording CRM adapter (the real adapters come
 * with later issues), a stand-in for the mapping engine, the official Standard Webhooks signer,
 * and the service's configuration built the way `serve` builds it (loadConfig on an environment).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { loadConfig, type Config } from '../../src/config.ts';
import type { CrmAdapter, ExecutionResult, PlanExecution, WrittenObject } from '../../src/crm/adapter.ts';
import type { CrmError } from '../../src/crm/errors.ts';
import type { WritePlan } from '../../src/crm/write-plan.ts';
import { sharedOutboundGuard } from '../../src/net/outbound-guard.ts';
import type { Conversation } from '../../src/platform/schemas.ts';
import { platformClients, type SyncDependencies } from '../../src/sync/dependencies.ts';

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** The service's config from an environment, with test-friendly timings unless overridden. */
export function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    SYNC_POLL_INTERVAL_SECONDS: '0.5',
    SYNC_RETRY_DELAY_SECONDS: '1',
    SHUTDOWN_TIMEOUT_SECONDS: '5',
    ...env,
  });
}

/** Records every batch it is given and answers like a CRM that upserts: a record written before keeps its id. */
export class RecordingAdapter implements CrmAdapter {
  readonly crm = 'hubspot' as const;
  readonly batches: PlanExecution[][] = [];
  /** Conversation id → the error its next executions report (left in place until deleted). */
  readonly failures = new Map<string, CrmError>();
  #nextId = 1;

  async execute(batch: PlanExecution[]): Promise<ExecutionResult[]> {
    this.batches.push(structuredClone(batch));
    return batch.map(({ plan, previous }): ExecutionResult => {
      const error = this.failures.get(plan.conversationId);
      if (error) return { conversationId: plan.conversationId, ok: false, error, objects: {} };
      const objects: Record<string, WrittenObject> = {};
      for (const record of plan.records) {
        objects[record.key] = previous[record.key] ?? { object: record.object, id: String(this.#nextId++) };
      }
      return { conversationId: plan.conversationId, ok: true, objects, notes: [] };
    });
  }

  async ensureSchema(): Promise<void> {}

  /** Every execution of one conversation, in order. */
  executionsOf(conversationId: string): PlanExecution[] {
    return this.batches.flat().filter((e) => e.plan.conversationId === conversationId);
  }
}

/** Stands in for the mapping engine: a contact keyed by email and a transcript note. */
export function planOf(conversation: Conversation, transcriptMd: string, mappingFile: string | null): WritePlan {
  const origin = { file: mappingFile ?? 'test-mapping.yaml', line: 1, column: 1, path: 'objects' };
  const email = conversation.extracted_data.email;
  return {
    crm: 'hubspot',
    conversationId: conversation.id,
    mapping: { file: origin.file, version: 'test' },
    records: [
      {
        key: 'contact',
        role: 'person',
        object: 'contacts',
        match: { property: 'email', value: typeof email === 'string' ? email : `${conversation.id}@visitor.invalid`, origin },
        properties: {
          extracted_fields: { value: Object.keys(conversation.extracted_data).sort().join(','), policy: 'always', origin },
          criteria: { value: Object.keys(conversation.criteria_results).sort().join(','), policy: 'always', origin },
        },
        associations: [],
      },
      {
        key: 'transcript_note',
        role: 'note',
        object: 'notes',
        properties: {},
        associations: ['contact'],
        body: { title: `Conversation ${conversation.id}`, html: '', text: transcriptMd },
        occurredAt: conversation.ended_at,
      },
    ],
    skipped: [],
  };
}

/** Real platform client (loopback sandboxes allowed, as self-hosting allows them), stand-in mapping, recording adapter. */
export function testDependencies(adapter: RecordingAdapter): SyncDependencies {
  return {
    platformFor: platformClients(sharedOutboundGuard({ allowPrivateNetworks: true, requireHttps: false })),
    planFor: async (_installation, binding, conversation, transcriptMd) => planOf(conversation, transcriptMd, binding.mappingFile),
    adapterFor: () => adapter,
  };
}

export interface SignedDelivery {
  id?: string;
  /** Signing time; default now. */
  at?: Date;
  /** Replaces or removes (undefined) headers after signing. */
  headers?: Record<string, string | undefined>;
}

/** Signs with the `standardwebhooks` package, as the platform does, and posts. */
export async function postWebhook(url: string, secret: string, body: string, delivery: SignedDelivery = {}): Promise<Response> {
  const id = delivery.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = delivery.at ?? new Date();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
  for (const [name, value] of Object.entries(delivery.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return fetch(url, { method: 'POST', headers, body });
}

export const conversationEvent = (type: string, conversationId: string, widgetId = 'wgt_test') =>
  JSON.stringify({ type, timestamp: new Date().toISOString(), data: { conversation_id: conversationId, widget_id: widgetId } });

/** Polls until `check` returns a value other than undefined/false; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
