/**
 * Line and column of a key path in a YAML document, so every problem points at the text the
 * admin wrote. A path that does not exist (a missing key) resolves to the deepest part that does.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { KeyPath } from './problems.ts';

export interface Position {
  line: number;
  column: number;
}

export class YamlLocator {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Position of the value at `path`, or of its key with `{ key: true }` (better for "unknown key", "duplicate"). */
  locate(path: KeyPath, options: { key?: boolean } = {}): Position {
    let node: unknown = this.#doc.contents;
    let anchor: Node | undefined = isNode(node) ? node : undefined;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) break;
        const value = isNode(pair.value) ? pair.value : undefined;
        anchor = (last && options.key) || !value ? (isNode(pair.key) ? pair.key : anchor) : value;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && isNode(node.items[segment])) {
        node = node.items[segment];
        anchor = node as Node;
      } else {
        break;
      }
    }
    return this.#position(anchor?.range?.[0] ?? 0);
  }

  #position(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }
}

const isNode = (value: unknown): value is Node => isScalar(value) || isMap(value) || isSeq(value) || (typeof value === 'object' && value !== null && 'range' in value);

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));
