// Keeps `.cambrian/` out of `git status` by listing it in the repository's .git/info/exclude — a local,
// uncommitted file — so Cambrian never edits the user's .gitignore.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const CAMBRIAN_DIR = '.cambrian';
const PATTERN = `/${CAMBRIAN_DIR}/`;

/** Adds `/.cambrian/` to the exclude file; returns false when repoDir has no .git to write into. */
export function excludeCambrianDir(repoDir: string): boolean {
  const gitDir = commonGitDir(repoDir);
  if (gitDir === null) return false;
  const excludePath = join(gitDir, 'info', 'exclude');
  const existing = existsSync(excludePath) ? readFileSync(excludePath, 'utf8') : '';
  const lines = existing.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => line === PATTERN || line === `${CAMBRIAN_DIR}/` || line === CAMBRIAN_DIR || line === `/${CAMBRIAN_DIR}`)) return true;
  mkdirSync(dirname(excludePath), { recursive: true });
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  appendFileSync(excludePath, `${separator}# Cambrian's local store and caches\n${PATTERN}\n`);
  return true;
}

/**
 * The directory holding info/exclude: `.git` itself, or for a linked worktree (where `.git` is a
 * file saying `gitdir: …`) the main repository's git dir named by its `commondir` file.
 */
function commonGitDir(repoDir: string): string | null {
  const dotGit = join(repoDir, '.git');
  if (!existsSync(dotGit)) return null;
  if (statSync(dotGit).isDirectory()) return dotGit;
  const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!match) return null;
  const gitDir = resolve(repoDir, match[1]!.trim());
  const commonDirFile = join(gitDir, 'commondir');
  if (!existsSync(commonDirFile)) return gitDir;
  const common = readFileSync(commonDirFile, 'utf8').trim();
  return isAbsolute(common) ? common : resolve(gitDir, common);
}
