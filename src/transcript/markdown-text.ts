/**
 * Markdown → plain text for CRM fields that do not render HTML (Salesforce Task Description):
 * emphasis markers dropped, links as "text (url)", lists as "- item", paragraphs separated by a
 * blank line.
 */
import { Lexer, type Token, type Tokens } from 'marked';

export function markdownToPlainText(markdown: string): string {
  return blocks(Lexer.lex(markdown, { gfm: true, breaks: true }))
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function blocks(tokens: readonly Token[]): string {
  return tokens.map(block).filter((t) => t !== '').join('\n\n');
}

function block(token: Token): string {
  switch (token.type) {
    case 'space':
      return '';
    case 'hr':
      return '---';
    case 'code':
      return (token as Tokens.Code).text;
    case 'list':
      return (token as Tokens.List).items
        .map((item, i) => `${(token as Tokens.List).ordered ? `${Number((token as Tokens.List).start || 1) + i}.` : '-'} ${blocks(item.tokens).replace(/\n/g, '\n  ')}`)
        .join('\n');
    case 'blockquote':
      return blocks((token as Tokens.Blockquote).tokens).replace(/^/gm, '> ');
    case 'table': {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens)).join(' | ');
      return [row(table.header), ...table.rows.map(row)].join('\n');
    }
    case 'html':
      return (token as Tokens.HTML).text.trim();
    default:
      return 'tokens' in token && token.tokens ? inline(token.tokens) : ('text' in token ? String(token.text) : '');
  }
}

function inline(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      switch (token.type) {
        case 'br':
          return '\n';
        case 'link': {
          const link = token as Tokens.Link;
          const label = inline(link.tokens);
          // Only links a reader could follow are spelled out; javascript: and the like are dropped.
          if (!/^(https?:|mailto:)/i.test(link.href) || label === link.href || `mailto:${label}` === link.href) return label;
          return `${label} (${link.href})`;
        }
        case 'image':
          return (token as Tokens.Image).text;
        case 'codespan':
          return (token as Tokens.Codespan).text;
        case 'escape':
        case 'html':
          return 'text' in token ? String(token.text) : '';
        default:
          return 'tokens' in token && token.tokens ? inline(token.tokens) : 'text' in token ? String(token.text) : '';
      }
    })
    .join('');
}

