// What a child may change: evolvable files (include/exclude globs), protected paths, EVOLVE-BLOCK
// regions, and size limits. Every operator's proposal passes `checkChanges` before it is committed.
import type { FileChange } from '../core/types.ts';
import { checkProposalPaths } from './proposal-path.ts';

export interface ScopeLimits {
  maxFiles: number;
  maxChangedLines: number;
}

export interface EvolveScope {
  include: string[];
  exclude: string[];
  /** Paths (or directory prefixes ending in '/') no operator may touch. */
  protect: string[];
  limits: ScopeLimits;
}

export interface BlockRegion {
  /** 0-based line index of the first line inside the block (after the START marker). */
  startLine: number;
  /** 0-based line index of the END marker (exclusive end of the editable lines). */
  endLine: number;
}

const START = 'EVOLVE-BLOCK-START';
const END = 'EVOLVE-BLOCK-END';

/** Translate a glob (`*`, `**`, `?`, `{a,b}`) to an anchored regular expression over '/'-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += '(?:' + glob.slice(i + 1, close).split(',').map(escapeRegExp).join('|') + ')';
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp('^' + re + '$');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g.replace(/^\.\//, '')).test(path));
}

export function isProtected(scope: EvolveScope, path: string): boolean {
  return scope.protect.some((p) => {
    const clean = p.replace(/^\.\//, '');
    return clean.endsWith('/') ? path.startsWith(clean) : path === clean || matchesAny(path, [clean]);
  });
}

export function isEvolvable(scope: EvolveScope, path: string): boolean {
  return matchesAny(path, scope.include) && !matchesAny(path, scope.exclude) && !isProtected(scope, path);
}

/** The evolvable files among a commit's paths, sorted. */
export function evolvableFiles(scope: EvolveScope, paths: readonly string[]): string[] {
  return paths.filter((p) => isEvolvable(scope, p)).sort();
}

/** EVOLVE-BLOCK regions of a file (any comment syntax); empty when the file has no markers. */
export function findBlocks(content: string): BlockRegion[] {
  const lines = content.split('\n');
  const blocks: BlockRegion[] = [];
  let open = -1;
  lines.forEach((line, index) => {
    if (line.includes(START)) {
      if (open < 0) open = index + 1;
    } else if (line.includes(END) && open >= 0) {
      blocks.push({ startLine: open, endLine: index });
      open = -1;
    }
  });
  return blocks;
}

/** The file with every block's inside replaced by a placeholder: what must stay identical. */
function skeleton(content: string, blocks: BlockRegion[]): string {
  const lines = content.split('\n');
  const out: string[] = [];
  let cursor = 0;
  for (const b of blocks) {
    out.push(...lines.slice(cursor, b.startLine), '\u0000BLOCK\u0000');
    cursor = b.endLine;
  }
  out.push(...lines.slice(cursor));
  return out.join('\n');
}

/** Added + removed lines between two texts, counted as a multiset difference of lines. */
export function changedLineCount(before: string, after: string): number {
  const counts = new Map<string, number>();
  for (const line of before.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split('\n')) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else added++;
  }
  let removed = 0;
  for (const n of counts.values()) removed += n;
  return added + removed;
}

export type ScopeCheck = { ok: true } | { ok: false; reason: string };

/**
 * Check a proposal against the scope: well-formed paths first (see proposal-path.ts), then
 * evolvable, unprotected paths only; edits confined to
 * EVOLVE blocks where the parent file has them; at most maxFiles files and maxChangedLines lines.
 * `readParent` returns the parent's version of a file (null when it does not exist).
 */
export async function checkChanges(
  scope: EvolveScope,
  changes: readonly FileChange[],
  readParent: (path: string) => Promise<string | null>,
): Promise<ScopeCheck> {
  if (changes.length === 0) return { ok: false, reason: 'the proposal changes no file' };
  const wellFormed = checkProposalPaths(changes.map((c) => c.path));
  if (!wellFormed.ok) return wellFormed;
  const paths = new Set<string>();
  for (const change of changes) {
    if (paths.has(change.path)) return { ok: false, reason: `${change.path} is changed twice in one proposal` };
    paths.add(change.path);
  }
  if (paths.size > scope.limits.maxFiles) {
    return { ok: false, reason: `changes ${paths.size} files; at most ${scope.limits.maxFiles} allowed (evolve.maxFiles)` };
  }
  let changedLines = 0;
  for (const change of changes) {
    const path = change.path;
    if (isProtected(scope, path)) return { ok: false, reason: `${path} is protected (evaluator files and cambrian.yaml cannot be edited)` };
    if (!isEvolvable(scope, path)) return { ok: false, reason: `${path} is not evolvable (not matched by evolve.include, or excluded)` };
    const before = await readParent(path);
    const after = change.content ?? '';
    if (before !== null) {
      const blocks = findBlocks(before);
      if (blocks.length > 0) {
        if (change.content === null) return { ok: false, reason: `${path} has EVOLVE blocks and cannot be deleted` };
        const afterBlocks = findBlocks(after);
        if (afterBlocks.length !== blocks.length || skeleton(before, blocks) !== skeleton(after, afterBlocks)) {
          return { ok: false, reason: `${path}: edits outside the EVOLVE-BLOCK-START/END regions are not allowed` };
        }
      }
    }
    changedLines += changedLineCount(before ?? '', after);
  }
  if (changedLines > scope.limits.maxChangedLines) {
    return {
      ok: false,
      reason: `changes ${changedLines} lines; at most ${scope.limits.maxChangedLines} allowed (evolve.maxChangedLines)`,
    };
  }
  return { ok: true };
}
