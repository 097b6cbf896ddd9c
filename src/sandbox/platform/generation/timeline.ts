/**
 * Puts a dialogue on the clock: visitors type at human speed (pastes are instant), the agent
 * answers in seconds, tool calls happen just before the reply that uses them. Offsets are whole
 * seconds from the start, so timestamps look like the seed page's.
 */
import type { Outcome, ToolCall, TranscriptTurn } from '../../../platform/schemas.ts';
import type { ScriptLine } from '../catalog/script.ts';
import type { SeededRandom } from '../random.ts';

export interface Timeline {
  readonly turns: { role: 'agent' | 'user'; text: string; offsetS: number }[];
  readonly toolCalls: { name: string; args: ToolCall['args']; result: ToolCall['result']; offsetS: number }[];
  /** When the session closed, seconds after the start. */
  readonly endOffsetS: number;
}

const PASTE_THRESHOLD_CHARS = 400;

export function scheduleLines(rng: SeededRandom, lines: readonly ScriptLine[], outcome: Outcome): Timeline {
  const turns: Timeline['turns'] = [];
  const toolCalls: Timeline['toolCalls'] = [];
  let t = 0;
  for (const line of lines) {
    if ('tool' in line) {
      t += rng.int(1, 2);
      toolCalls.push({ ...line.tool, offsetS: t });
    } else if (line.role === 'user') {
      const typing = line.text.length > PASTE_THRESHOLD_CHARS ? rng.int(3, 8) : Math.ceil(line.text.length / 4) + rng.int(2, 15);
      t += typing;
      turns.push({ role: 'user', text: line.text, offsetS: t });
    } else {
      t += turns.length === 0 ? 1 : rng.int(1, 4);
      turns.push({ role: 'agent', text: line.text, offsetS: t });
    }
  }
  // Abandoned sessions close on an inactivity timeout; others when the visitor closes the widget.
  const tail = outcome === 'abandoned' ? rng.int(60, 600) : outcome === 'error' ? rng.int(1, 5) : rng.int(2, 30);
  return { turns, toolCalls, endOffsetS: t + tail };
}

/** Timestamps without a `.000` fraction, as the seed page shows them; fractions are kept when present. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function anchorTimeline(timeline: Timeline, startMs: number): { transcript: TranscriptTurn[]; tool_calls: ToolCall[] } {
  return {
    transcript: timeline.turns.map((turn) => ({ role: turn.role, text: turn.text, ts: formatTimestamp(startMs + turn.offsetS * 1000) })),
    tool_calls: timeline.toolCalls.map((call) => ({
      name: call.name,
      args: call.args,
      result: call.result,
      ts: formatTimestamp(startMs + call.offsetS * 1000),
    })),
  };
}
