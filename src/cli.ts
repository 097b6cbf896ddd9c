/**
 * The `crm-connector` command line. Each area registers its own commands from a
 * `commands.ts` beside its code and loads the implementation lazily, so `--help` stays fast
 * and one area's start-up cost is not paid by another's command.
 */
import { Command } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerPlatformSandboxCommands } from './sandbox/platform/commands.ts';
import { registerHubSpotSandboxCommands } from './sandbox/hubspot/commands.ts';
import { registerSalesforceSandboxCommands } from './sandbox/salesforce/commands.ts';
import { registerServerCommands } from './server-commands.ts';
import { registerMappingCommands } from './mapping/commands.ts';
import { registerDemoCommands } from './demo/commands.ts';
import { registerBackfillCommands } from './backfill/commands.ts';
import { registerForgetCommands } from './forget/commands.ts';
import { registerAuthCommands } from './auth/commands.ts';

export function buildProgram(): Command {
  const program = new Command('crm-connector')
    .description('Syncs AI-agent website conversations into HubSpot and Salesforce')
    .version(pkg.version)
    .showHelpAfterError();
  program.command('sandbox').description('local stand-ins for the platform and the CRMs');
  registerPlatformSandboxCommands(program);
  registerHubSpotSandboxCommands(program);
  registerSalesforceSandboxCommands(program);
  registerServerCommands(program);
  registerMappingCommands(program);
  registerDemoCommands(program);
  registerBackfillCommands(program);
  registerForgetCommands(program);
  registerAuthCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}

if (import.meta.main) await runCli(process.argv);
