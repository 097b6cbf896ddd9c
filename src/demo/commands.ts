/** `crm-connector demo`: the whole product on one machine, no accounts, no network. Loads its runner only when it runs. */
import { type Command, Option } from 'commander';
import { integerIn } from '../cli-options.ts';
import { CrmName } from '../crm/write-plan.ts';

export interface DemoCliOptions {
  crm: CrmName;
  conversations: number;
  seed: number;
  keepRunning: boolean;
  dataDir?: string;
  timeoutSeconds: number;
}

export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description(
      'run the platform sandbox, a CRM sandbox and the connector together: simulate conversations, sync them, print what was written',
    )
    .addOption(new Option('--crm <crm>', 'the CRM sandbox to sync into').choices(CrmName.options).default('hubspot'))
    .option('--conversations <n>', 'conversations the platform simulates', integerIn('--conversations', 1, 5_000), 60)
    .option('--seed <n>', 'generator seed: the same seed gives the same conversations', integerIn('--seed', 0, 2 ** 32 - 1), 1)
    .option('--keep-running', 'keep everything serving after the summary, until Ctrl-C', false)
    .option('--data-dir <dir>', "the connector's data directory, empty or new, kept afterwards (default: a temporary one, removed)")
    .option('--timeout-seconds <n>', 'give up waiting for the syncs after this long', integerIn('--timeout-seconds', 5, 3_600), 50)
    .action(async (options: DemoCliOptions) => {
      const { runDemo } = await import('./run.ts');
      try {
        process.exitCode = await runDemo(options);
      } catch (error) {
        process.stderr.write(`crm-connector demo: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
}
