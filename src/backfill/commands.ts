/**
 * `crm-connector backfill`: walk past conversations into the sync queue (start, resume, list,
 * pause, cancel, dry run). The implementation loads lazily.
 */
import { type Command, Option } from 'commander';
import { integerIn } from '../cli-options.ts';
import { LIST_LIMIT_MAX } from '../platform/list-params.ts';
import { Outcome } from '../platform/schemas.ts';
import { reportFailure } from '../server-commands.ts';

export interface BackfillCommandOptions {
  installation?: string;
  since?: string;
  until?: string;
  widget?: string;
  outcome?: Outcome;
  pageSize?: number;
  resync?: boolean;
  dryRun?: boolean;
  /** commander's `--no-wait`: false when given. */
  wait: boolean;
  resume?: string;
  list?: boolean;
  pause?: string;
  cancel?: string;
}

export function registerBackfillCommands(program: Command): void {
  program
    .command('backfill')
    .description(
      'sync past conversations: walks List conversations page by page into the sync queue, with progress; ' +
        'resumable (checkpointed cursor), and throttled so the queue drains at the CRM\'s rate limit',
    )
    .option('--installation <id>', 'the installation to backfill (default: the single-tenant installation)')
    .option('--since <time>', 'conversations started at or after this ISO date or date-time (inclusive)')
    .option('--until <time>', 'conversations started before this ISO date or date-time (exclusive)')
    .option('--widget <id>', 'only this widget')
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(Outcome.options))
    .option('--page-size <n>', `conversations per List call (1-${LIST_LIMIT_MAX}, default ${LIST_LIMIT_MAX})`, integerIn('--page-size', 1, LIST_LIMIT_MAX))
    .option('--resync', 'also sync conversations already synced with the current mapping (skipped otherwise)')
    .option('--dry-run', 'walk and count what would be enqueued, per outcome and widget; enqueue nothing')
    .option('--no-wait', 'DATABASE_URL only: return once every page is enqueued; the running service syncs them')
    .option('--resume <backfill_id>', 'continue a paused, failed or interrupted backfill from its checkpoint')
    .option('--list', 'list backfills and their progress')
    .option('--pause <backfill_id>', 'stop a running backfill after its current page (resume it later)')
    .option('--cancel <backfill_id>', 'stop a backfill for good (syncs it already enqueued still run)')
    .addHelpText(
      'after',
      '\nOn the embedded store (no DATABASE_URL) this command runs the syncs itself and needs the data directory to itself:\n' +
        'stop `crm-connector serve` first, or start the backfill from the admin pages while the service runs.\n' +
        'With DATABASE_URL it enqueues and shows progress while the running service\'s workers sync.',
    )
    .action((options: BackfillCommandOptions) =>
      reportFailure(async () => {
        const { runBackfillCommand } = await import('./command.ts');
        await runBackfillCommand(options);
      }),
    );
}
