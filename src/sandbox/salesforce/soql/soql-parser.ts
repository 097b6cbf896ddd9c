/**
 * The SOQL subset the connector sends, parsed into a small tree:
 *   SELECT f1, f2 | COUNT() FROM Type
 *   [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
 * where cond combines `field op literal`, `field [NOT] IN (...)`, `field LIKE '...'`, NOT and
 * parentheses with AND or OR. Like Salesforce, mixing AND and OR needs parentheses.
 */
import { tokenize, type Token } from './soql-lexer.ts';
import { SoqlError } from './soql-error.ts';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number };

export interface FieldRef {
  path: string;
  offset: number;
}

export type Condition =
  | { kind: 'compare'; field: FieldRef; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal; offset: number }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[]; offset: number }
  | { kind: 'like'; field: FieldRef; pattern: string; offset: number }
  | { kind: 'not'; condition: Condition }
  | { kind: 'and' | 'or'; conditions: Condition[] };

export interface OrderItem {
  field: FieldRef;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  soql: string;
  count: boolean;
  fields: FieldRef[];
  from: { name: string; offset: number };
  where: Condition | undefined;
  orderBy: OrderItem[];
  limit: number | undefined;
  offset: number | undefined;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'OFFSET', 'NULL', 'TRUE', 'FALSE']);

class Parser {
  readonly #soql: string;
  readonly #tokens: Token[];
  #at = 0;

  constructor(soql: string) {
    this.#soql = soql;
    this.#tokens = tokenize(soql);
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== 'eof') this.#at++;
    return t;
  }

  #isKeyword(word: string, t = this.#peek()): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  #acceptKeyword(word: string): boolean {
    if (!this.#isKeyword(word)) return false;
    this.#at++;
    return true;
  }

  #unexpected(t = this.#peek()): SoqlError {
    return new SoqlError('MALFORMED_QUERY', this.#soql, t.offset, `unexpected token: '${t.text}'`);
  }

  #expectKeyword(word: string): void {
    if (!this.#acceptKeyword(word)) throw this.#unexpected();
  }

  #expectPunct(text: string): void {
    const t = this.#next();
    if (t.kind !== 'punct' || t.text !== text) throw this.#unexpected(t);
  }

  #acceptPunct(text: string): boolean {
    const t = this.#peek();
    if (t.kind !== 'punct' || t.text !== text) return false;
    this.#at++;
    return true;
  }

  parse(): SoqlQuery {
    this.#expectKeyword('SELECT');
    let count = false;
    const fields: FieldRef[] = [];
    if (this.#isKeyword('COUNT') && this.#tokens[this.#at + 1]?.text === '(') {
      this.#at++;
      this.#expectPunct('(');
      this.#expectPunct(')');
      count = true;
    } else {
      do fields.push(this.#fieldRef());
      while (this.#acceptPunct(','));
    }
    this.#expectKeyword('FROM');
    const fromToken = this.#next();
    if (fromToken.kind !== 'ident' || KEYWORDS.has(fromToken.text.toUpperCase())) throw this.#unexpected(fromToken);
    const where = this.#acceptKeyword('WHERE') ? this.#condition() : undefined;
    const orderBy: OrderItem[] = [];
    if (this.#acceptKeyword('ORDER')) {
      this.#expectKeyword('BY');
      do orderBy.push(this.#orderItem());
      while (this.#acceptPunct(','));
    }
    const limit = this.#acceptKeyword('LIMIT') ? this.#nonNegativeInteger() : undefined;
    const offset = this.#acceptKeyword('OFFSET') ? this.#nonNegativeInteger() : undefined;
    if (this.#peek().kind !== 'eof') throw this.#unexpected();
    return { soql: this.#soql, count, fields, from: { name: fromToken.text, offset: fromToken.offset }, where, orderBy, limit, offset };
  }

  #fieldRef(): FieldRef {
    const first = this.#next();
    if (first.kind !== 'ident' || KEYWORDS.has(first.text.toUpperCase())) throw this.#unexpected(first);
    let path = first.text;
    while (this.#acceptPunct('.')) {
      const part = this.#next();
      if (part.kind !== 'ident') throw this.#unexpected(part);
      path += `.${part.text}`;
    }
    return { path, offset: first.offset };
  }

  #nonNegativeInteger(): number {
    const t = this.#next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) throw this.#unexpected(t);
    return t.value;
  }

  #orderItem(): OrderItem {
    const field = this.#fieldRef();
    const descending = this.#acceptKeyword('DESC') ? true : (this.#acceptKeyword('ASC'), false);
    let nullsLast = descending;
    if (this.#acceptKeyword('NULLS')) {
      if (this.#acceptKeyword('LAST')) nullsLast = true;
      else if (this.#acceptKeyword('FIRST')) nullsLast = false;
      else throw this.#unexpected();
    }
    return { field, descending, nullsLast };
  }

  /** Terms joined by one operator; a different operator at the same level needs parentheses. */
  #condition(): Condition {
    const first = this.#term();
    const joiner = this.#isKeyword('AND') ? 'AND' : this.#isKeyword('OR') ? 'OR' : undefined;
    if (!joiner) return first;
    const conditions = [first];
    while (this.#acceptKeyword(joiner)) conditions.push(this.#term());
    if (this.#isKeyword(joiner === 'AND' ? 'OR' : 'AND')) throw this.#unexpected();
    return { kind: joiner === 'AND' ? 'and' : 'or', conditions };
  }

  #term(): Condition {
    if (this.#acceptKeyword('NOT')) return { kind: 'not', condition: this.#term() };
    if (this.#acceptPunct('(')) {
      const inner = this.#condition();
      this.#expectPunct(')');
      return inner;
    }
    const field = this.#fieldRef();
    const opToken = this.#peek();
    if (this.#acceptKeyword('LIKE')) {
      const t = this.#next();
      if (t.kind !== 'string') throw this.#unexpected(t);
      return { kind: 'like', field, pattern: t.value, offset: t.offset };
    }
    const negated = this.#isKeyword('NOT') && this.#isKeyword('IN', this.#tokens[this.#at + 1]);
    if (negated) this.#at++;
    if (this.#acceptKeyword('IN')) {
      this.#expectPunct('(');
      const values: Literal[] = [];
      do values.push(this.#literal());
      while (this.#acceptPunct(','));
      this.#expectPunct(')');
      return { kind: 'in', field, negated, values, offset: opToken.offset };
    }
    const op = this.#next();
    if (op.kind !== 'punct' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(op.text)) throw this.#unexpected(op);
    const valueOffset = this.#peek().offset;
    const value = this.#literal();
    const normalized = (op.text === '<>' ? '!=' : op.text) as '=' | '!=' | '<' | '<=' | '>' | '>=';
    return { kind: 'compare', field, op: normalized, value, offset: valueOffset };
  }

  #literal(): Literal {
    const t = this.#next();
    switch (t.kind) {
      case 'string': return { kind: 'string', value: t.value };
      case 'number': return { kind: 'number', value: t.value };
      case 'date': return { kind: 'date', value: t.value };
      case 'datetime': return { kind: 'datetime', value: t.value };
      case 'ident': {
        const word = t.text.toUpperCase();
        if (word === 'NULL') return { kind: 'null' };
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE' };
        throw this.#unexpected(t);
      }
      default:
        throw this.#unexpected(t);
    }
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(soql).parse();
}
