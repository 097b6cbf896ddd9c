import { describe, expect, it } from 'vitest';
import { MAX_IN_VALUES, MAX_SOQL_CHARS, buildInQueries, soqlName, soqlString } from '../../src/crm/salesforce/soql.ts';

describe('soqlString', () => {
  it.each([
    ['plain@example.com', "'plain@example.com'"],
    ["o'brien@example.com", "'o\\'brien@example.com'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['say "hi"', "'say \\\"hi\\\"'"],
    ['line\nbreak\ttab\r', "'line\\nbreak\\ttab\\r'"],
    ["x' OR Email != '", "'x\\' OR Email != \\''"],
  ])('quotes %j as %s', (value, literal) => {
    expect(soqlString(value)).toBe(literal);
  });
});

describe('soqlName', () => {
  it('accepts API names and refuses anything else', () => {
    expect(soqlName('Conversation_Id__c')).toBe('Conversation_Id__c');
    expect(() => soqlName('Email FROM User--')).toThrow('"Email FROM User--" is not a Salesforce API name');
    expect(() => soqlName('_x')).toThrow();
  });
});

describe('buildInQueries', () => {
  it('selects Id first, deduplicates fields and values, and adds the condition and order', () => {
    expect(buildInQueries({
      object: 'Lead',
      fields: ['Email', 'Id', 'Email', 'FirstName'],
      field: 'Email',
      values: ['a@x.com', 'b@x.com', 'a@x.com'],
      and: 'IsConverted = false',
      orderBy: 'LastModifiedDate DESC',
    })).toEqual([
      "SELECT Id, Email, FirstName FROM Lead WHERE Email IN ('a@x.com', 'b@x.com') AND IsConverted = false ORDER BY LastModifiedDate DESC",
    ]);
  });

  it(`splits after ${MAX_IN_VALUES} values`, () => {
    const values = Array.from({ length: 250 }, (_, i) => `v${i}@x.com`);
    const queries = buildInQueries({ object: 'Contact', fields: ['Email'], field: 'Email', values });
    expect(queries.map((q) => q.match(/'v\d+@x\.com'/g)!.length)).toEqual([100, 100, 50]);
    expect(queries.flatMap((q) => q.match(/'v\d+@x\.com'/g)!)).toEqual(values.map((v) => `'${v}'`));
  });

  it(`keeps every query within ${MAX_SOQL_CHARS} characters`, () => {
    const values = Array.from({ length: 60 }, (_, i) => `${'x'.repeat(200)}${i}@example.com`);
    const queries = buildInQueries({ object: 'Contact', fields: ['Email'], field: 'Email', values });
    expect(queries.length).toBeGreaterThan(1);
    for (const query of queries) expect(query.length).toBeLessThanOrEqual(MAX_SOQL_CHARS);
    expect(queries.join(' ').match(/@example\.com'/g)).toHaveLength(60);
  });

  it('refuses names that could change the query', () => {
    expect(() => buildInQueries({ object: 'Lead', fields: ['Email'], field: "Email IN ('x') OR Id", values: ['a'] })).toThrow('not a Salesforce API name');
  });
});
