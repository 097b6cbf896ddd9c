/** The `forget` command: opens the store (exclusively on the embedded store), forgets, prints what was done. */
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { sharedOutboundGuard } from '../net/outbound-guard.ts';
import { openCommandBackend } from '../backfill/command-backend.ts';
import type { ForgetCommandOptions } from './commands.ts';
import { forgetDependencies } from './dependencies.ts';
import { forgetConversation, type ForgetReport } from './forget.ts';

export async function runForgetCommand(conversationId: string, options: ForgetCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.logLevel : 'warn' });
  const backend = await openCommandBackend(config, logger, {
    command: 'crm-connector forget',
    instead: 'use the forget action of the admin pages while the service runs',
  });
  try {
    const report = await forgetConversation(
      forgetDependencies(backend, logger, sharedOutboundGuard(config.outbound)),
      options.installation,
      conversationId,
      { keepDeal: options.keepDeal ?? false, alsoPlatform: options.alsoPlatform ?? false },
    );
    out.write(formatForgetReport(report));
  } finally {
    await backend.close({ graceful: true, timeoutMs: config.shutdownTimeoutSeconds * 1000 });
  }
}

export function formatForgetReport(report: ForgetReport): string {
  const lines: string[] = [];
  for (const inst of report.installations) {
    lines.push(`forgot conversation ${report.conversationId} in installation ${inst.installationId} (${inst.crm})${inst.alreadyForgotten ? ', forgotten before' : ''}:`);
    if (inst.objects.length === 0) lines.push(`  ${inst.crm}: nothing written for it`);
    for (const o of inst.objects) {
      const ids = o.ids.join(', ');
      lines.push(`  ${o.action.padEnd(9)} ${o.object.padEnd(12)} ${o.key.padEnd(18)} ${ids}${o.detail ? `: ${o.detail}` : ''}`);
    }
    const s = inst.stored;
    lines.push(
      `  stored copy: sync record ${s.syncRecord ? 'deleted' : 'none'}, ${s.webhookReceipts} webhook receipts, ` +
        `${s.backfillPending} backfill rows, ${s.queueJobs} queue jobs deleted`,
    );
    if (inst.platform) lines.push(`  platform: ${inst.platform === 'deleted' ? 'conversation deleted' : 'already deleted there'}`);
  }
  lines.push(`deal policy: ${report.dealPolicy === 'delete' ? 'deleted' : 'kept, redacted'}; an anonymised audit row remains (a hash of the id, counts per object type)`);
  return `${lines.join('\n')}\n`;
}
