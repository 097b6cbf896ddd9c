/**
 * The turns of the platform's Markdown transcript export. The export opens with a
 * `# Conversation …` heading and a list of facts (widget, start, end, outcome, page); a mapping's
 * `transcript_markdown` is the turns only, because the facts are the mapping's to show
 * (`conversation_summary`), so a note never lists them twice. An export that does not open with
 * a top-level heading is returned as it is.
 */
import { Lexer, type Token, type Tokens } from 'marked';

/** A list item like `**Outcome:** completed`. */
const FACT = /^\*\*[^*\n]+:\*\*/;

export function transcriptTurns(exportMarkdown: string): string {
  const source = exportMarkdown.replace(/\r\n?/g, '\n');
  const tokens = Lexer.lex(source, { gfm: true });
  let next = skipSpace(tokens, 0);
  const heading = tokens[next];
  if (heading?.type !== 'heading' || heading.depth !== 1) return exportMarkdown;
  next = skipSpace(tokens, next + 1);
  const facts = tokens[next];
  if (facts?.type === 'list' && facts.items.every((item: Tokens.ListItem) => FACT.test(item.text))) next += 1;
  const dropped = tokens.slice(0, next).reduce((length, token) => length + token.raw.length, 0);
  return source.slice(dropped).trim();
}

function skipSpace(tokens: readonly Token[], from: number): number {
  let i = from;
  while (tokens[i]?.type === 'space') i++;
  return i;
}
