/**
 * zod issues → mapping problems: positioned, and reworded for admins ("expected a list" rather
 * than "expected array, received string"; unknown keys and transforms get a "did you mean").
 */
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { formatKeyPath, type KeyPath, type MappingProblem } from './problems.ts';
import { readPath } from './source-paths.ts';
import { schemaIssueText } from './schema-issue-text.ts';
import { allowedKeysAt } from './schema-keys.ts';
import { ARG_TRANSFORMS, BARE_TRANSFORMS, MappingFile, ObjectSpec, TRANSFORM_ARGS, TRANSFORM_NAMES, type ArgTransformName } from './schema.ts';
import type { YamlLocator } from './yaml-positions.ts';

type Issue = z.core.$ZodIssue;

export interface IssueScope {
  file: string;
  raw: unknown;
  locator: YamlLocator;
}

/** The value at a key path in the raw YAML data (keys may be numbers for lists). */
export const rawAt = (raw: unknown, path: KeyPath): unknown => (path.length === 0 ? raw : readPath(raw, path.map(String).join('.')));

export function problemAt(scope: IssueScope, path: KeyPath, message: string, options: { key?: boolean } = {}): MappingProblem {
  const { line, column } = scope.locator.locate(path, options);
  return { file: scope.file, line, column, path: formatKeyPath(path), message };
}

export function issuesToProblems(scope: IssueScope, issues: readonly Issue[], base: KeyPath = []): MappingProblem[] {
  return issues.flatMap((issue) => issueToProblems(scope, issue, [...base, ...(issue.path as (string | number)[])]));
}

function issueToProblems(scope: IssueScope, issue: Issue, path: KeyPath): MappingProblem[] {
  const absent = path.length > 0 && rawAt(scope.raw, path) === undefined;
  if (absent && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    return [problemAt(scope, path.slice(0, -1), `missing required key \`${String(path.at(-1))}\``, { key: true })];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(MappingFile, path);
      return issue.keys.map((key) =>
        problemAt(scope, [...path, key], `unknown key \`${key}\`${didYouMean(key, allowed)}${allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : ''}`, { key: true }),
      );
    }
    case 'invalid_key': {
      const problems = [problemAt(scope, path, issue.issues.map((i) => i.message).join('; '), { key: true })];
      // zod does not look inside an entry whose key is invalid: check its value here so nothing waits for a second run.
      if (path.length === 2 && path[0] === 'objects') problems.push(...objectValueProblems(scope, path));
      return problems;
    }
    case 'invalid_union':
      return isTransformPath(path) ? transformProblems(scope, path) : [problemAt(scope, path, unionMessage(path))];
    default:
      return [problemAt(scope, path, schemaIssueText(issue, rawAt(scope.raw, path)))];
  }
}

function objectValueProblems(scope: IssueScope, path: KeyPath): MappingProblem[] {
  const parsed = ObjectSpec.safeParse(rawAt(scope.raw, path));
  return parsed.success ? [] : issuesToProblems(scope, parsed.error.issues, path);
}

const isTransformPath = (path: KeyPath): boolean => typeof path.at(-1) === 'number' && path.at(-2) === 'transforms';

function unionMessage(path: KeyPath): string {
  const key = [...path].reverse().find((seg) => typeof seg === 'string');
  if (key === 'source') return 'expected a path like extracted_data.email, or a list of paths';
  if (key === 'template' || key === 'title' || key === 'body') return 'expected text, or a list of texts tried in order';
  if (key === 'value' || key === 'default') return 'expected text, a number, or true/false (lists and groups are not values)';
  return 'this value does not have any of the allowed forms';
}

const TRANSFORM_EXAMPLES: Record<ArgTransformName, string> = {
  truncate: '- truncate: 255',
  split_name: '- split_name: first',
  map: '- map: { values: { yes: true }, strict: true, default: false }',
  default: '- default: Unknown',
  add_days: '- add_days: 30',
  join: '- join: "; "',
  phone: '- phone: { country: GB }',
};

const isBare = (name: string): boolean => (BARE_TRANSFORMS as readonly string[]).includes(name);
const isArg = (name: string): name is ArgTransformName => (ARG_TRANSFORMS as readonly string[]).includes(name);

/** A transform that matched no form: say which rule it broke. */
function transformProblems(scope: IssueScope, path: KeyPath): MappingProblem[] {
  const raw = rawAt(scope.raw, path);
  const unknown = (name: string) => `unknown transform \`${name}\`${didYouMean(name, TRANSFORM_NAMES)} (transforms: ${TRANSFORM_NAMES.join(', ')})`;
  if (typeof raw === 'string') {
    if (isArg(raw)) return [problemAt(scope, path, `transform \`${raw}\` needs a value, like: ${TRANSFORM_EXAMPLES[raw]}`)];
    return [problemAt(scope, path, unknown(raw))];
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1) return [problemAt(scope, path, 'write one transform per list item, e.g. "- trim" then "- truncate: 255" on the next line')];
    const name = keys[0] as string;
    if (isArg(name)) {
      const parsed = TRANSFORM_ARGS[name].safeParse((raw as Record<string, unknown>)[name]);
      if (!parsed.success) return issuesToProblems(scope, parsed.error.issues, [...path, name]);
    }
    if (isBare(name)) return [problemAt(scope, [...path, name], `transform \`${name}\` takes no value: write "- ${name}"`, { key: true })];
    return [problemAt(scope, [...path, name], unknown(name), { key: true })];
  }
  return [problemAt(scope, path, 'a transform is a name like "- trim" or a name with a value like "- truncate: 255"')];
}
