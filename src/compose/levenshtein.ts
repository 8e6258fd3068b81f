/** Edit distance, for did-you-mean suggestions on misspelled keys. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a small distance, or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const lc = c.toLowerCase();
    // A key cut short or run on ("front" for "frontend") counts as close.
    const d = lc.length >= 3 && (w.startsWith(lc) || lc.startsWith(w)) ? 1 : levenshtein(w, lc);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
