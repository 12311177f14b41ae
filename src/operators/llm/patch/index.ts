// Turns a model reply into file changes: parse the requested patch format, apply it all-or-nothing
// to the parent's files, then enforce the evolve scope. Failures carry feedback for one retry.
import type { FileChange } from '../../../core/types.ts';
import { checkProposalPaths } from '../../proposal-path.ts';
import { checkChanges, type EvolveScope } from '../../scope.ts';
import { applyEdits, type FileEdit, type Parsed, type ReadFile } from './edits.ts';
import { parseRewrite } from './full-rewrite.ts';
import { parseSearchReplace } from './search-replace.ts';
import { extractSubject } from './subject.ts';
import { parseUnifiedDiff } from './unified-diff.ts';

export type PatchFormat = 'search-replace' | 'rewrite' | 'diff';

export type ApplyResult =
  | { ok: true; changes: FileChange[]; subject: string | null }
  | { ok: false; reason: string; diagnostic?: string };

export interface ApplyOptions {
  /** The files the model was shown (the parent's evolvable files): resolves `pack.js` to `src/pack.js`,
   *  and is the implied file of a block without a path when it is the only one. */
  files?: readonly string[];
  /** When given, the changes must pass `checkChanges` (evolvable, unprotected, EVOLVE blocks, limits). */
  scope?: EvolveScope;
}

export async function applyReply(reply: string, format: PatchFormat, read: ReadFile, options: ApplyOptions = {}): Promise<ApplyResult> {
  const files = options.files ?? [];
  const parsed = parse(reply, format, files);
  if (!parsed.ok) return parsed;
  // Before any file is read: a path like `src//b.js` or `.git/config` never reaches git.
  const paths = checkProposalPaths(parsed.value.map((edit) => edit.path));
  if (!paths.ok) {
    return {
      ok: false,
      reason: paths.reason,
      diagnostic: `Your edit was refused: ${paths.reason}. Name files exactly as they are shown, relative to the repository root.`,
    };
  }
  const applied = await applyEdits(parsed.value, read);
  if (!applied.ok) return applied;
  if (options.scope) {
    const check = await checkChanges(options.scope, applied.changes, read);
    if (!check.ok) {
      return {
        ok: false,
        reason: check.reason,
        diagnostic: `Your edit was refused: ${check.reason}. Edit only the files shown, and only inside EVOLVE-BLOCK-START/END regions where a file has them.`,
      };
    }
  }
  return { ok: true, changes: applied.changes, subject: extractSubject(reply) };
}

function parse(reply: string, format: PatchFormat, files: readonly string[]): Parsed<FileEdit[]> {
  switch (format) {
    case 'search-replace':
      return parseSearchReplace(reply, files);
    case 'diff':
      return parseUnifiedDiff(reply, files);
    case 'rewrite':
      return parseRewrite(reply, files);
  }
}

export { extractSubject, sanitiseSubject, MAX_SUBJECT_CHARS } from './subject.ts';
export { SEARCH_REPLACE_EXAMPLE } from './search-replace.ts';
export { UNIFIED_DIFF_EXAMPLE } from './unified-diff.ts';
export { REWRITE_EXAMPLE } from './full-rewrite.ts';
export type { ReadFile } from './edits.ts';
