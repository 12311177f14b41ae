// Parses SEARCH/REPLACE blocks from a model reply, multi-file:
//   path/to/file.js            (alone on the line before, or inside the ```lang fence, or `File: …`)
//   <<<<<<< SEARCH … ======= … >>>>>>> REPLACE
// A block without a path reuses the previous block's file. A malformed block fails the reply.
import { cleanPath, type FileEdit, type Parsed } from './edits.ts';
import { parseFence, pathFromLine, resolvePath } from './paths.ts';

const SEARCH = /^\s*<{5,9}\s*SEARCH\b/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE = /^\s*>{5,9}\s*REPLACE\b/;

export const SEARCH_REPLACE_EXAMPLE = [
  'src/pack.js',
  '```js',
  '<<<<<<< SEARCH',
  'const radius = 0.1;',
  '=======',
  'const radius = 0.12;',
  '>>>>>>> REPLACE',
  '```',
].join('\n');

/** True when the reply contains at least one SEARCH marker (used to tell formats apart). */
export function hasSearchReplaceBlocks(reply: string): boolean {
  return reply.split('\n').some((line) => SEARCH.test(line));
}

export function parseSearchReplace(reply: string, known: readonly string[]): Parsed<FileEdit[]> {
  const lines = reply.replace(/\r\n?/g, '\n').split('\n');
  const knownSet = new Set(known);
  const edits: FileEdit[] = [];
  let lastPath: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (REPLACE.test(line)) return malformed(edits.length + 1, `a '>>>>>>> REPLACE' marker at reply line ${i + 1} has no SEARCH section before it`);
    if (!SEARCH.test(line)) continue;
    const number = edits.length + 1;
    const search: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !DIVIDER.test(lines[j]!); j++) {
      if (SEARCH.test(lines[j]!) || REPLACE.test(lines[j]!)) return malformed(number, "it has no '=======' line between SEARCH and REPLACE");
      search.push(lines[j]!);
    }
    if (j >= lines.length) return malformed(number, "it has no '=======' line");
    const replace: string[] = [];
    let k = j + 1;
    for (; k < lines.length && !REPLACE.test(lines[k]!); k++) {
      if (SEARCH.test(lines[k]!) || DIVIDER.test(lines[k]!)) return malformed(number, "it is not closed by '>>>>>>> REPLACE'");
      replace.push(lines[k]!);
    }
    if (k >= lines.length) return malformed(number, "it is not closed by '>>>>>>> REPLACE'");

    const named = pathBefore(lines, i, knownSet);
    const path = named ?? lastPath ?? (known.length === 1 ? known[0]! : null);
    if (path === null) {
      return {
        ok: false,
        reason: `SEARCH/REPLACE block ${number} names no file`,
        diagnostic: `SEARCH/REPLACE block ${number} names no file. Write the file path alone on the line before each block, e.g.\n${SEARCH_REPLACE_EXAMPLE}`,
      };
    }
    lastPath = resolvePath(cleanPath(path), known);
    edits.push({ kind: 'replace', path: lastPath, search, replace, label: `SEARCH/REPLACE block ${number}` });
    i = k;
  }
  if (edits.length === 0) {
    return {
      ok: false,
      reason: 'the reply contains no SEARCH/REPLACE block',
      diagnostic: `Your reply contains no SEARCH/REPLACE block. Answer with blocks like:\n${SEARCH_REPLACE_EXAMPLE}`,
    };
  }
  return { ok: true, value: edits };
}

/** The path on the nearest meaningful line above a SEARCH marker (skipping blanks and fences). */
function pathBefore(lines: readonly string[], searchLine: number, known: ReadonlySet<string>): string | null {
  for (let j = searchLine - 1; j >= 0; j--) {
    const line = lines[j]!;
    if (line.trim() === '') continue;
    const fence = parseFence(line);
    if (fence) {
      const fromInfo = fence.info ? pathFromLine(fence.info, known) : null;
      if (fromInfo) return fromInfo;
      continue;
    }
    if (REPLACE.test(line)) return null;
    return pathFromLine(line, known);
  }
  return null;
}

function malformed(number: number, why: string): Parsed<FileEdit[]> {
  return {
    ok: false,
    reason: `SEARCH/REPLACE block ${number} is malformed: ${why}`,
    diagnostic: `SEARCH/REPLACE block ${number} is malformed: ${why}. Each block must be:\n${SEARCH_REPLACE_EXAMPLE}`,
  };
}
