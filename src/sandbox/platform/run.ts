/** Runs the platform sandbox in the foreground (the CLI command) until SIGINT or SIGTERM. */
import type { PlatformSandboxCliOptions } from './commands.ts';
import { startPlatformSandbox } from './server.ts';

export async function runPlatformSandbox(options: PlatformSandboxCliOptions): Promise<void> {
  const sandbox = await startPlatformSandbox({
    port: options.port,
    host: options.host,
    conversations: options.conversations,
    seed: options.seed,
    extractionDelayMs: options.extractionDelayMs,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(options.webhookUrl !== undefined && options.webhookSecret !== undefined
      ? { webhook: { url: options.webhookUrl, secret: options.webhookSecret } }
      : {}),
  });
  // Printed on purpose: a local sandbox's key is what the user needs to point a client at it.
  process.stdout.write(
    [
      `Platform sandbox: ${sandbox.url}/api/v1/conversations`,
      `API key:          ${sandbox.apiKey}`,
      `Seed:             ${sandbox.seed} (${sandbox.store.size} conversations)`,
      options.webhookUrl ? `Webhooks to:      ${options.webhookUrl}` : 'Webhooks:         off (--webhook-url, --webhook-secret)',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  const traffic = options.simulateEveryMs === undefined ? undefined : setInterval(() => sandbox.simulate(1), options.simulateEveryMs);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(traffic);
  await sandbox.close();
}
