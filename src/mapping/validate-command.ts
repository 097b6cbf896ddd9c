/** `mappings validate [files...]`: every problem of every file, then a summary; exit code 1 on any. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CommandIo } from './commands.ts';
import { loadMappingFile } from './load.ts';
import { formatProblem } from './problems.ts';

export async function runValidate(files: string[], dir: string, io: CommandIo): Promise<number> {
  let targets = files;
  if (targets.length === 0) {
    try {
      targets = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
    } catch (error) {
      io.err(`cannot read the mappings folder ${dir}: ${(error as Error).message}`);
      return 1;
    }
    if (targets.length === 0) {
      io.err(`no *.yaml mapping files in ${dir}`);
      return 1;
    }
  }
  let bad = 0;
  for (const file of targets) {
    const result = await loadMappingFile(file);
    if (result.ok) {
      io.out(`ok ${file} (version ${result.mapping.version})`);
      continue;
    }
    bad++;
    for (const problem of result.problems) io.err(formatProblem(problem));
  }
  if (bad > 0) io.err(`${bad} of ${targets.length} mapping file(s) have problems`);
  return bad > 0 ? 1 : 0;
}
