/** `crm-connector sandbox salesforce`: registers the command; the sandbox loads only when it runs. */
import type { Command } from 'commander';
import { integerIn, type OAuthClientOption, oauthClientOption, sandboxCommand } from '../../cli-options.ts';

export interface SalesforceSandboxCliOptions {
  port: number;
  host: string;
  orgs: number;
  dailyLimit: number;
  tokenTtlSeconds: number;
  oauthClient: OAuthClientOption[];
}

export function registerSalesforceSandboxCommands(program: Command): void {
  sandboxCommand(program, 'Salesforce sandbox')
    .command('salesforce')
    .description('serve a local Salesforce (OAuth, sObjects, SOQL, composite, collections, describe) with its daily API allocation, until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integerIn('--port', 0, 65_535), 4030)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--orgs <n>', 'orgs to create at start', integerIn('--orgs', 1, 100), 1)
    .option('--daily-limit <n>', 'API calls each org may make in a rolling 24 hours', integerIn('--daily-limit', 1, 100_000_000), 15_000)
    .option('--token-ttl-seconds <n>', 'OAuth access token lifetime', integerIn('--token-ttl-seconds', 1, 31_536_000), 7_200)
    .option('--oauth-client <id:secret:redirectUri>', 'a connected app that may exchange codes and refresh tokens (repeatable; one is generated when absent)', oauthClientOption, [])
    .action(async (options: SalesforceSandboxCliOptions, command: Command) => {
      const { runSalesforceSandbox } = await import('./run.ts');
      try {
        await runSalesforceSandbox(options);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EADDRINUSE') command.error(`error: port ${options.port} is in use; pick another with --port`);
        if (error instanceof Error && error.name === 'ZodError') command.error(`error: invalid --oauth-client: ${error.message}`);
        throw error;
      }
    });
}
