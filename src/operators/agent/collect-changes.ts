// Reads what an agent changed in its worktree relative to the parent commit: tracked files that
// differ (also when the agent committed them itself) and untracked, non-ignored new files.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileChange } from '../../core/types.ts';
import { runGit } from '../../git/exec.ts';

export interface WorktreeChange extends FileChange {
  /** True for a file git did not track before (untracked, or added by the agent). */
  isNew: boolean;
}

export type Collected = { ok: true; changes: WorktreeChange[] } | { ok: false; reason: string };

const GIT_TIMEOUT_MS = 30_000;

export async function collectChanges(worktreeDir: string, parentCommit: string, signal?: AbortSignal): Promise<Collected> {
  const git = (args: string[]) => runGit(args, { cwd: worktreeDir, signal, timeoutMs: GIT_TIMEOUT_MS });
  // `git diff <commit>` compares the commit with the work tree, so edits the agent committed or
  // staged count the same as plain edits.
  const modified = splitZ((await git(['diff', '--name-only', '--no-renames', '-z', parentCommit, '--'])).stdout);
  const added = new Set(splitZ((await git(['diff', '--name-only', '--no-renames', '--diff-filter=A', '-z', parentCommit, '--'])).stdout));
  const untracked = splitZ((await git(['ls-files', '--others', '--exclude-standard', '-z'])).stdout);

  const changes: WorktreeChange[] = [];
  for (const path of [...new Set([...modified, ...untracked])].sort()) {
    const full = join(worktreeDir, path);
    const info = await lstat(full).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    const isNew = added.has(path) || untracked.includes(path);
    if (info === null) {
      changes.push({ path, content: null, isNew });
      continue;
    }
    if (!info.isFile()) return { ok: false, reason: `the agent left ${path} as a ${info.isSymbolicLink() ? 'symbolic link' : 'non-regular file'}` };
    const bytes = await readFile(full);
    if (bytes.includes(0)) return { ok: false, reason: `the agent wrote binary content to ${path}` };
    changes.push({ path, content: bytes.toString('utf8'), isNew });
  }
  return { ok: true, changes };
}

function splitZ(output: string): string[] {
  return output.split('\0').filter((p) => p.length > 0);
}
