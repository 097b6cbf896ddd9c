/**
 * Rules beyond the structure: known CRM objects, source paths that exist, associations between
 * objects of this file, one way to produce each value, strict maps with a default... Each part is
 * checked as soon as it is well-formed on its own, so one broken property does not hide the
 * problems of the others: a file's problems are all reported in one run.
 */
import path from 'node:path';
import { CrmName } from '../crm/write-plan.ts';
import { CRM_LABELS, CRM_OBJECTS, PROPERTY_NAME_PATTERN, roleHasContent, roleNeedsMatch } from './crm-objects.ts';
import { didYouMean } from './did-you-mean.ts';
import type { KeyPath, MappingProblem } from './problems.ts';
import { SourcePath } from './schema.ts';
import { checkSourcePath } from './source-paths.ts';
import { problemAt, type IssueScope } from './structure-messages.ts';
import { parseTemplate } from './template.ts';

type Report = (path: KeyPath, message: string, options?: { key?: boolean }) => void;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function semanticProblems(scope: IssueScope): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const report: Report = (p, message, options) => problems.push(problemAt(scope, p, message, options));
  const raw = scope.raw;
  if (!isRecord(raw)) return problems;
  const crm = CrmName.safeParse(raw.crm).success ? (raw.crm as CrmName) : undefined;
  if (crm) checkFileName(scope.file, crm, report);
  if (!isRecord(raw.objects)) return problems;
  const keys = Object.keys(raw.objects);
  if (keys.length === 0) report(['objects'], 'no objects: add at least one, like contact or deal', { key: true });
  for (const key of keys) {
    const spec = raw.objects[key];
    if (isRecord(spec)) checkObject(crm, key, spec, keys, report);
  }
  return problems;
}

/** `hubspot.default.yaml` must say `crm: hubspot`: the name decides which conversations use it. */
function checkFileName(file: string, crm: CrmName, report: Report): void {
  const named = /^(hubspot|salesforce)\./.exec(path.basename(file))?.[1];
  if (named && named !== crm) report(['crm'], `this file is named for ${named} but says crm: ${crm}`);
}

function checkObject(crm: CrmName | undefined, key: string, spec: Record<string, unknown>, keys: string[], report: Report): void {
  const at = ['objects', key];
  const object = typeof spec.object === 'string' ? spec.object : undefined;
  const role = crm && object !== undefined ? CRM_OBJECTS[crm][object] : undefined;
  if (crm && object !== undefined && role === undefined) report([...at, 'object'], unknownObjectMessage(crm, object));

  const properties = isRecord(spec.properties) ? spec.properties : {};
  if (typeof spec.match === 'string') {
    if (role && !roleNeedsMatch(role)) {
      report([...at, 'match'], `${object} are created once per conversation and matched by the connector: remove \`match\``, { key: true });
    } else if (!Object.hasOwn(properties, spec.match)) {
      report([...at, 'match'], `match names property \`${spec.match}\`, which is not under properties${didYouMean(spec.match, Object.keys(properties))}`);
    }
  } else if (role && roleNeedsMatch(role) && spec.match === undefined) {
    report(at, `needs \`match:\` naming the property that identifies the ${object} record (like email or the conversation id property)`, { key: true });
  }

  if (role && roleHasContent(role) && spec.content === undefined) {
    report(at, `${object} need \`content:\` with at least a title`, { key: true });
  } else if (role && !roleHasContent(role) && spec.content !== undefined) {
    report([...at, 'content'], `\`content\` is only for notes and activities, not ${object}`, { key: true });
  }
  if (isRecord(spec.content)) {
    for (const part of ['title', 'body'] as const) {
      forEachText(spec.content[part], [...at, 'content', part], (t, where) => checkTemplate(where, t, report));
    }
  }

  if (Array.isArray(spec.associations)) checkAssociations(key, spec.associations, keys, [...at, 'associations'], report);
  if (spec.when !== undefined) checkCondition([...at, 'when'], spec.when, report);
  checkProperties(crm, properties, [...at, 'properties'], report);
}

function unknownObjectMessage(crm: CrmName, object: string): string {
  const known = Object.keys(CRM_OBJECTS[crm]);
  const other: CrmName = crm === 'hubspot' ? 'salesforce' : 'hubspot';
  const belongsElsewhere = Object.hasOwn(CRM_OBJECTS[other], object) ? ` (${object} is a ${CRM_LABELS[other]} object)` : '';
  return `unknown ${CRM_LABELS[crm]} object \`${object}\`${belongsElsewhere}${didYouMean(object, known)} (objects: ${known.join(', ')})`;
}

function checkAssociations(key: string, targets: unknown[], keys: string[], at: KeyPath, report: Report): void {
  const seen = new Set<string>();
  targets.forEach((target, i) => {
    if (typeof target !== 'string') return;
    if (target === key) report([...at, i], `${key} cannot be associated with itself`);
    else if (!keys.includes(target)) report([...at, i], `no object \`${target}\` in this file${didYouMean(target, keys)} (objects: ${keys.join(', ')})`);
    else if (seen.has(target)) report([...at, i], `${target} is listed twice`);
    seen.add(target);
  });
}

