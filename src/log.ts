/** Structured logs. Secrets never reach them: known secret fields are redacted wherever they appear. */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED_KEYS = [
  'apiKey', 'api_key', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'token',
  'secret', 'secrets', 'webhookSecret', 'client_secret', 'clientSecret', 'password', 'authorization',
  'Authorization', 'code_verifier',
];

const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`]);

/** `destination`: where the JSON lines go instead of stdout (tests capture them). */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    name: options.name ?? 'crm-connector',
    level: options.level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    redact: { paths, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export const log = createLogger();
export type { Logger };
