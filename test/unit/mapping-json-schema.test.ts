/**
 * The JSON Schema editors use: generated from the zod schema, committed in mappings/, never stale,
 * and doing its job: it accepts the shipped files and rejects bad ones. It is checked here through
 * zod's own JSON Schema reader, which builds a validator from the committed file alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JSON_SCHEMA_FILE, mappingJsonSchemaText } from '../../src/mapping/json-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const committedText = readFileSync(path.join(root, 'mappings', JSON_SCHEMA_FILE), 'utf8');
const SHIPPED = ['hubspot.default.yaml', 'salesforce.default.yaml'];

describe('mappings/mapping.schema.json', () => {
  it('is what the zod schema generates (regenerate: npm run cli -- mappings schema --write)', () => {
    expect(committedText).toBe(mappingJsonSchemaText());
  });

  const validator = z.fromJSONSchema(JSON.parse(committedText) as z.core.JSONSchema.JSONSchema);
  const shipped = (name: string) => parse(readFileSync(path.join(root, 'mappings', name), 'utf8')) as Record<string, unknown>;

  it.each(SHIPPED)('accepts the shipped %s, which points editors at it', (name) => {
    expect(validator.safeParse(shipped(name)).error?.issues).toBeUndefined();
    expect(readFileSync(path.join(root, 'mappings', name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./mapping.schema.json');
  });

  const hubspot = () => structuredClone(shipped('hubspot.default.yaml')) as {
    version: unknown;
    objects: Record<string, Record<string, unknown> & { properties: Record<string, Record<string, unknown>> }>;
  };
  it.each<[string, (file: ReturnType<typeof hubspot>) => void]>([
    ['an unknown transform', (f) => { f.objects.contact!.properties.email!.transforms = ['lowercase']; }],
    ['a transform with a bad value', (f) => { f.objects.contact!.properties.email!.transforms = [{ truncate: 'many' }]; }],
    ['an unknown key', (f) => { f.objects.contact!.propertys = {}; }],
    ['a bad write policy', (f) => { f.objects.contact!.properties.email!.policy = 'if-empty'; }],
    ['a bad version', (f) => { f.version = 2; }],
    ['an outcome that is not a list', (f) => { f.objects.deal!.when = { outcome: 'completed' }; }],
    ['a criterion result that does not exist', (f) => { f.objects.deal!.when = { criterion: 'x', is: 'passd' }; }],
    ['a source that is not a path', (f) => { f.objects.contact!.properties.email!.source = 'extracted data'; }],
    ['an object key that is not a plain name', (f) => { f.objects['Contact Person'] = f.objects.contact!; }],
  ])('rejects %s', (_name, breakIt) => {
    const file = hubspot();
    breakIt(file);
    expect(validator.safeParse(file).success).toBe(false);
  });
});
