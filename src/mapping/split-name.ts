/**
 * Splitting a full name into first and last name, best effort and script-aware:
 * - "Zoë Ødegård-Smith" → Zoë / Ødegård-Smith; "Ludwig van Beethoven" → Ludwig / van Beethoven;
 * - "Smith, John" → John / Smith; "Dr. Jane Doe" → Jane / Doe (titles dropped);
 * - a single word ("Madonna") is a first name with no last name;
 * - Chinese and Korean names written without spaces put the family name first: "王小明" → 小明 / 王
 *   (four characters: two-character family name, "欧阳娜娜" → 娜娜 / 欧阳); with spaces the first word is
 *   the family name ("山田 太郎" → 太郎 / 山田). Japanese names in kanji without a space follow the
 *   same length rule, which is often wrong ("田中翔" → 中翔 / 田); kana names stay whole.
 */
export interface NameParts {
  first?: string;
  last?: string;
}

const TITLES = /^(mr|mrs|ms|miss|mx|dr|prof|sir|madam)\.?$/i;
const FAMILY_NAME_FIRST = /^[\p{Script=Han}\p{Script=Hangul}]+$/u;

export function splitName(fullName: string): NameParts {
  const name = fullName.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (name === '') return {};
  const comma = name.indexOf(',');
  if (comma > 0) {
    const last = name.slice(0, comma).trim();
    const first = name.slice(comma + 1).trim();
    return { ...(first && { first }), ...(last && { last }) };
  }
  let words = name.split(' ');
  while (words.length > 1 && TITLES.test(words[0] ?? '')) words = words.slice(1);
  const [head = '', ...rest] = words;
  if (rest.length === 0) return splitSingleWord(head);
  if (words.every((w) => FAMILY_NAME_FIRST.test(w))) return { first: rest.join(' '), last: head };
  return { first: head, last: rest.join(' ') };
}

function splitSingleWord(word: string): NameParts {
  const chars = [...word];
  if (FAMILY_NAME_FIRST.test(word) && chars.length >= 2 && chars.length <= 4) {
    const familyLength = chars.length === 4 ? 2 : 1;
    return { first: chars.slice(familyLength).join(''), last: chars.slice(0, familyLength).join('') };
  }
  return { first: word };
}
