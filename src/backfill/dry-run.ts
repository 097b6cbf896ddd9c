/**
 * `backfill --dry-run`: the same walk and the same decisions as a real backfill, counted per
 * outcome and widget, with nothing enqueued and nothing stored.
 */
import { getInstallation } from '../store/installations.ts';
import { decidePage, type SkipReason } from './page-decisions.ts';
import { gatherPageFacts } from './page-facts.ts';
import { listParamsOf, parseBackfillParams, type BackfillParamsInput } from './params.ts';
import type { BackfillRuntime } from './runtime.ts';

export interface DryRunCounts {
  seen: number;
  wouldEnqueue: number;
  skipped: Record<SkipReason, number>;
}

export interface DryRunReport extends DryRunCounts {
  pages: number;
  byOutcome: Record<string, DryRunCounts>;
  byWidget: Record<string, DryRunCounts>;
}

const emptyCounts = (): DryRunCounts => ({ seen: 0, wouldEnqueue: 0, skipped: { forgotten: 0, not_bound: 0, already_synced: 0 } });

export async function dryRunBackfill(
  rt: Pick<BackfillRuntime, 'store' | 'box' | 'platformFor' | 'mappingVersions'>,
  installationId: string,
  input: BackfillParamsInput,
  options: { signal?: AbortSignal; onPage?: (report: DryRunReport) => void } = {},
): Promise<DryRunReport> {
  const params = parseBackfillParams(input);
  const installation = await getInstallation(rt.store, rt.box, installationId);
  if (!installation) throw new Error(`no installation ${installationId}`);
  const report: DryRunReport = { pages: 0, ...emptyCounts(), byOutcome: {}, byWidget: {} };
  for await (const page of rt.platformFor(installation).pages(listParamsOf(params))) {
    const facts = await gatherPageFacts(rt.store, installation, page.data, rt.mappingVersions);
    const decisions = decidePage(page.data, facts, params.resync);
    page.data.forEach((conversation, i) => {
      const decision = decisions[i]!;
      for (const counts of [report, (report.byOutcome[conversation.outcome] ??= emptyCounts()), (report.byWidget[conversation.widget_id] ??= emptyCounts())]) {
        counts.seen++;
        if (decision.action === 'enqueue') counts.wouldEnqueue++;
        else counts.skipped[decision.reason]++;
      }
    });
    report.pages++;
    options.onPage?.(report);
    if (options.signal?.aborted) break;
  }
  return report;
}
