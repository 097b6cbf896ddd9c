/**
 * The service's configuration, read from the environment once at start and validated with zod.
 * Every error names the variable it is about, and errors are reported together (format errors
 * first, then missing combinations), so an operator fixes a bad deployment in few passes. Nothing
 * falls back silently: credentials are used as given, and a half-configured single-tenant
 * installation is an error, not a sandbox.
 */
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { CrmName } from './crm/write-plan.ts';
import { manifest } from './manifest.ts';
import { checkBaseUrl } from './net/base-url.ts';
import { OutboundRefusedError } from './net/outbound-refused.ts';

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** An unset variable and an empty one mean the same: not given. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess((v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? fallback : v), schema);

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number between ${min} and ${max}` })
    .int({ error: `must be a whole number between ${min} and ${max}` })
    .min(min, { error: `must be a whole number between ${min} and ${max}` })
    .max(max, { error: `must be a whole number between ${min} and ${max}` });

const positiveNumber = z.coerce.number({ error: 'must be a number' }).positive({ error: 'must be greater than 0' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });
const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

/** A link template for a conversation's page on the platform: `{conversation_id}` (and optionally `{widget_id}`) are filled in. */
const conversationUrlTemplate = httpUrl.refine((v) => v.includes('{conversation_id}'), {
  error: 'must contain {conversation_id}, e.g. https://app.platform.example/conversations/{conversation_id}',
});

/** One or several `whsec_…` secrets separated by spaces or commas: several while rotating. */
const webhookSecrets = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter((s) => s !== ''))
  .superRefine((secrets, ctx) => {
    if (secrets.length === 0) ctx.addIssue({ code: 'custom', message: 'must hold at least one whsec_… secret' });
    secrets.forEach((secret, i) => {
      const which = secrets.length > 1 ? `secret #${i + 1}` : 'the secret';
      if (!secret.startsWith('whsec_')) {
        ctx.addIssue({ code: 'custom', message: `${which} must start with "whsec_" (Standard Webhooks format)` });
        return;
      }
      try {
        new Webhook(secret);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${which} is not base64 after "whsec_"` });
      }
    });
  });

/** `CONNECTOR_SECRET_KEY`: base64 of 32 bytes; several separated by commas while rotating (the first encrypts). */
const secretKeys = z
  .string()
  .transform((v) => v.split(',').map((k) => k.trim()).filter((k) => k !== ''))
  .superRefine((keys, ctx) => {
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must hold at least one key' });
    keys.forEach((key, i) => {
      const bytes = Buffer.from(key, 'base64');
      if (bytes.length !== 32 || bytes.toString('base64') !== key) {
        const which = keys.length > 1 ? `key #${i + 1}` : 'the key';
        ctx.addIssue({
          code: 'custom',
          message: `${which} must be the base64 of exactly 32 random bytes (generate one with: openssl rand -base64 32)`,
        });
      }
    });
  });

