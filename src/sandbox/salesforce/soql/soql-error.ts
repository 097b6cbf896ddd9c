/**
 * A refused query, worded like Salesforce: the query, a caret under the offending token, then
 * `ERROR at Row:r:Column:c` and the reason. Rendered as a 400 `[{message, errorCode}]`.
 */
import { SalesforceApiError } from '../rest/salesforce-error.ts';

export class SoqlError extends Error {
  readonly errorCode: string;

  constructor(errorCode: string, soql: string, offset: number, reason: string) {
    super(SoqlError.#format(soql, offset, reason));
    this.name = 'SoqlError';
    this.errorCode = errorCode;
  }

  static #format(soql: string, offset: number, reason: string): string {
    const before = soql.slice(0, offset);
    const row = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const column = offset - lineStart + 1;
    const line = soql.slice(lineStart).split('\n')[0] ?? '';
    return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${reason}`;
  }

  toApiError(): SalesforceApiError {
    return SalesforceApiError.of(400, this.errorCode, this.message);
  }
}
