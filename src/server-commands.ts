/**
 * `serve`, `migrate` and `retry`: the commands that run the service or act on its store. Each
 * loads its implementation lazily; each reports a failure as one line naming what is wrong.
 */
import { type Command, Option } from 'commander';

export const SERVICE_ROLES = ['web', 'worker', 'all'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('start the webhook receiver and the sync workers')
    .addOption(new Option('--role <role>', 'web: webhooks only; worker: sync jobs only; all: both').choices(SERVICE_ROLES).default('all'))
    .action((options: { role: ServiceRole }) => reportFailure(() => serve(options.role)));

  program
    .command('migrate')
    .description('apply store migrations and install the queue schema, then exit (serve also does this on start)')
    .action(() => reportFailure(migrateCommand));

  program
    .command('retry')
    .description('re-run the sync of one conversation, or of every failed (dead-lettered) one')
    .argument('[conversation_id]', 'the conversation to sync again')
    .option('--failed', 'every conversation whose sync failed')
    .option('--installation <id>', 'only this installation')
    .action((conversationId: string | undefined, options: { failed?: boolean; installation?: string }) =>
      reportFailure(() => retryCommand(conversationId, options)),
    );
}

async function serve(role: ServiceRole): Promise<void> {
  const { loadConfig } = await import('./config.ts');
  const { startService } = await import('./server.ts');
  const { createLogger } = await import('./log.ts');
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const service = await startService({ config, role, logger });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down: no new webhooks, finishing jobs in hand');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function migrateCommand(): Promise<void> {
  const { loadConfig } = await import('./config.ts');
  const { openBackend } = await import('./server.ts');
  const { createLogger } = await import('./log.ts');
  const { LATEST_MIGRATION } = await import('./store/migrations.ts');
  const config = loadConfig();
  const backend = await openBackend(config, { maintain: false, logger: createLogger({ level: config.logLevel }) });
  try {
    const applied = backend.migrated.length > 0 ? `applied ${backend.migrated.join(', ')}` : 'nothing to apply';
    process.stdout.write(`${backend.store.location}: ${applied}; at migration ${LATEST_MIGRATION}, queue schema installed\n`);
  } finally {
    await backend.close();
  }
}

async function retryCommand(conversationId: string | undefined, options: { failed?: boolean; installation?: string }): Promise<void> {
  if (Boolean(conversationId) === Boolean(options.failed)) {
    throw new Error('give either a conversation id or --failed');
  }
  const { loadConfig } = await import('./config.ts');
  const { openBackend } = await import('./server.ts');
  const { createLogger } = await import('./log.ts');
  const { retrySyncs } = await import('./sync/retry.ts');
  const config = loadConfig();
  const backend = await openBackend(config, { maintain: false, logger: createLogger({ level: config.logLevel }) });
  try {
    const scope = { installationId: options.installation };
    const report = await retrySyncs(
      backend.store,
      backend.boss,
      conversationId ? { ...scope, conversationId } : { ...scope, failed: true },
    );
    const line = (key: { installationId: string; conversationId: string }) => `${key.installationId} ${key.conversationId}`;
    for (const key of report.requeued) process.stdout.write(`queued          ${line(key)}\n`);
    for (const key of report.alreadyQueued) process.stdout.write(`already queued  ${line(key)}\n`);
    process.stdout.write(`${report.requeued.length} queued, ${report.alreadyQueued.length} already queued\n`);
  } finally {
    await backend.close();
  }
}

/** One line on stderr and exit code 1, instead of a stack trace, for the errors an operator fixes. */
export async function reportFailure(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    process.stderr.write(`crm-connector: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
