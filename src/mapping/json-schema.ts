/** The JSON Schema of mapping files, generated from the zod schema so the two never disagree. */
import { z } from 'zod';
import { MappingFile } from './schema.ts';

export const JSON_SCHEMA_FILE = 'mapping.schema.json';

export function mappingJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(MappingFile, { io: 'input', target: 'draft-2020-12' });
}

/** The file's exact text: stable key order and a final newline, so regenerating gives no diff. */
export const mappingJsonSchemaText = (): string => `${JSON.stringify(mappingJsonSchema(), null, 2)}\n`;
