/** `crm-connector forget <conversation_id>`: privacy deletion of what the connector wrote for a conversation. Loads lazily. */
import type { Command } from 'commander';
import { reportFailure } from '../server-commands.ts';

export interface ForgetCommandOptions {
  installation?: string;
  keepDeal?: boolean;
  alsoPlatform?: boolean;
}

export function registerForgetCommands(program: Command): void {
  program
    .command('forget')
    .description(
      'remove what the connector wrote for a conversation: its notes/calls/tasks and its deal are deleted from the CRM, ' +
        'the contact is kept with the connector fields from this conversation cleared; then its stored copy ' +
        '(sync record, webhook receipts, queued jobs). An anonymised audit row (a hash, no id) remains',
    )
    .argument('<conversation_id>', 'the conversation to forget')
    .option('--installation <id>', 'only in this installation (default: every installation holding something about it)')
    .option('--keep-deal', 'keep the deal/opportunity, with its description and connector fields cleared, instead of deleting it')
    .option('--also-platform', "also delete the conversation on the platform (DELETE /api/v1/conversations/:id; permanent)")
    .addHelpText(
      'after',
      '\nOn the embedded store (no DATABASE_URL) stop `crm-connector serve` first: only one process may open the data directory.',
    )
    .action((conversationId: string, options: ForgetCommandOptions) =>
      reportFailure(async () => {
        const { runForgetCommand } = await import('./command.ts');
        await runForgetCommand(conversationId, options);
      }),
    );
}
