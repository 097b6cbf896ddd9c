/** "Did you mean …?" suggestions for misspelt names, by edit distance. */

/** Levenshtein distance, case-insensitive (case slips are the commonest typo in YAML keys). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[t.length] ?? 0;
}

const commonPrefixLength = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

/**
 * The closest candidate, if it is a plausible slip: a small edit distance (passd → passed), one
 * name starting with the other (lowercase → lower), or a long shared start (extraction → extracted_data).
 */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  const tolerance = Math.max(2, Math.floor(input.length / 3));
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const candidate = name.toLowerCase();
    const distance = editDistance(lowered, candidate);
    const prefix = commonPrefixLength(lowered, candidate);
    const related = distance <= tolerance || (prefix >= 3 && prefix === Math.min(lowered.length, candidate.length)) || prefix >= 5;
    if (!related) continue;
    // Prefer close spellings; a long shared start counts like a small edit.
    const score = Math.min(distance, prefix >= 3 ? Math.max(lowered.length, candidate.length) - prefix : Infinity);
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}

/** " — did you mean `lower`?" or "". */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const name = closestName(input, candidates);
  return name && name !== input ? ` — did you mean \`${name}\`?` : '';
}
