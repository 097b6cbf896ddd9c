/**
 * A conversation's transcript turns as Markdown (`**Agent:** text`, one paragraph per turn), with
 * the platform's speaker labels. Used when a conversation comes from a file rather than from the
 * API's `?format=md` export.
 */
import { speakerLabel, type TranscriptTurn } from '../platform/schemas.ts';

/**
 * A blank line separates turns; a turn's own line breaks stay (Markdown hard breaks: two trailing
 * spaces). Agents write Markdown (lists, bold) and it renders; a visitor's line that happens to
 * start like a heading, quote or list ("# 1 priority") is escaped so it reads as typed.
 */
export function renderTranscriptMarkdown(turns: readonly TranscriptTurn[]): string {
  return turns
    .map((turn) => {
      const lines = turn.text.trim().split(/\r?\n/);
      const body = turn.role === 'agent' ? lines : lines.map((line, i) => (i === 0 ? line : escapeBlockStart(line)));
      return `**${speakerLabel(turn.role)}:** ${body.join('  \n')}`;
    })
    .join('\n\n');
}

/** Backslash-escapes what would make a line start a Markdown block: #, >, list markers, fences, rules. */
function escapeBlockStart(line: string): string {
  const ordered = /^(\s*\d+)([.)])/.exec(line);
  if (ordered) return `${ordered[1]}\\${ordered[2]}${line.slice(ordered[0].length)}`;
  return line.replace(/^(\s*)([#>+\-*=_`~|])/, '$1\\$2');
}
