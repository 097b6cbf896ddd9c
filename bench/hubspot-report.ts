/** The HubSpot benchmark's results (the JSON file's shape) and their Markdown table for the README. */
import type { SyncStatus } from '../src/store/sync-records.ts';

export interface BenchResults {
  recordedAt: string;
  command: string;
  machine: { node: string; cpus: number; platform: string };
  limit: { perTenSeconds: number; searchPerSecond: number };
  options: { backlog: number; sample: number; repeat: number; seed: number };
  connector: {
    /** Once per portal: account lookup and the connector's property group and properties. */
    setupCalls: number;
    singleCalls: number[];
    singleMedian: number;
    /** The last single run's calls by endpoint. */
    singleEndpoints: Record<string, number>;
    backlog: {
      conversations: number;
      calls: number;
      callsPerConversation: number;
      seconds: number;
      enqueueSeconds: number;
      perMinute: number;
      statuses: Partial<Record<SyncStatus, number>>;
      endpoints: Record<string, number>;
    };
    rateLimited: number;
    busiestTenSeconds: number;
  };
  baseline: {
    singleCalls: number[];
    singleMedian: number;
    singleEndpoints: Record<string, number>;
    sample: {
      conversations: number;
      calls: number;
      callsPerConversation: number;
      seconds: number;
      perMinuteOverall: number;
      /** After the first 10 s, when the client lives on the limit's refill alone. */
      perMinuteSteady: number;
    };
    backlogExtrapolated: { conversations: number; calls: number; seconds: number };
    rateLimited: number;
    busiestTenSeconds: number;
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const dec = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const duration = (s: number) => (s < 120 ? `${s.toFixed(0)} s` : s < 7_200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);

export function formatTable(r: BenchResults): string {
  const { connector: c, baseline: b } = r;
  const callsPerMinute = (r.limit.perTenSeconds * 60) / 10;
  const n = int(c.backlog.conversations);
  const rows: [string, string, string][] = [
    [`HubSpot calls for one conversation (contact + deal + note; median of ${c.singleCalls.length})`, int(c.singleMedian), int(b.singleMedian)],
    [`HubSpot calls for a backlog of ${n}`, int(c.backlog.calls), `${int(b.backlogExtrapolated.calls)} (extrapolated)`],
    ['Calls per conversation', dec(c.backlog.callsPerConversation), `${dec(b.sample.callsPerConversation)} (sample of ${int(b.sample.conversations)})`],
    [
      'Conversations per minute',
      `${int(c.backlog.perMinute)} (measured, ${n})`,
      `${int(b.sample.perMinuteSteady)} (measured, steady state)`,
    ],
    [
      `Ceiling set by the limit (${int(callsPerMinute)} calls/min ÷ calls per conversation)`,
      int(callsPerMinute / c.backlog.callsPerConversation),
      int(callsPerMinute / b.sample.callsPerConversation),
    ],
    [`Time for the backlog of ${n}`, duration(c.backlog.seconds), `${duration(b.backlogExtrapolated.seconds)} (extrapolated)`],
    ['429 responses', int(c.rateLimited), int(b.rateLimited)],
    [`Busiest 10 s (limit ${r.limit.perTenSeconds})`, int(c.busiestTenSeconds), int(b.busiestTenSeconds)],
  ];
  const lines = [
    `| HubSpot sandbox at ${r.limit.perTenSeconds} calls / 10 s | Connector | Naive per-event baseline |`,
    '|---|---:|---:|',
    ...rows.map(([what, connector, baseline]) => `| ${what} | ${connector} | ${baseline} |`),
  ];
  const notes = [
    `One conversation, connector: ${endpointList(c.singleEndpoints)}.`,
    `One conversation, baseline: ${endpointList(b.singleEndpoints)}.`,
    'The connector also writes the visitor\'s company and reads current values before writing `if_empty` properties; the baseline does neither (it is the naive pattern: search, create/update contact, create deal, create note, associate).',
    `Recorded ${r.recordedAt.slice(0, 10)} with \`${r.command}\` (Node ${r.machine.node}, ${r.machine.cpus} CPUs).`,
    `The connector ran through its sync queue and worker on the embedded store (the ${n} jobs were enqueued in the first ${duration(c.backlog.enqueueSeconds)} while the worker ran); its one-time setup (${c.setupCalls} calls: account lookup, property group and properties) is not counted.`,
    `The baseline wrote the same WritePlans on its own portal with the same limiter; its ${n}-conversation figures are extrapolated from the first ${int(b.sample.conversations)} (${duration(b.sample.seconds)}).`,
  ];
  return `${lines.join('\n')}\n\n${notes.join('\n')}\n`;
}

/** `contacts/batch/upsert ×1, associations notes→contacts …`: endpoints without the API prefixes. */
function endpointList(endpoints: Record<string, number>): string {
  return Object.entries(endpoints)
    .map(([endpoint, n]) => `${endpoint.replace(/^\S+ /, '').replace(/^\/crm\/v\d+\/(objects|associations)\//, '')} ×${n}`)
    .join(', ');
}
