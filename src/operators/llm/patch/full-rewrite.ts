// Parses whole-file rewrites: each file in a fenced block preceded by its path (or with the path as
// the fence info string). With a single evolvable file, one unnamed block is taken to be that file.
import { cleanPath, type FileEdit, type Parsed } from './edits.ts';
import { parseFence, pathFromLine, resolvePath } from './paths.ts';

export const REWRITE_EXAMPLE = ['src/pack.js', '```js', '// the complete new content of src/pack.js', '```'].join('\n');

interface Fenced {
  path: string | null;
  body: string[];
}

export function parseRewrite(reply: string, known: readonly string[]): Parsed<FileEdit[]> {
  const lines = reply.replace(/\r\n?/g, '\n').split('\n');
  const knownSet = new Set(known);
  const blocks: Fenced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = parseFence(lines[i]!);
    if (!open) continue;
    let close = i + 1;
    while (close < lines.length && lines[close]!.trim() !== open.marker) close++;
    if (close >= lines.length) return fail(`the fenced block opened at reply line ${i + 1} is never closed`);
    const fromInfo = open.info ? pathFromLine(open.info, knownSet) : null;
    blocks.push({ path: fromInfo ?? pathBeforeFence(lines, i, knownSet), body: lines.slice(i + 1, close) });
    i = close;
  }
  if (blocks.length === 0) return fail('the reply contains no fenced file');
  const edits: FileEdit[] = [];
  for (const [index, block] of blocks.entries()) {
    let path = block.path;
    if (path === null && blocks.length === 1 && known.length === 1) path = known[0]!;
    if (path === null) return fail(`fenced block ${index + 1} names no file; write its path on the line before the fence`);
    const resolved = resolvePath(cleanPath(path), known);
    if (edits.some((e) => e.path === resolved)) return fail(`${resolved} is rewritten twice; give each file once`);
    edits.push({ kind: 'write', path: resolved, content: block.body.join('\n') + '\n', label: `the rewrite of ${resolved}` });
  }
  return { ok: true, value: edits };
}

function pathBeforeFence(lines: readonly string[], fenceLine: number, known: ReadonlySet<string>): string | null {
  for (let j = fenceLine - 1; j >= 0; j--) {
    const line = lines[j]!;
    if (line.trim() === '') continue;
    if (parseFence(line)) return null;
    return pathFromLine(line, known);
  }
  return null;
}

function fail(reason: string): Parsed<FileEdit[]> {
  return { ok: false, reason, diagnostic: `${reason}. Give each changed file in full, like:\n${REWRITE_EXAMPLE}` };
}
