/** `crm-connector sandbox hubspot`: registers the command; the sandbox loads only when it runs. */
import type { Command } from 'commander';
import { integerIn, type OAuthClientOption, oauthClientOption, sandboxCommand } from '../../cli-options.ts';

export interface HubSpotSandboxCliOptions {
  port: number;
  host: string;
  perTenSeconds: number;
  searchPerSecond: number;
  tokenTtlSeconds: number;
  oauthClient: OAuthClientOption[];
}

export function registerHubSpotSandboxCommands(program: Command): void {
  sandboxCommand(program, 'HubSpot sandbox')
    .command('hubspot')
    .description('serve a local HubSpot (CRM objects, associations, properties, OAuth) with its rate limits, until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integerIn('--port', 0, 65_535), 4020)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--per-ten-seconds <n>', 'requests allowed per portal in any 10 s', integerIn('--per-ten-seconds', 1, 1_000_000), 100)
    .option('--search-per-second <n>', 'search requests allowed per portal per second', integerIn('--search-per-second', 1, 1_000_000), 5)
    .option('--token-ttl-seconds <n>', 'OAuth access token lifetime', integerIn('--token-ttl-seconds', 1, 31_536_000), 1800)
    .option('--oauth-client <id:secret:redirectUri>', 'an OAuth app that may exchange codes and refresh tokens (repeatable)', oauthClientOption, [])
    .action(async (options: HubSpotSandboxCliOptions, command: Command) => {
      const { runHubSpotSandbox } = await import('./run.ts');
      try {
        await runHubSpotSandbox(options);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EADDRINUSE') command.error(`error: port ${options.port} is in use; pick another with --port`);
        if (error instanceof Error && error.message.startsWith('Invalid HubSpot sandbox options')) command.error(`error: ${error.message}`);
        throw error;
      }
    });
}
