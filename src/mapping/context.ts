/**
 * What a mapping reads from: the conversation's fields plus the computed sources listed in
 * source-paths.ts. Built once per evaluation; plain data, no I/O.
 */
import type { Conversation } from '../platform/schemas.ts';
import { markdownToPlainText } from '../transcript/markdown-text.ts';
import { conversationSummary, criteriaSummary, extractedDataSummary } from './conversation-summary.ts';
import type { COMPUTED_ROOTS } from './source-paths.ts';

export interface TranscriptInput {
  /** The transcript as Markdown: the platform's `?format=md` export, or rendered from the turns. */
  markdown: string;
}

export type EvaluationContext = Record<string, unknown> & Record<keyof typeof COMPUTED_ROOTS, string | undefined>;

export function buildContext(conversation: Conversation, transcript: TranscriptInput, transcriptUrl: string | undefined): EvaluationContext {
  const markdown = transcript.markdown.trim();
  return {
    ...conversation,
    transcript_markdown: markdown === '' ? undefined : markdown,
    transcript_text: markdown === '' ? undefined : markdownToPlainText(markdown),
    transcript_url: transcriptUrl,
    criteria_summary: criteriaSummary(conversation),
    extracted_data_summary: extractedDataSummary(conversation),
    conversation_summary: conversationSummary(conversation),
  };
}
