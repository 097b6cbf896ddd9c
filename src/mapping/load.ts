/**
 * Loading a mapping file: YAML with positions → structure (zod) → semantic rules. Every problem
 * in the file is reported at once with file:line:column, key path and a sentence; a file with
 * problems is never half-used.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { ValueOrigin } from '../crm/write-plan.ts';
import { byPosition, formatKeyPath, type KeyPath, type MappingProblem } from './problems.ts';
import { MappingFile } from './schema.ts';
import { semanticProblems } from './semantic-checks.ts';
import { issuesToProblems, type IssueScope } from './structure-messages.ts';
import { YamlLocator } from './yaml-positions.ts';

export interface LoadedMapping {
  /** As shown in messages and origins (a path relative to where the connector runs, usually). */
  file: string;
  /** Content hash: which edit of the file a WritePlan was made with. */
  version: string;
  spec: MappingFile;
  /** Position of each object, property, match and content key, by key path (`objects.contact.properties.email`). */
  origins: Record<string, ValueOrigin>;
}

export type LoadResult = { ok: true; mapping: LoadedMapping } | { ok: false; problems: MappingProblem[] };

export const contentVersion = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

const YAML_MESSAGES: Partial<Record<YAMLError['code'], string>> = {
  DUPLICATE_KEY: 'this key appears twice in the same block: keys must be unique',
  TAB_AS_INDENT: 'tabs cannot indent YAML: use spaces',
  BAD_INDENT: 'the indentation does not line up with the lines above',
  MULTIPLE_DOCS: 'a mapping file holds one document: remove the extra ---',
};

export function loadMappingText(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        const detail = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
        return { file, line, column: col, path: '', message: YAML_MESSAGES[error.code] ?? `not valid YAML: ${detail}` };
      }),
    };
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined) {
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: 'the file is empty: it needs version, crm and objects' }] };
  }
  const scope: IssueScope = { file, raw, locator: new YamlLocator(doc, lines) };
  const parsed = MappingFile.safeParse(raw);
  const problems = dedupe([...(parsed.success ? [] : issuesToProblems(scope, parsed.error.issues)), ...semanticProblems(scope)]);
  if (!parsed.success || problems.length > 0) return { ok: false, problems: problems.sort(byPosition) };
  return { ok: true, mapping: { file, version: contentVersion(text), spec: parsed.data, origins: originsOf(scope, parsed.data) } };
}

export async function loadMappingFile(filePath: string, displayName = filePath): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read the file (${(error as Error).message})`;
    return { ok: false, problems: [{ file: displayName, line: 1, column: 1, path: '', message: reason }] };
  }
  return loadMappingText(text, displayName);
}

function dedupe(problems: MappingProblem[]): MappingProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function originsOf(scope: IssueScope, spec: MappingFile): Record<string, ValueOrigin> {
  const origins: Record<string, ValueOrigin> = {};
  const add = (path: KeyPath) => {
    const { line, column } = scope.locator.locate(path, { key: true });
    const dotted = formatKeyPath(path);
    origins[dotted] = { file: scope.file, line, column, path: dotted };
  };
  for (const [key, object] of Object.entries(spec.objects)) {
    add(['objects', key]);
    if (object.match !== undefined) add(['objects', key, 'match']);
    if (object.content) add(['objects', key, 'content']);
    for (const name of Object.keys(object.properties)) add(['objects', key, 'properties', name]);
  }
  return origins;
}
