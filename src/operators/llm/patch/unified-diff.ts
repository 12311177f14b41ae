// Parses unified diffs (---/+++ headers, @@ hunks) from a model reply into edits. Hunks are located
// by their content (context + removed lines), not by the line numbers, which models get wrong;
// the header's line number only breaks ties between several matching places.
import { cleanPath, type FileEdit, type Parsed } from './edits.ts';
import { parseFence, resolvePath } from './paths.ts';

const HUNK = /^@@\s*(?:-(\d+)(?:,\d+)?\s+\+\d+(?:,\d+)?\s*)?@@/;

export const UNIFIED_DIFF_EXAMPLE = [
  '```diff',
  '--- a/src/pack.js',
  '+++ b/src/pack.js',
  '@@ -10,3 +10,3 @@',
  ' function radius() {',
  '-  return 0.1;',
  '+  return 0.12;',
  ' }',
  '```',
].join('\n');

interface Hunk {
  oldStart: number | undefined;
  lines: string[];
}

export function parseUnifiedDiff(reply: string, known: readonly string[]): Parsed<FileEdit[]> {
  const lines = reply.replace(/\r\n?/g, '\n').split('\n');
  const edits: FileEdit[] = [];
  let hunkCount = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i]!.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) continue;
    const oldPath = headerPath(lines[i]!);
    const newPath = headerPath(lines[i + 1]!);
    i += 2;
    const hunks: Hunk[] = [];
    while (i < lines.length) {
      const m = HUNK.exec(lines[i]!);
      if (!m) break;
      const body: string[] = [];
      for (i++; i < lines.length && isHunkLine(lines, i); i++) body.push(lines[i]!);
      while (body.length > 0 && body[body.length - 1] === '') body.pop();
      hunks.push({ oldStart: m[1] === undefined ? undefined : Number(m[1]), lines: body });
    }
    i--;
    if (oldPath === null && newPath === null) return fail('a diff header names /dev/null on both sides');
    if (oldPath !== null && newPath !== null && oldPath !== newPath) {
      return fail(`the diff renames ${oldPath} to ${newPath}; renames are not supported`);
    }
    const path = resolvePath(cleanPath((newPath ?? oldPath)!), known);
    if (newPath === null) {
      edits.push({ kind: 'write', path, content: null, label: `deletion of ${path}` });
      continue;
    }
    if (hunks.length === 0) return fail(`the diff for ${path} has no @@ hunk`);
    for (const hunk of hunks) {
      hunkCount++;
      const search: string[] = [];
      const replace: string[] = [];
      for (const line of hunk.lines) {
        if (line.startsWith('\\')) continue; // "\ No newline at end of file"
        const sign = line[0];
        const text = line.slice(1);
        if (sign === '-') search.push(text);
        else if (sign === '+') replace.push(text);
        else {
          search.push(text);
          replace.push(text);
        }
      }
      if (oldPath !== null && search.length === 0) {
        return fail(`diff hunk ${hunkCount} (${path}) has no context lines; include unchanged lines around the change`);
      }
      edits.push({
        kind: 'replace',
        path,
        search,
        replace,
        label: `diff hunk ${hunkCount}`,
        ...(hunk.oldStart !== undefined ? { hintLine: Math.max(0, hunk.oldStart - 1) } : {}),
      });
    }
  }
  if (edits.length === 0) return fail('the reply contains no unified diff (---/+++ headers followed by @@ hunks)');
  return { ok: true, value: edits };
}

/** `--- a/x\t2024-…` → `x`; `/dev/null` → null. */
function headerPath(line: string): string | null {
  let text = line.slice(4).split('\t')[0]!.trim();
  if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  if (text === '/dev/null') return null;
  return text.replace(/^[ab]\//, '');
}

/** A hunk body line: ' ', '-', '+', '\' or an empty line (a blank context line whose space was lost). */
function isHunkLine(lines: readonly string[], i: number): boolean {
  const line = lines[i]!;
  if (HUNK.test(line) || parseFence(line)) return false;
  if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) return false;
  return line === '' || line[0] === ' ' || line[0] === '-' || line[0] === '+' || line[0] === '\\';
}

function fail(reason: string): Parsed<FileEdit[]> {
  return { ok: false, reason, diagnostic: `${reason}. Answer with a unified diff like:\n${UNIFIED_DIFF_EXAMPLE}` };
}
