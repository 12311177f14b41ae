// "Did you mean …?" suggestions for misspelt keys and names: the closest candidate by edit
// distance, comparing spellings without case, '_' or '-' so `timeout_ms` finds `timeoutMs`.

/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function normalise(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo:
 * within about one edit per three characters, or sharing most of its beginning (`maxEvals` →
 * `maxEvaluations`, an abbreviation no small edit distance would find).
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const target = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(target, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Words of one or two letters are too short for any edit to signal a typo.
  const allowed = target.length <= 2 ? 0 : Math.min(3, Math.max(1, Math.floor(target.length / 3)));
  if (bestDistance <= allowed) return best;
  const needed = Math.max(4, Math.ceil(target.length * 0.6));
  const byPrefix = candidates
    .map((candidate) => ({ candidate, shared: commonPrefixLength(target, normalise(candidate)) }))
    .filter((c) => c.shared >= needed)
    .sort((a, b) => b.shared - a.shared);
  // Only a unique best prefix match is a suggestion; a tie means we cannot tell which was meant.
  return byPrefix.length > 0 && byPrefix[0]!.shared !== byPrefix[1]?.shared ? byPrefix[0]!.candidate : undefined;
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** "did you mean `x`?", or '' when there is no plausible suggestion. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `did you mean \`${match}\`?`;
}
