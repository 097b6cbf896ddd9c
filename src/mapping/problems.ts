/** A problem found in a mapping file: where it is and what is wrong, in words an admin understands. */
export interface MappingProblem {
  file: string;
  line: number;
  column: number;
  /** Key path inside the file: `objects.contact.properties.email.transforms[0]`. */
  path: string;
  message: string;
}

export const formatProblem = (p: MappingProblem): string => `${p.file}:${p.line}:${p.column} ${p.path || '(file)'}: ${p.message}`;

export const byPosition = (a: MappingProblem, b: MappingProblem): number => a.line - b.line || a.column - b.column;

export type KeyPath = readonly (string | number)[];

/** `objects.contact.transforms[0]`: dots between keys, brackets around list positions. */
export const formatKeyPath = (path: KeyPath): string =>
  path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? seg : `${out}.${seg}`), '');
