/**
 * Which HubSpot account (portal) a token opens. A private-app token carries no portal id, and
 * the adapter needs one (rate-limit budget, record links), so single-tenant installs ask
 * `GET /account-info/v3/details`, which answers for private-app and OAuth tokens alike. It is
 * one call per installation and process, charged to the portal's budget once the id is known.
 */
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { CrmError } from '../crm/errors.ts';
import { asHubSpotError, classifyResponse, classifyTransportFailure } from '../crm/hubspot/error-classifier.ts';
import { describeIssues } from '../zod-issues.ts';

const ACCOUNT_DETAILS_PATH = '/account-info/v3/details';
const TIMEOUT_MS = 15_000;

const AccountDetails = z.looseObject({
  portalId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
  /** `app.hubspot.com`, `app-eu1.hubspot.com`: where the portal's record pages live. */
  uiDomain: z.string().regex(/^[a-z0-9.-]+$/i).optional(),
});

export interface HubSpotAccount {
  portalId: string;
  /** `https://app.hubspot.com` or the portal's regional app domain, when HubSpot said. */
  appBaseUrl: string | undefined;
}

export async function lookUpHubSpotAccount(basePath: string, accessToken: string): Promise<HubSpotAccount> {
  const client = new Client({ basePath, numberOfApiCallRetries: 0 });
  const request = async () => {
    const response = await client.apiRequest({ method: 'GET', path: ACCOUNT_DETAILS_PATH, headers: { Authorization: `Bearer ${accessToken}` } });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : safeJson(text) };
  };
  let answer: { status: number; body: unknown };
  let timer: NodeJS.Timeout | undefined;
  const pending = request();
  try {
    answer = await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    throw classifyTransportFailure(error, ACCOUNT_DETAILS_PATH);
  } finally {
    clearTimeout(timer);
    pending.catch(() => undefined); // lost the race to the timeout: nobody awaits it any more
  }
  if (answer.status < 200 || answer.status >= 300) throw classifyResponse(answer.status, asHubSpotError(answer.body), ACCOUNT_DETAILS_PATH);
  const details = AccountDetails.safeParse(answer.body);
  if (!details.success) {
    throw new CrmError('retryable', `HubSpot's account details have an unexpected shape: ${describeIssues(details.error).join('; ')}`, {
      code: 'UNEXPECTED_RESPONSE',
    });
  }
  const { portalId, uiDomain } = details.data;
  return { portalId: String(portalId), appBaseUrl: uiDomain ? `https://${uiDomain}` : undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
