/** `crm-connector mappings …`: validate, preview, check and schema. Implementations load only when a command runs. */
import type { Command } from 'commander';

export interface PreviewCliOptions {
  mapping: string;
  conversation: string;
  json?: boolean;
  transcriptUrl?: string;
}

export function registerMappingCommands(program: Command): void {
  const mappings = program.command('mappings').description('check, preview and document the mapping files (MAPPINGS_DIR, default ./mappings)');

  mappings
    .command('validate')
    .description('check mapping files and print every problem as file:line:column path: message (exit 1 on any)')
    .argument('[files...]', 'files to check (default: every *.yaml in MAPPINGS_DIR)')
    .action(async (files: string[]) => {
      const { runValidate } = await import('./validate-command.ts');
      process.exitCode = await runValidate(files, mappingsDir(), consoleIo);
    });

  mappings
    .command('preview')
    .description('show the exact WritePlan a mapping makes for one conversation, without writing anything')
    .requiredOption('--mapping <file>', 'the mapping file')
    .requiredOption('--conversation <file-or-id>', 'a conversation JSON file, or an id fetched with PLATFORM_API_URL / PLATFORM_API_KEY')
    .option('--json', 'print the WritePlan as JSON')
    .option('--transcript-url <url>', 'link to the conversation, as the sync would pass it')
    .action(async (options: PreviewCliOptions) => {
      const { runPreview } = await import('./preview-command.ts');
      process.exitCode = await runPreview(options, process.env, consoleIo);
    });

  mappings
    .command('check')
    .description("check mapping files against the installation's live CRM schema (Salesforce describe, HubSpot properties); exit 1 on any problem")
    .argument('[files...]', "files to check (default: every <crm>.*.yaml in MAPPINGS_DIR for the installation's CRM)")
    .option('--installation <id>', 'the installation whose CRM to check against (default: the single-tenant one)')
    .action(async (files: string[], options: { installation?: string }) => {
      const { runCheck } = await import('./check-command.ts');
      try {
        process.exitCode = await runCheck(files, options, consoleIo);
      } catch (error) {
        consoleIo.err(`crm-connector mappings check: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      }
    });

  mappings
    .command('schema')
    .description('print the JSON Schema of mapping files, or write it beside them for editors')
    .option('--write', 'write <MAPPINGS_DIR>/mapping.schema.json instead of printing it')
    .action(async (options: { write?: boolean }) => {
      const { runSchema } = await import('./schema-command.ts');
      process.exitCode = await runSchema(options, mappingsDir(), consoleIo);
    });
}

/** Same variable and default as the service's configuration (src/config.ts). */
const mappingsDir = (): string => process.env.MAPPINGS_DIR?.trim() || './mappings';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

const consoleIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
