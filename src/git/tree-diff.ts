// A unified diff between two commits' file listings, computed in-process from blobs read through
// the long-lived cat-file reader: prompts show an inspiration's difference from the parent on
// nearly every job, and spawning `git diff` for it cost ~13 ms a job on a loaded 2-core machine.
// The format is git's (diff --git / index / ---/+++ / @@ hunks, three lines of context); the text is
// only ever shown to a model, so the ordering of files and the exact hunk boundaries need not be
// byte-identical to git's.
//
// Candidate commits are hostile: a file can be huge or built to make a line diff quadratic, so each
// file is bounded by size (MAX_DIFF_BYTES) and by edit length (MAX_EDIT_LENGTH), past which it is
// described in one line instead of diffed.
import { structuredPatch } from 'diff';
import type { TreeEntry } from './port.ts';

/** Files larger than this (either side) are not diffed line by line. */
export const MAX_DIFF_BYTES = 1024 * 1024;
/** Edit distance (lines inserted + removed) past which a file's diff is abandoned. */
export const MAX_EDIT_LENGTH = 5_000;
/** git's test for binary content: a NUL byte in the first 8,000 bytes. */
const BINARY_PROBE = 8_000;

export type BlobLoader = (blob: string) => Promise<Buffer>;

/** Whether `path` is selected by literal pathspecs (the file itself, or a directory above it). */
export function selectedBy(paths: readonly string[], path: string): boolean {
  if (paths.length === 0) return true;
  return paths.some((spec) => {
    const p = spec.replace(/\/+$/, '');
    return p === '' || p === '.' || path === p || path.startsWith(`${p}/`);
  });
}

export async function diffListings(from: readonly TreeEntry[], to: readonly TreeEntry[], paths: readonly string[], load: BlobLoader): Promise<string> {
  const before = new Map(from.filter((e) => selectedBy(paths, e.path)).map((e) => [e.path, e]));
  const after = new Map(to.filter((e) => selectedBy(paths, e.path)).map((e) => [e.path, e]));
  const changed = [...new Set([...before.keys(), ...after.keys()])]
    .filter((path) => before.get(path)?.blob !== after.get(path)?.blob || before.get(path)?.mode !== after.get(path)?.mode)
    .sort(comparePaths);
  const parts: string[] = [];
  for (const path of changed) parts.push(await diffFile(path, before.get(path) ?? null, after.get(path) ?? null, load));
  return parts.join('');
}

async function diffFile(path: string, a: TreeEntry | null, b: TreeEntry | null, load: BlobLoader): Promise<string> {
  const lines = [`diff --git a/${path} b/${path}`];
  if (a === null) lines.push(`new file mode ${b!.mode}`);
  else if (b === null) lines.push(`deleted file mode ${a.mode}`);
  else if (a.mode !== b.mode) lines.push(`old mode ${a.mode}`, `new mode ${b.mode}`);
  if (a?.blob === b?.blob) return lines.join('\n') + '\n';
  const modeSuffix = a !== null && b !== null && a.mode === b.mode ? ` ${a.mode}` : '';
  lines.push(`index ${short(a?.blob)}..${short(b?.blob)}${modeSuffix}`);
  const [left, right] = await Promise.all([a ? load(a.blob) : Buffer.alloc(0), b ? load(b.blob) : Buffer.alloc(0)]);
  const oldName = a ? `a/${path}` : '/dev/null';
  const newName = b ? `b/${path}` : '/dev/null';
  if (isBinary(left) || isBinary(right)) return [...lines, `Binary files ${oldName} and ${newName} differ`].join('\n') + '\n';
  if (left.length > MAX_DIFF_BYTES || right.length > MAX_DIFF_BYTES) {
    return [...lines, `--- ${oldName}`, `+++ ${newName}`, `(not shown: ${left.length} → ${right.length} bytes, too large to diff)`].join('\n') + '\n';
  }
  const oldText = left.toString('utf8');
  const patch = structuredPatch(oldName, newName, oldText, right.toString('utf8'), undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  lines.push(`--- ${oldName}`, `+++ ${newName}`);
  if (patch === undefined) return [...lines, `(not shown: more than ${MAX_EDIT_LENGTH} lines differ)`].join('\n') + '\n';
  const oldLines = oldText.split('\n');
  for (const hunk of patch.hunks) {
    const context = functionLine(oldLines, hunk.oldStart - 1);
    lines.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@${context ? ` ${context}` : ''}`, ...hunk.lines);
  }
  return lines.join('\n') + '\n';
}

/** git's hunk range: `start,count`, the count omitted when it is 1; an empty side names the line before. */
function range(start: number, count: number): string {
  if (count === 0) return `${Math.max(0, start - 1)},0`;
  return count === 1 ? String(start) : `${start},${count}`;
}

/**
 * git's default hunk-header context: the nearest line above the hunk (0-based `before` excluded)
 * that starts with a letter, `_` or `$`, trimmed and cut to 80 characters.
 */
function functionLine(lines: readonly string[], before: number): string {
  for (let at = Math.min(before, lines.length) - 1; at >= 0; at--) {
    const line = lines[at]!;
    if (/^[A-Za-z_$]/.test(line)) return line.trimEnd().slice(0, 80);
  }
  return '';
}

function short(blob: string | undefined): string {
  return blob === undefined ? '0000000' : blob.slice(0, 7);
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_PROBE).includes(0);
}

/** Byte order of the UTF-8 paths (git's order for files in the same directories). */
function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
