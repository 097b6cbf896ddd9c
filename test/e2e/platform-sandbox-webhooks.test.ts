/**
 * The platform sandbox's webhooks, received by a tiny express receiver that verifies every
 * signature with `standardwebhooks`: retries after errors (same webhook-id), giving up after
 * maxAttempts, duplicates, and `criteria.evaluated` arriving before `conversation.ended`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformClient } from '../../src/platform/client.ts';
import { ConversationEvent } from '../../src/platform/webhook-event.ts';
import { startPlatformSandbox, type PlatformSandbox, type PlatformSandboxOptions } from '../../src/sandbox/platform/server.ts';

const SECRET = `whsec_${Buffer.from('platform-sandbox-webhook-test-key').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('some-other-key-entirely-0123456').toString('base64')}`;

interface Received {
  id: string;
  headers: Record<string, string>;
  body: string;
  event: ConversationEvent;
  /** For `criteria.evaluated`: the extraction the receiver saw when it fetched the conversation. */
  extractionSeen?: boolean;
}

/** Decides the status for a request; `nth` counts requests with the same webhook-id, from 1. */
type Responder = (nth: number) => number;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startReceiver(respond: Responder, onEvaluated?: (conversationId: string) => Promise<boolean>) {
  const received: Received[] = [];
  const verificationFailures: string[] = [];
  const perId = new Map<string, number>();
  const app = express();
  app.post('/hooks', express.raw({ type: '*/*' }), async (req, res) => {
    const body = (req.body as Buffer).toString('utf8');
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, req.get(h) ?? '']));
    try {
      new Webhook(SECRET).verify(body, headers);
    } catch (error) {
      verificationFailures.push(String(error));
      res.status(401).end();
      return;
    }
    const nth = (perId.get(headers['webhook-id']!) ?? 0) + 1;
    perId.set(headers['webhook-id']!, nth);
    const status = respond(nth);
    const event = ConversationEvent.parse(JSON.parse(body));
    const entry: Received = { id: headers['webhook-id']!, headers, body, event };
    if (status < 300 && event.type === 'criteria.evaluated' && onEvaluated) entry.extractionSeen = await onEvaluated(event.data.conversation_id);
    received.push(entry);
    res.status(status).end();
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(() => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, verificationFailures };
}

async function sandboxPosting(url: string, webhook: Partial<NonNullable<PlatformSandboxOptions['webhook']>> = {}): Promise<PlatformSandbox> {
  const sandbox = await startPlatformSandbox({
    apiKey: 'sk_webhook_test',
    seed: 21,
    conversations: 0,
    extractionDelayMs: 200,
    webhook: { url, secret: SECRET, retryDelayMs: 20, ...webhook },
  });
  cleanups.push(() => sandbox.close());
  return sandbox;
}

describe('platform sandbox webhooks', () => {
  it('signs every delivery and retries after a 500 with the same webhook-id; extraction is visible on criteria.evaluated', async () => {
    let client: PlatformClient | undefined;
    const receiver = await startReceiver(
      (nth) => (nth === 1 ? 500 : 204),
      async (id) => Object.keys((await client!.getConversation(id)).extracted_data).length > 0,
    );
    const sandbox = await sandboxPosting(receiver.url, { maxAttempts: 4 });
    client = new PlatformClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, retry: { retries: 0 } });

    const ended = sandbox.simulate(3, { outcome: 'completed' });
    const stats = await sandbox.deliverPending();

    expect(receiver.verificationFailures).toEqual([]);
    expect(stats).toEqual({ delivered: 6, duplicates: 0, failed: 0, attempts: 12 });
    expect(receiver.received).toHaveLength(12);
    const byId = Map.groupBy(receiver.received, (r) => r.id);
    expect(byId.size).toBe(6);
    for (const deliveries of byId.values()) {
      expect(deliveries).toHaveLength(2);
      expect(deliveries[0]!.body).toBe(deliveries[1]!.body);
      expect(deliveries[0]!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    }
    for (const c of ended) {
      const events = receiver.received.filter((r) => r.event.data.conversation_id === c.id);
      expect(new Set(events.map((e) => e.event.type))).toEqual(new Set(['conversation.ended', 'criteria.evaluated']));
      expect(events.every((e) => e.event.data.widget_id === c.widget_id)).toBe(true);
    }
    const evaluatedOk = receiver.received.filter((r) => r.event.type === 'criteria.evaluated' && r.extractionSeen !== undefined);
    expect(evaluatedOk).toHaveLength(3);
    expect(evaluatedOk.every((r) => r.extractionSeen)).toBe(true);

    // The signature really binds the secret: another key does not verify the same delivery.
    const sample = receiver.received[0]!;
    expect(() => new Webhook(OTHER_SECRET).verify(sample.body, sample.headers)).toThrow();
  });

  it('gives up after maxAttempts and counts the failures', async () => {
    const receiver = await startReceiver(() => 503);
    const sandbox = await sandboxPosting(receiver.url, { maxAttempts: 3 });
    sandbox.simulate(1, { outcome: 'completed' });
    const stats = await sandbox.deliverPending();
    expect(stats).toEqual({ delivered: 0, duplicates: 0, failed: 2, attempts: 6 });
    expect(receiver.received).toHaveLength(6);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(2);
  });

  it('retries network errors too', async () => {
    const gone = await startReceiver(() => 204);
    await cleanups.pop()!(); // close it: its port now refuses connections
    const sandbox = await sandboxPosting(gone.url, { maxAttempts: 2 });
    sandbox.simulate(1, { outcome: 'completed' });
    expect(await sandbox.deliverPending()).toEqual({ delivered: 0, duplicates: 0, failed: 2, attempts: 4 });
  });

  it('with duplicateRate 1 and reorder, delivers every event twice and some criteria.evaluated before conversation.ended', async () => {
    const receiver = await startReceiver(() => 200);
    const sandbox = await sandboxPosting(receiver.url, { duplicateRate: 1, reorder: true });
    const ended = sandbox.simulate(10, { outcome: 'completed' });
    const stats = await sandbox.deliverPending();

    expect(stats).toEqual({ delivered: 20, duplicates: 20, failed: 0, attempts: 40 });
    for (const deliveries of Map.groupBy(receiver.received, (r) => r.id).values()) {
      expect(deliveries).toHaveLength(2);
      expect(deliveries[0]!.body).toBe(deliveries[1]!.body);
    }
    const firstType = ended.map((c) => receiver.received.find((r) => r.event.data.conversation_id === c.id)!.event.type);
    expect(firstType).toContain('criteria.evaluated');
    expect(firstType).toContain('conversation.ended');
    for (const c of ended) {
      const types = receiver.received.filter((r) => r.event.data.conversation_id === c.id).map((r) => r.event.type);
      expect(types.filter((t) => t === 'conversation.ended')).toHaveLength(2);
      expect(types.filter((t) => t === 'criteria.evaluated')).toHaveLength(2);
    }
  });
});
