/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix naming the object,
 * then the pod and a counter), plus a 3-character suffix that makes the 18-character form
 * case-insensitive. The API answers with 18-character ids and accepts either form.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** Characters 4-6 of every id: the "instance" part real ids carry; constant in the sandbox. */
const POD = '5g0';

const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$/;

/** The 3-character suffix: for each 5-character chunk, a bitmap of which characters are upper case. */
function suffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET[bits];
  }
  return out;
}

/** The 18-character form of a well-formed 15- or 18-character id, else undefined. */
export function toId18(value: string): string | undefined {
  if (!ID_PATTERN.test(value)) return undefined;
  const id15 = value.slice(0, 15);
  const expected = suffix(id15);
  // An 18-character id whose suffix does not match its first 15 characters is not an id.
  if (value.length === 18 && value.slice(15).toUpperCase() !== expected) return undefined;
  return id15 + expected;
}

export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}

/** Hands out ids per key prefix; one generator per sandbox so ids never repeat across its orgs. */
export class IdGenerator {
  readonly #counters = new Map<string, number>();

  next(keyPrefix: string): string {
    const n = (this.#counters.get(keyPrefix) ?? 0) + 1;
    this.#counters.set(keyPrefix, n);
    let digits = '';
    for (let rest = n; rest > 0; rest = Math.floor(rest / 62)) digits = BASE62[rest % 62] + digits;
    const id15 = keyPrefix + POD + digits.padStart(9, '0');
    return id15 + suffix(id15);
  }
}
