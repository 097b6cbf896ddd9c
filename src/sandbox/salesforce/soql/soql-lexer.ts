/**
 * SOQL tokens with their offsets, so errors can point at Row:Column the way Salesforce's do.
 * String literals are single-quoted with backslash escapes (`\'`, `\\`, `\n`...); `\%` and `\_`
 * stay escaped for LIKE patterns.
 */
import { SoqlError } from './soql-error.ts';

export type Token =
  | { kind: 'ident'; text: string; offset: number }
  | { kind: 'string'; value: string; text: string; offset: number }
  | { kind: 'number'; value: number; text: string; offset: number }
  | { kind: 'date'; value: string; text: string; offset: number }
  | { kind: 'datetime'; value: number; text: string; offset: number }
  | { kind: 'punct'; text: string; offset: number }
  | { kind: 'eof'; text: string; offset: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?![\w])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const PUNCT = /^(?:!=|<>|<=|>=|[=<>(),.])/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', '%': '\\%', _: '\\_' };

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const rest = soql.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      const { value, length } = readString(soql, i);
      tokens.push({ kind: 'string', value, text: soql.slice(i, i + length), offset: i });
      i += length;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime) {
      tokens.push({ kind: 'datetime', value: Date.parse(datetime[0]), text: datetime[0], offset: i });
      i += datetime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', value: date[0], text: date[0], offset: i });
      i += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number && !(rest[0] === '.' && tokens.at(-1)?.kind === 'ident')) {
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], offset: i });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], offset: i });
      i += ident[0].length;
      continue;
    }
    const punct = PUNCT.exec(rest);
    if (punct) {
      tokens.push({ kind: 'punct', text: punct[0], offset: i });
      i += punct[0].length;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', soql, i, `unexpected token: '${rest[0]}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', offset: soql.length });
  return tokens;
}

function readString(soql: string, start: number): { value: string; length: number } {
  let value = '';
  for (let i = start + 1; i < soql.length; i++) {
    const c = soql[i]!;
    if (c === "'") return { value, length: i - start + 1 };
    if (c === '\\') {
      const next = soql[i + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) {
        throw new SoqlError('MALFORMED_QUERY', soql, start, `Invalid string literal '${soql.slice(start + 1, i + 2)}'. Illegal character sequence '\\${next ?? ''}' in string literal.`);
      }
      value += escaped;
      i++;
      continue;
    }
    value += c;
  }
  throw new SoqlError('MALFORMED_QUERY', soql, start, `line 1:${start} mismatched character '<EOF>' expecting '''`);
}
