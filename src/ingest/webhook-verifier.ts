/**
 * Standard Webhooks verification through the `standardwebhooks` package (HMAC-SHA256 over
 * "id.timestamp.body", constant-time comparison, 5-minute tolerance). An installation may hold
 * several secrets while rotating: a signature made with any of them is accepted.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export type VerificationFailure = {
  code: 'missing_signature_headers' | 'stale_timestamp' | 'invalid_signature_headers' | 'invalid_signature';
  message: string;
};

export type Verification = { ok: true; webhookId: string } | ({ ok: false } & VerificationFailure);

export function verifyWebhook(secrets: readonly string[], rawBody: Buffer, headers: IncomingHttpHeaders): Verification {
  const signed: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of SIGNATURE_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') signed[name] = value;
    else missing.push(name);
  }
  const webhookId = signed['webhook-id'];
  if (missing.length > 0 || webhookId === undefined) {
    return { ok: false, code: 'missing_signature_headers', message: `missing header${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
  }
  let failure: VerificationFailure = { code: 'invalid_signature', message: 'no installation secret verifies webhook-signature' };
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(rawBody, signed, { jsonParse: false });
      return { ok: true, webhookId };
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      failure = describeFailure(error.message) ?? failure;
      // The timestamp is checked before any secret is tried: every other secret would fail the same way.
      if (failure.code !== 'invalid_signature') break;
    }
  }
  return { ok: false, ...failure };
}

function describeFailure(message: string): VerificationFailure | undefined {
  switch (message) {
    case 'Message timestamp too old':
      return { code: 'stale_timestamp', message: 'webhook-timestamp is more than 5 minutes in the past (replayed, or the sender\'s clock is wrong)' };
    case 'Message timestamp too new':
      return { code: 'stale_timestamp', message: 'webhook-timestamp is more than 5 minutes in the future (the sender\'s clock is wrong)' };
    case 'Invalid Signature Headers':
      return { code: 'invalid_signature_headers', message: 'webhook-timestamp is not a unix timestamp in seconds' };
    default:
      return undefined;
  }
}