function checkProperties(crm: CrmName | undefined, properties: Record<string, unknown>, at: KeyPath, report: Report): void {
  const byFoldedName = new Map<string, string>();
  for (const [name, raw] of Object.entries(properties)) {
    const where = [...at, name];
    if (crm && !PROPERTY_NAME_PATTERN[crm].test(name)) {
      const hint = crm === 'hubspot' && PROPERTY_NAME_PATTERN.hubspot.test(name.toLowerCase()) ? ` — did you mean \`${name.toLowerCase()}\`?` : '';
      const rule = crm === 'hubspot' ? 'HubSpot internal property names use lower-case letters, digits and _' : 'Salesforce field API names use letters, digits and _';
      report(where, `${rule}: \`${name}\` is not one${hint}`, { key: true });
    }
    const folded = name.toLowerCase();
    const earlier = byFoldedName.get(folded);
    if (earlier !== undefined) report(where, `duplicate property: \`${name}\` and \`${earlier}\` are the same ${crm ? CRM_LABELS[crm] : 'CRM'} property`, { key: true });
    byFoldedName.set(folded, name);
    checkValueSpec(where, raw, report);
  }
}

/** Walks the raw property, so a typo in one key does not hide a bad path in another. */
function checkValueSpec(at: KeyPath, spec: unknown, report: Report): void {
  if (!isRecord(spec)) return;
  const kinds = (['source', 'template', 'value'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length === 0) report(at, 'say where the value comes from: add source, template or value', { key: true });
  if (kinds.length > 1) report(at, `give only one of source, template or value (found ${kinds.join(' and ')})`, { key: true });
  forEachText(spec.source, [...at, 'source'], (p, where) => {
    const problem = SourcePath.safeParse(p).success ? checkSourcePath(p) : undefined;
    if (problem) report(where, problem);
  });
  forEachText(spec.template, [...at, 'template'], (t, where) => checkTemplate(where, t, report));
  if (Array.isArray(spec.transforms)) {
    spec.transforms.forEach((transform, i) => {
      const map = isRecord(transform) && isRecord(transform.map) ? transform.map : undefined;
      if (!map) return;
      const where = [...at, 'transforms', i, 'map'];
      if (map.strict === true && map.default === undefined) {
        report(where, 'a strict map needs `default:`, the value written when the input is not listed', { key: true });
      }
      if (map.strict !== true && map.default !== undefined) {
        report(where, '`default` is only used by a strict map: add `strict: true`, or unlisted values pass through unchanged', { key: true });
      }
    });
  }
  if (spec.otherwise !== undefined) checkValueSpec([...at, 'otherwise'], spec.otherwise, report);
}

/** Calls `check` for a text or each text of a list, with the key path of each. */
function forEachText(value: unknown, at: KeyPath, check: (text: string, where: KeyPath) => void): void {
  if (typeof value === 'string') check(value, at);
  else if (Array.isArray(value)) value.forEach((v, i) => typeof v === 'string' && check(v, [...at, i]));
}

function checkTemplate(at: KeyPath, template: string, report: Report): void {
  const parsed = parseTemplate(template);
  for (const error of parsed.errors) report(at, error);
  for (const part of parsed.parts) {
    if (!('path' in part) || parsed.errors.length > 0) continue;
    const problem = checkSourcePath(part.path);
    if (problem) report(at, `{{${part.path}}}: ${problem}`);
  }
}

/** Walks the raw condition, so a malformed branch does not hide the problems of its siblings. */
function checkCondition(at: KeyPath, condition: unknown, report: Report): void {
  if (!isRecord(condition)) return;
  const given = Object.entries(condition).filter(([, v]) => v !== undefined && v !== null);
  if (given.length === 0) report(at, 'empty condition: use outcome, criterion + is, present, equals, all, any or not');
  if (condition.criterion !== undefined && condition.is === undefined) {
    report([...at, 'criterion'], 'say which result to test: add `is: passed`, `is: failed` or `is: missing`', { key: true });
  }
  if (condition.is !== undefined && condition.criterion === undefined) {
    report([...at, 'is'], '`is` tests a criterion: add `criterion:` with its name', { key: true });
  }
  const paths: [KeyPath, unknown][] = [
    [[...at, 'present'], condition.present],
    [[...at, 'equals', 'path'], isRecord(condition.equals) ? condition.equals.path : undefined],
  ];
  for (const [where, value] of paths) {
    const problem = typeof value === 'string' && SourcePath.safeParse(value).success ? checkSourcePath(value) : undefined;
    if (problem) report(where, problem);
  }
  for (const list of ['all', 'any'] as const) {
    const items = condition[list];
    if (Array.isArray(items)) items.forEach((c, i) => checkCondition([...at, list, i], c, report));
  }
  if (condition.not !== undefined) checkCondition([...at, 'not'], condition.not, report);
}