/** `true`/`false` (also `1`/`0`, `yes`/`no`), for switches. */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Express's names for address ranges, usable in TRUST_PROXY. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TRUST_PROXY`: which reverse proxies' X-Forwarded-For the service believes when it decides a
 * client's address (the key of the per-address rate limits). Off by default: the address is the
 * TCP peer's. `true` (trust every hop) is refused: the left-most X-Forwarded-For entry is whatever
 * the client wrote, so every request could claim a fresh address.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    const lower = v.toLowerCase();
    if (['false', 'off', 'no', '0'].includes(lower)) return false;
    if (lower === 'true' || lower === 'yes' || lower === 'on') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not trust every proxy (any client could then choose its address): give the number of proxies in front of the service (e.g. 1) or their addresses (e.g. loopback, 10.0.0.0/8)',
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops > 10) ctx.addIssue({ code: 'custom', message: 'must be at most 10 proxies (the number of reverse proxies in front of the service)' });
      return hops;
    }
    const entries = v.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const wrong = entries.filter((entry) => !PROXY_RANGE_NAMES.includes(entry) && !ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry));
    if (entries.length === 0 || wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${wrong.length > 0 ? `${wrong.map((w) => JSON.stringify(w)).join(', ')} ${wrong.length > 1 ? 'are' : 'is'} not` : 'must be'} a number of proxies, or addresses / CIDR ranges / ${PROXY_RANGE_NAMES.join(' / ')} separated by commas`,
      });
      return z.NEVER;
    }
    return entries;
  });

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

/** The environment as the service reads it. Keys are the variable names, so issue paths name them. */
const Env = z.object({
  PORT: withDefault(integer(0, 65535), '3000'),
  HOST: withDefault(nonEmpty, '127.0.0.1'),
  PUBLIC_URL: optional(httpUrl),
  DATA_DIR: withDefault(nonEmpty, './data'),
  DATABASE_URL: optional(postgresUrl),
  CONNECTOR_SECRET_KEY: optional(secretKeys),
  MAPPINGS_DIR: withDefault(nonEmpty, './mappings'),
  LOG_LEVEL: withDefault(LogLevel, 'info'),
  WEBHOOK_MAX_BODY_BYTES: withDefault(integer(1024, 64 * 1024 * 1024), String(1024 * 1024)),
  SYNC_EXTRACTION_WAIT_SECONDS: withDefault(integer(0, 3600), '60'),
  SYNC_RETRY_LIMIT: withDefault(integer(0, 100), '8'),
  SYNC_RETRY_DELAY_SECONDS: withDefault(integer(1, 3600), '30'),
  SYNC_BATCH_SIZE: withDefault(integer(1, 500), '50'),
  SYNC_POLL_INTERVAL_SECONDS: withDefault(positiveNumber.min(0.5, { error: 'must be at least 0.5' }), '2'),
  SYNC_CONCURRENCY: withDefault(integer(1, 64), '4'),
  SYNC_LIVE_CONCURRENCY: withDefault(integer(1, 64), '2'),
  SYNC_INSTALLATION_CONCURRENCY: optional(integer(1, 100_000)),
  HUBSPOT_REQUESTS_PER_10_SECONDS: optional(integer(1, 100_000)),
  METRICS_TOKEN: optional(nonEmpty),
  ALLOW_PRIVATE_NETWORK_URLS: optional(flag),
  SHUTDOWN_TIMEOUT_SECONDS: withDefault(integer(1, 3600), '30'),
  TRUST_PROXY: withDefault(trustProxy, 'false'),
  HTTP_HEADERS_TIMEOUT_SECONDS: withDefault(integer(1, 600), '15'),
  HTTP_REQUEST_TIMEOUT_SECONDS: withDefault(integer(1, 3600), '30'),
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: withDefault(integer(1, 600), '5'),
  SIGN_IN_RATE_LIMIT_PER_10_MINUTES: withDefault(integer(1, 1_000_000), '60'),
  WEBHOOK_RATE_LIMIT_PER_MINUTE: withDefault(integer(1, 10_000_000), '1200'),
  OAUTH_STATE_MAX_PENDING: withDefault(integer(10, 10_000_000), '10000'),

  PLATFORM_API_URL: optional(httpUrl),
  PLATFORM_API_KEY: optional(nonEmpty),
  PLATFORM_WEBHOOK_SECRET: optional(webhookSecrets),
  PLATFORM_CONVERSATION_URL: optional(conversationUrlTemplate),
  CRM: optional(z.enum(CrmName.options, { error: 'must be hubspot or salesforce' })),
  HUBSPOT_ACCESS_TOKEN: optional(nonEmpty),
  HUBSPOT_API_URL: withDefault(httpUrl, manifest.crms.hubspot.apiUrl),
  HUBSPOT_CLIENT_ID: optional(nonEmpty),
  HUBSPOT_CLIENT_SECRET: optional(nonEmpty),
  HUBSPOT_AUTHORIZE_URL: withDefault(httpUrl, manifest.crms.hubspot.authorizeUrl),
  SALESFORCE_INSTANCE_URL: optional(httpUrl),
  SALESFORCE_ACCESS_TOKEN: optional(nonEmpty),
  SALESFORCE_REFRESH_TOKEN: optional(nonEmpty),
  SALESFORCE_CLIENT_ID: optional(nonEmpty),
  SALESFORCE_CLIENT_SECRET: optional(nonEmpty),
  SALESFORCE_LOGIN_URL: withDefault(httpUrl, manifest.crms.salesforce.loginUrls.production),
  SALESFORCE_SANDBOX_LOGIN_URL: withDefault(httpUrl, manifest.crms.salesforce.loginUrls.sandbox),
});
type Env = z.infer<typeof Env>;

export interface HubSpotAccount {
  crm: 'hubspot';
  /** Private app token. */
  accessToken: string;
  apiUrl: string;
}

export interface SalesforceAccount {
  crm: 'salesforce';
  instanceUrl: string;
  loginUrl: string;
  accessToken?: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
}

export type CrmAccount = HubSpotAccount | SalesforceAccount;

/** The connector's OAuth app at a CRM (multi-tenant installs through the connect flow). */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
}

export interface OAuthApps {
  hubspot: (OAuthApp & { authorizeUrl: string; apiUrl: string }) | undefined;
  /** `loginUrls.sandbox` is used when the install URL says `?env=sandbox`. */
  salesforce: (OAuthApp & { loginUrls: { production: string; sandbox: string } }) | undefined;
}

/** The one installation named `default`, configured from the environment (self-hosting, demo). */
export interface SingleTenantConfig {
  platform: { apiUrl: string; apiKey: string; webhookSecrets: string[] };
  crm: CrmAccount;
}

export interface SyncTuning {
  /** Longest wait, counted from the conversation's end, for extraction to fill in before syncing without it. */
  extractionWaitSeconds: number;
  /** Retries after the first attempt before a job goes to the dead-letter queue. */
  retryLimit: number;
  /** First retry delay; doubles (with jitter) on each retry. */
  retryDelaySeconds: number;
  batchSize: number;
  pollIntervalSeconds: number;
  /** Batches one worker process runs at once, live or backfill (pg-boss localConcurrency). */
  concurrency: number;
  /** More batches per worker process that take live events only: a webhook never waits behind a backfill. */
  liveConcurrency: number;
  /** Jobs of one installation active at once over all workers (pg-boss groupConcurrency): one backlog never takes every slot. */
  installationConcurrency: number;
}

/**
 * Where the connector may send requests whose address came from input (an admin's platform API URL)
 * or from a CRM's answer (Salesforce instance and identity URLs): src/net/outbound-guard.ts.
 */
export interface OutboundPolicy {
  /** Loopback, private, link-local (cloud metadata), CGNAT… addresses: only for self-hosting and the sandboxes. */
  allowPrivateNetworks: boolean;
  /** Plain http only to private addresses (when allowed); every public address needs https. */
  requireHttps: boolean;
}

/** TRUST_PROXY as express's `trust proxy` setting: off, a hop count, or the proxies' addresses and ranges. */
export type TrustProxy = false | number | string[];

/** What one client address or one installation may ask of the service (src/http/abuse-limits.ts). */
export interface AbuseLimits {
  /** Per client address: install, OAuth callback and /admin/login requests in 10 minutes. */
  signInPer10Minutes: number;
  /** Per installation: webhook requests in a minute, signed or not. */
  webhooksPerMinute: number;
  /** OAuth flows begun and not yet completed or expired, over all clients: new ones are refused beyond it. */
  oauthStateMaxPending: number;
}

/** node:http server timeouts: a client that is slow on purpose (slowloris) holds a connection this long at most. */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string | undefined;
  /** Absolute. Holds the embedded store (`pgdata/`) and, when generated, `secret.key`. */
  dataDir: string;
  databaseUrl: string | undefined;
  /** The first encrypts; all decrypt. Undefined only for the embedded store (a key file is generated). */
  secretKeys: string[] | undefined;
  mappingsDir: string;
  /** Link template to a conversation on the platform (`{conversation_id}`, `{widget_id}`), for mappings' `transcript_url`. */
  platformConversationUrl: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  webhookMaxBodyBytes: number;
  shutdownTimeoutSeconds: number;
  /** How `req.ip` is derived behind reverse proxies (TRUST_PROXY). */
  trustProxy: TrustProxy;
  httpTimeouts: HttpTimeouts;
  abuseLimits: AbuseLimits;
  sync: SyncTuning;
  /** HUBSPOT_REQUESTS_PER_10_SECONDS: every portal's budget instead of the adapter's 100 per 10 s. */
  hubspotRequestsPer10Seconds: number | undefined;
  /** Bearer token /metrics requires; open when undefined. */
  metricsToken: string | undefined;
  singleTenant: SingleTenantConfig | undefined;
  /** OAuth apps for the connect flows; redirect URIs are PUBLIC_URL + the manifest's redirect paths. */
  oauth: OAuthApps;
  /**
   * Multi-tenant (marketplace) mode: an OAuth app is configured, so anyone with a CRM account can
   * install and administer an installation. Every admin is then untrusted (README, Security).
   */
  multiTenant: boolean;
  outbound: OutboundPolicy;
}

const SINGLE_TENANT_TRIGGERS = ['PLATFORM_API_URL', 'PLATFORM_API_KEY', 'PLATFORM_WEBHOOK_SECRET', 'CRM'] as const;

/** Reads and validates the configuration; throws a ConfigError listing every problem, each led by its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = Env.safeParse(pickKnown(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];
  if (e.DATABASE_URL && !e.CONNECTOR_SECRET_KEY) {
    issues.push(
      'CONNECTOR_SECRET_KEY: is required when DATABASE_URL is set (installations\' secrets are encrypted with it; generate one with: openssl rand -base64 32)',
    );
  }
  if (e.HTTP_HEADERS_TIMEOUT_SECONDS > e.HTTP_REQUEST_TIMEOUT_SECONDS) {
    issues.push(
      `HTTP_HEADERS_TIMEOUT_SECONDS: must not be more than HTTP_REQUEST_TIMEOUT_SECONDS (${e.HTTP_REQUEST_TIMEOUT_SECONDS}): the headers are part of the request`,
    );
  }
  const singleTenant = singleTenantOf(e, issues);
  const oauth = oauthAppsOf(e, issues);
  const multiTenant = oauth.hubspot !== undefined || oauth.salesforce !== undefined;
  if (multiTenant && !e.METRICS_TOKEN) {
    issues.push(
      'METRICS_TOKEN: is required when an OAuth app is configured (multi-tenant mode): /metrics labels name every tenant\'s CRM account; generate one with: openssl rand -hex 32',
    );
  }
  const outbound: OutboundPolicy = {
    // Self-hosting (no OAuth app) trusts its operator's URLs; a marketplace deployment opts in explicitly.
    allowPrivateNetworks: e.ALLOW_PRIVATE_NETWORK_URLS ?? !multiTenant,
    requireHttps: multiTenant,
  };
  // The single-tenant platform URL is held to the same rules as one an admin enters.
  if (e.PLATFORM_API_URL) {
    try {
      checkBaseUrl(e.PLATFORM_API_URL, outbound);
    } catch (error) {
      if (!(error instanceof OutboundRefusedError)) throw error;
      issues.push(`PLATFORM_API_URL: ${error.message}`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    secretKeys: e.CONNECTOR_SECRET_KEY,
    mappingsDir: path.resolve(cwd, e.MAPPINGS_DIR),
    platformConversationUrl: e.PLATFORM_CONVERSATION_URL,
    logLevel: e.LOG_LEVEL,
    webhookMaxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    trustProxy: e.TRUST_PROXY,
    httpTimeouts: {
      headersMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    },
    abuseLimits: {
      signInPer10Minutes: e.SIGN_IN_RATE_LIMIT_PER_10_MINUTES,
      webhooksPerMinute: e.WEBHOOK_RATE_LIMIT_PER_MINUTE,
      oauthStateMaxPending: e.OAUTH_STATE_MAX_PENDING,
    },
    sync: {
      extractionWaitSeconds: e.SYNC_EXTRACTION_WAIT_SECONDS,
      retryLimit: e.SYNC_RETRY_LIMIT,
      retryDelaySeconds: e.SYNC_RETRY_DELAY_SECONDS,
      batchSize: e.SYNC_BATCH_SIZE,
      pollIntervalSeconds: e.SYNC_POLL_INTERVAL_SECONDS,
      concurrency: e.SYNC_CONCURRENCY,
      liveConcurrency: e.SYNC_LIVE_CONCURRENCY,
      installationConcurrency: e.SYNC_INSTALLATION_CONCURRENCY ?? 2 * e.SYNC_BATCH_SIZE,
    },
    hubspotRequestsPer10Seconds: e.HUBSPOT_REQUESTS_PER_10_SECONDS,
    metricsToken: e.METRICS_TOKEN,
    singleTenant,
    oauth,
    multiTenant,
    outbound,
  };
}

/** Only the variables the schema knows, so the rest of the environment never reaches error messages. */
function pickKnown(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(Env.shape).map((key) => [key, env[key]]));
}

function singleTenantOf(e: Env, issues: string[]): SingleTenantConfig | undefined {
  const given = SINGLE_TENANT_TRIGGERS.filter((name) => e[name] !== undefined);
  // SALESFORCE_CLIENT_ID/SECRET are not listed: without a single-tenant installation they are the OAuth app's.
  const crmVariables = ['HUBSPOT_ACCESS_TOKEN', 'SALESFORCE_INSTANCE_URL', 'SALESFORCE_ACCESS_TOKEN', 'SALESFORCE_REFRESH_TOKEN'] as const;
  if (given.length === 0) {
    const stray = crmVariables.filter((name) => e[name] !== undefined);
    if (stray.length > 0) {
      issues.push(
        `${stray[0]}: CRM credentials are only used by the single-tenant installation; also set ${SINGLE_TENANT_TRIGGERS.join(', ')}`,
      );
    }
    return undefined;
  }
  const because = `is required for the single-tenant installation (${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set)`;
  for (const name of SINGLE_TENANT_TRIGGERS) {
    if (e[name] === undefined) issues.push(`${name}: ${name === 'CRM' ? `${because}; hubspot or salesforce` : because}`);
  }
  const crm = crmAccountOf(e, issues);
  if (!e.PLATFORM_API_URL || !e.PLATFORM_API_KEY || !e.PLATFORM_WEBHOOK_SECRET || !crm) return undefined;
  return {
    platform: { apiUrl: e.PLATFORM_API_URL, apiKey: e.PLATFORM_API_KEY, webhookSecrets: e.PLATFORM_WEBHOOK_SECRET },
    crm,
  };
}

function crmAccountOf(e: Env, issues: string[]): CrmAccount | undefined {
  if (e.CRM === 'hubspot') {
    if (!e.HUBSPOT_ACCESS_TOKEN) {
      issues.push('HUBSPOT_ACCESS_TOKEN: is required when CRM=hubspot (the private app\'s access token)');
      return undefined;
    }
    return { crm: 'hubspot', accessToken: e.HUBSPOT_ACCESS_TOKEN, apiUrl: e.HUBSPOT_API_URL };
  }
  if (e.CRM === 'salesforce') {
    const before = issues.length;
    if (!e.SALESFORCE_INSTANCE_URL) issues.push('SALESFORCE_INSTANCE_URL: is required when CRM=salesforce (e.g. https://yourorg.my.salesforce.com)');
    if (!e.SALESFORCE_ACCESS_TOKEN && !e.SALESFORCE_REFRESH_TOKEN) {
      issues.push('SALESFORCE_ACCESS_TOKEN: is required when CRM=salesforce, unless SALESFORCE_REFRESH_TOKEN is set');
    }
    if (e.SALESFORCE_REFRESH_TOKEN) {
      if (!e.SALESFORCE_CLIENT_ID) issues.push('SALESFORCE_CLIENT_ID: is required with SALESFORCE_REFRESH_TOKEN (the connected app\'s consumer key)');
      if (!e.SALESFORCE_CLIENT_SECRET) issues.push('SALESFORCE_CLIENT_SECRET: is required with SALESFORCE_REFRESH_TOKEN (the connected app\'s consumer secret)');
    }
    if (issues.length > before || !e.SALESFORCE_INSTANCE_URL) return undefined;
    return {
      crm: 'salesforce',
      instanceUrl: e.SALESFORCE_INSTANCE_URL,
      loginUrl: e.SALESFORCE_LOGIN_URL,
      accessToken: e.SALESFORCE_ACCESS_TOKEN,
      refreshToken: e.SALESFORCE_REFRESH_TOKEN,
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
    };
  }
  return undefined;
}

/**
 * The OAuth apps: each needs its client id and secret together, and PUBLIC_URL, because the
 * redirect URI registered with the CRM must be exactly PUBLIC_URL + the manifest's redirect path.
 */
function oauthAppsOf(e: Env, issues: string[]): OAuthApps {
  const pair = (idName: 'HUBSPOT_CLIENT_ID' | 'SALESFORCE_CLIENT_ID', secretName: 'HUBSPOT_CLIENT_SECRET' | 'SALESFORCE_CLIENT_SECRET') => {
    const clientId = e[idName];
    const clientSecret = e[secretName];
    if (clientId && !clientSecret) issues.push(`${secretName}: is required with ${idName} (the OAuth app's client secret)`);
    if (clientSecret && !clientId) issues.push(`${idName}: is required with ${secretName} (the OAuth app's client id)`);
    if (clientId && clientSecret && !e.PUBLIC_URL) {
      issues.push(`PUBLIC_URL: is required with ${idName}: the OAuth redirect URI is PUBLIC_URL + ${redirectPathOf(idName)}, as registered with the app`);
    }
    return clientId && clientSecret ? { clientId, clientSecret } : undefined;
  };
  const hubspot = pair('HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET');
  // With a single-tenant Salesforce installation these two are its refresh credentials, not an OAuth app.
  const salesforce = e.CRM === 'salesforce' ? undefined : pair('SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET');
  return {
    hubspot: hubspot && { ...hubspot, authorizeUrl: e.HUBSPOT_AUTHORIZE_URL, apiUrl: e.HUBSPOT_API_URL },
    salesforce: salesforce && { ...salesforce, loginUrls: { production: e.SALESFORCE_LOGIN_URL, sandbox: e.SALESFORCE_SANDBOX_LOGIN_URL } },
  };
}

const redirectPathOf = (idName: string) =>
  idName.startsWith('HUBSPOT') ? manifest.crms.hubspot.redirectPath : manifest.crms.salesforce.redirectPath;
