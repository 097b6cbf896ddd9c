/**
 * SOQL text built from values that come from website visitors: every literal goes through
 * `soqlString` and every field or object name through `soqlName`, so a visitor typing
 * `x' OR Email != '` gets their text searched for, not a different query.
 */

/** Escapes SOQL knows inside a quoted string (backslash first, so no escape is escaped twice). */
const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A quoted SOQL string literal: `O'Brien` → `'O\'Brien'`. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => STRING_ESCAPES[c]!)}'`;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** An object or field API name, refused unless it is a plain identifier (names come from mapping files). */
export function soqlName(name: string): string {
  if (!NAME.test(name)) throw new Error(`"${name}" is not a Salesforce API name (letters, digits and _ only, starting with a letter)`);
  return name;
}

/** Values per `IN (...)`: keeps the GET URL of a query far below Salesforce's ~16 k URI limit. */
export const MAX_IN_VALUES = 100;
/** Longest SOQL text per query; values beyond it go to the next query. */
export const MAX_SOQL_CHARS = 8_000;

export interface InQuery {
  object: string;
  /** Selected fields; `Id` is always selected. */
  fields: readonly string[];
  /** The field compared with `IN`. */
  field: string;
  values: readonly string[];
  /** Extra condition ANDed to the IN, already valid SOQL (built from constants only). */
  and?: string;
  orderBy?: string;
}

/**
 * `SELECT … FROM object WHERE field IN (…) [AND …] [ORDER BY …]`, split into several queries
 * when the values do not fit one: at most MAX_IN_VALUES values and MAX_SOQL_CHARS characters each.
 */
export function buildInQueries(query: InQuery): string[] {
  const fields = [...new Set(['Id', ...query.fields])].map(soqlName).join(', ');
  const head = `SELECT ${fields} FROM ${soqlName(query.object)} WHERE ${soqlName(query.field)} IN (`;
  const tail = `)${query.and ? ` AND ${query.and}` : ''}${query.orderBy ? ` ORDER BY ${query.orderBy}` : ''}`;
  const queries: string[] = [];
  let literals: string[] = [];
  let length = head.length + tail.length;
  for (const value of [...new Set(query.values)]) {
    const literal = soqlString(value);
    const added = literal.length + (literals.length > 0 ? 2 : 0);
    if (literals.length > 0 && (literals.length >= MAX_IN_VALUES || length + added > MAX_SOQL_CHARS)) {
      queries.push(head + literals.join(', ') + tail);
      literals = [];
      length = head.length + tail.length;
    }
    literals.push(literal);
    length += literal.length + (literals.length > 1 ? 2 : 0);
  }
  if (literals.length > 0) queries.push(head + literals.join(', ') + tail);
  return queries;
}
