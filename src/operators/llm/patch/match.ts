// Locates a model-quoted block of lines in a file: exactly first, then ignoring trailing whitespace,
// then ignoring indentation (re-indenting the replacement to fit). Several matches are an error;
// no match yields a diagnostic quoting the file's closest lines so the model can correct itself.

export type Tolerance = 'exact' | 'trailing-whitespace' | 'indentation';

export type Located =
  | { ok: true; start: number; length: number; tolerance: Tolerance; replacement: string[] }
  | { ok: false; kind: 'ambiguous' | 'no-match'; message: string; diagnostic: string };

const LEVELS: Array<{ tolerance: Tolerance; normalise: (line: string) => string }> = [
  { tolerance: 'exact', normalise: (line) => line },
  { tolerance: 'trailing-whitespace', normalise: (line) => line.trimEnd() },
  { tolerance: 'indentation', normalise: (line) => line.trim() },
];

/**
 * Find `search` (lines) in `fileLines` and return where it is plus the replacement lines adjusted to
 * the matched indentation. `hintLine` (0-based, from a diff header) breaks ties between several
 * matches; without it several matches are ambiguous.
 */
export function locate(fileLines: readonly string[], search: readonly string[], replace: readonly string[], hintLine?: number): Located {
  const attempts: Array<readonly string[]> = [search];
  const trimmed = trimBlankEdges(search);
  if (trimmed.length !== search.length && trimmed.length > 0) attempts.push(trimmed);
  for (const { tolerance, normalise } of LEVELS) {
    for (const needle of attempts) {
      const starts = findAll(fileLines.map(normalise), needle.map(normalise));
      if (starts.length === 0) continue;
      let start = starts[0]!;
      if (starts.length > 1) {
        const chosen = hintLine === undefined ? undefined : nearestUnique(starts, hintLine);
        if (chosen === undefined) {
          const where = starts.map((s) => s + 1).join(', ');
          return {
            ok: false,
            kind: 'ambiguous',
            message: `matches ${starts.length} places (lines ${where})`,
            diagnostic: `The SEARCH text matches ${starts.length} places (starting at lines ${where}). Include more surrounding lines so it matches exactly one place.`,
          };
        }
        start = chosen;
      }
      const replacement =
        tolerance === 'indentation' ? reindent(needle, fileLines.slice(start, start + needle.length), replace) : [...replace];
      return { ok: true, start, length: needle.length, tolerance, replacement };
    }
  }
  return { ok: false, kind: 'no-match', message: 'matches nothing in the file', diagnostic: closestLines(fileLines, trimmed.length > 0 ? trimmed : search) };
}

function findAll(haystack: readonly string[], needle: readonly string[]): number[] {
  const starts: number[] = [];
  if (needle.length === 0 || needle.length > haystack.length) return starts;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    starts.push(i);
  }
  return starts;
}

function nearestUnique(starts: number[], hint: number): number | undefined {
  const sorted = [...starts].sort((a, b) => Math.abs(a - hint) - Math.abs(b - hint));
  if (Math.abs(sorted[0]! - hint) === Math.abs(sorted[1]! - hint)) return undefined;
  return sorted[0];
}

export function trimBlankEdges(lines: readonly string[]): string[] {
  let from = 0;
  let to = lines.length;
  while (from < to && lines[from]!.trim() === '') from++;
  while (to > from && lines[to - 1]!.trim() === '') to--;
  return lines.slice(from, to);
}

function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Shift the replacement by the indentation difference between what the model quoted and what the
 * file has, measured on the first non-blank line, so relative indentation inside it is preserved.
 */
function reindent(quoted: readonly string[], matched: readonly string[], replace: readonly string[]): string[] {
  const index = quoted.findIndex((line) => line.trim() !== '');
  if (index < 0) return [...replace];
  const from = leadingWhitespace(quoted[index]!);
  const to = leadingWhitespace(matched[index]!);
  if (from === to) return [...replace];
  return replace.map((line) => {
    if (line.trim() === '') return line;
    const own = leadingWhitespace(line);
    if (own.startsWith(from)) return to + line.slice(from.length);
    // Less indented than the anchor line (e.g. a closing brace of an outer scope): shift by the
    // length difference when that is well defined, else leave the line as written.
    const shift = to.length - from.length;
    if (shift > 0) return to.slice(0, shift) + line;
    const removable = Math.min(-shift, own.length);
    return line.slice(removable);
  });
}

/** Dice coefficient over character bigrams: cheap, order-aware enough to rank candidate regions. */
export function lineSimilarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) {
    const g = x.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      shared++;
      grams.set(g, n - 1);
    }
  }
  return (2 * shared) / (x.length - 1 + (y.length - 1));
}

/** The file region of the search's length most similar to it, with line numbers, as feedback. */
export function closestLines(fileLines: readonly string[], search: readonly string[]): string {
  const window = Math.max(1, Math.min(search.length, fileLines.length));
  let best = { start: 0, score: -1 };
  for (let start = 0; start + window <= fileLines.length; start++) {
    let total = 0;
    for (let j = 0; j < window; j++) total += lineSimilarity(fileLines[start + j]!, search[j] ?? '');
    const score = total / Math.max(window, search.length);
    if (score > best.score) best = { start, score };
  }
  if (fileLines.length === 0 || best.score <= 0) {
    return 'No line of the file resembles the SEARCH text. Quote lines that exist in the file, copied exactly.';
  }
  const first = best.start;
  const last = best.start + window - 1;
  const numbered = fileLines.slice(first, last + 1).map((line, k) => `${String(first + k + 1).padStart(5)}| ${line}`);
  const differing = search.findIndex((line, k) => line.trimEnd() !== (fileLines[first + k] ?? '').trimEnd());
  const hint =
    differing >= 0
      ? `\nFirst difference at line ${first + differing + 1}: the SEARCH text has\n    ${JSON.stringify(search[differing])}\nbut the file has\n    ${JSON.stringify(fileLines[first + differing] ?? '')}`
      : '';
  return (
    `The closest lines of the file (lines ${first + 1}-${last + 1}, ${Math.round(best.score * 100)}% similar) are:\n` +
    numbered.join('\n') +
    hint +
    '\nCopy the SEARCH text exactly from the file (without the line numbers).'
  );
}
