/** `mappings schema [--write]`: the JSON Schema editors use to complete and check mapping files. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandIo } from './commands.ts';
import { JSON_SCHEMA_FILE, mappingJsonSchemaText } from './json-schema.ts';

export async function runSchema(options: { write?: boolean | undefined }, dir: string, io: CommandIo): Promise<number> {
  const text = mappingJsonSchemaText();
  if (!options.write) {
    io.out(text);
    return 0;
  }
  const target = path.join(dir, JSON_SCHEMA_FILE);
  await writeFile(target, text);
  io.out(`wrote ${target}`);
  return 0;
}
