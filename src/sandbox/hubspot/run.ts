/** Runs the HubSpot sandbox in the foreground (the CLI command) until SIGINT or SIGTERM. */
import type { HubSpotSandboxCliOptions } from './commands.ts';
import { startHubSpotSandbox } from './index.ts';

export async function runHubSpotSandbox(options: HubSpotSandboxCliOptions): Promise<void> {
  const sandbox = await startHubSpotSandbox({
    port: options.port,
    host: options.host,
    limits: { perTenSeconds: options.perTenSeconds, searchPerSecond: options.searchPerSecond },
    tokenTtlSeconds: options.tokenTtlSeconds,
    oauthClients: options.oauthClient,
  });
  // Printed on purpose: a local sandbox's token is what the user needs to point a client at it.
  process.stdout.write([
    `HubSpot sandbox:   ${sandbox.url}   (SDK basePath)`,
    `Portal:            ${sandbox.defaultPortal.portalId}`,
    `Private app token: ${sandbox.defaultPortal.privateAppToken}`,
    `Inspect:           ${sandbox.url}/_sandbox`,
    `Limits:            ${options.perTenSeconds} requests / 10 s, search ${options.searchPerSecond} / s per portal`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}
