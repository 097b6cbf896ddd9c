/**
 * `GET /api/v1/conversations/:id/transcript?format=txt|md|json`: the transcript as plain text,
 * Markdown or speaker-labelled JSON, all with the shared speaker labels (Agent / Visitor).
 */
import { speakerLabel, type Conversation, type TranscriptExport, type TranscriptFormat } from '../../platform/schemas.ts';

export interface RenderedTranscript {
  readonly contentType: string;
  readonly body: string;
}

/** `[2026-04-10T12:34:01Z] Agent: Hi!`, one turn per line; a multi-line turn continues indented. */
export function transcriptAsText(c: Conversation): string {
  return c.transcript
    .map((turn) => `[${turn.ts}] ${speakerLabel(turn.role)}: ${turn.text.replace(/\n/g, '\n    ')}`)
    .join('\n')
    .concat('\n');
}

/** A heading with the conversation's facts, then `**Agent** (12:34:01 UTC): …` paragraphs. */
export function transcriptAsMarkdown(c: Conversation): string {
  const facts = [
    `- **Widget:** ${c.widget_id}`,
    `- **Started:** ${c.started_at}`,
    `- **Ended:** ${c.ended_at} (${c.duration_seconds} s)`,
    `- **Outcome:** ${c.outcome}`,
    ...(c.page_url ? [`- **Page:** ${c.page_url}`] : []),
  ];
  const turns = c.transcript.map(
    // Two trailing spaces keep the visitor's own line breaks (Markdown hard breaks).
    (turn) => `**${speakerLabel(turn.role)}** (${timeOfDay(turn.ts)} UTC): ${turn.text.replace(/\n/g, '  \n')}`,
  );
  return [`# Conversation ${c.id}`, '', ...facts, '', ...turns.flatMap((t) => [t, ''])].join('\n');
}

export function transcriptAsJson(c: Conversation): TranscriptExport {
  return {
    conversation_id: c.id,
    turns: c.transcript.map((turn) => ({ speaker: speakerLabel(turn.role), role: turn.role, text: turn.text, ts: turn.ts })),
  };
}

export function renderTranscript(c: Conversation, format: TranscriptFormat): RenderedTranscript {
  switch (format) {
    case 'txt':
      return { contentType: 'text/plain; charset=utf-8', body: transcriptAsText(c) };
    case 'md':
      return { contentType: 'text/markdown; charset=utf-8', body: transcriptAsMarkdown(c) };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(transcriptAsJson(c)) };
  }
}

function timeOfDay(ts: string): string {
  return new Date(ts).toISOString().slice(11, 19);
}
