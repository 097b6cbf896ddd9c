/** `startHubSpotSandbox` options, checked up front with errors that name the bad option. */
import { z } from 'zod';
import { describeIssues } from '../../zod-issues.ts';
import { OAuthClient } from './tokens.ts';

export const HubSpotSandboxOptions = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  limits: z.object({
    /** HubSpot's rolling 10-second budget per account (100 for Free/Starter apps). */
    perTenSeconds: z.number().int().positive().default(100),
    /** The search endpoints' own per-second budget (HubSpot documents 5 per account). */
    searchPerSecond: z.number().int().positive().default(5),
  }).prefault({}),
  /** Lifetime of OAuth access tokens; HubSpot's is 1,800 s. */
  tokenTtlSeconds: z.number().int().positive().default(1800),
  oauthClients: z.array(OAuthClient).default([]),
  /** Issue a new refresh token on every refresh and invalidate the old one (stricter than HubSpot). */
  rotateRefreshTokens: z.boolean().default(true),
  /** Return batch results in reverse input order, to catch clients that rely on order. */
  reverseBatchResults: z.boolean().default(false),
});
export type HubSpotSandboxOptions = z.input<typeof HubSpotSandboxOptions>;
export type ResolvedHubSpotSandboxOptions = z.output<typeof HubSpotSandboxOptions>;

export function resolveOptions(options: HubSpotSandboxOptions): ResolvedHubSpotSandboxOptions {
  const parsed = HubSpotSandboxOptions.safeParse(options);
  if (!parsed.success) throw new Error(`Invalid HubSpot sandbox options:\n${describeIssues(parsed.error, 'options').join('\n')}`);
  return parsed.data;
}
