/** `crm-connector sandbox platform`: registers the command; the sandbox itself loads only when it runs. */
import { type Command, Option } from 'commander';
import { integerIn, sandboxCommand } from '../../cli-options.ts';

export interface PlatformSandboxCliOptions {
  port: number;
  host: string;
  conversations: number;
  seed: number;
  apiKey?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  extractionDelayMs: number;
  simulateEveryMs?: number;
}

export function registerPlatformSandboxCommands(program: Command): void {
  sandboxCommand(program, 'platform sandbox')
    .command('platform')
    .description('serve a local Conversations API with generated conversations and signed webhooks, until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integerIn('--port', 0, 65535), 4010)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--conversations <n>', 'conversations of generated history (past four weeks)', integerIn('--conversations', 0, 100_000), 120)
    .option('--seed <n>', 'generator seed: the same seed gives the same conversations', integerIn('--seed', 0, 2 ** 32 - 1), 1)
    .addOption(new Option('--api-key <key>', 'API key clients send as Bearer (generated when absent)').env('PLATFORM_SANDBOX_API_KEY'))
    .option('--webhook-url <url>', 'POST conversation.ended / criteria.evaluated events here')
    .addOption(new Option('--webhook-secret <whsec>', 'Standard Webhooks signing secret (whsec_...)').env('PLATFORM_SANDBOX_WEBHOOK_SECRET'))
    .option('--extraction-delay-ms <ms>', 'extraction completes this long after ended_at', integerIn('--extraction-delay-ms', 0, 3_600_000), 1500)
    .option('--simulate-every-ms <ms>', 'also end a new conversation every MS milliseconds (live traffic)', integerIn('--simulate-every-ms', 50, 3_600_000))
    .action(async (options: PlatformSandboxCliOptions, command: Command) => {
      if ((options.webhookUrl === undefined) !== (options.webhookSecret === undefined)) {
        command.error('error: --webhook-url and --webhook-secret go together: give both or neither');
      }
      const { runPlatformSandbox } = await import('./run.ts');
      try {
        await runPlatformSandbox(options);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EADDRINUSE') command.error(`error: port ${options.port} is in use; pick another with --port`);
        if (error instanceof Error && error.name === 'PlatformSandboxOptionsError') command.error(`error: ${error.message}`);
        throw error;
      }
    });
}
