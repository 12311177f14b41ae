// Where pooled evaluation directories live and how the leftovers of a crashed run are removed. Only
// entries under the pool root with a dead owner are touched; live pools and the user's worktrees
// never are. Git is never run inside a leftover (a candidate wrote it): it is deleted as plain files,
// and `git worktree prune` (in the user's repository) forgets registrations of older versions.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { removeTree } from './materialize.ts';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { runGit } from './exec.ts';
import { isOwnerAlive, readOwnerFile } from './worktree-owner.ts';

const OWNER_FILE = /^(wt-\d+)\.owner$/;

/** `os.tmpdir()/cambrian-worktrees/<12 hex of sha256(realpath(repoDir))>`: one root per repository. */
export function defaultWorktreeRoot(repoDir: string): string {
  const real = realpathSync(repoDir);
  const digest = createHash('sha256').update(real).digest('hex').slice(0, 12);
  return join(tmpdir(), 'cambrian-worktrees', digest);
}

export function worktreePath(root: string, index: number): string {
  return join(root, `wt-${index}`);
}

export function ownerFilePath(root: string, index: number): string {
  return `${worktreePath(root, index)}.owner`;
}

/**
 * Deletes pool worktrees under `root` whose owner process is dead, then their owner files (last,
 * so a half-reaped slot is never claimed). Returns the removed worktree paths.
 */
export async function reapOrphanWorktrees(repoDir: string, options: { root?: string } = {}): Promise<string[]> {
  const root = resolve(options.root ?? defaultWorktreeRoot(repoDir));
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const reaped: string[] = [];
  for (const name of names.sort()) {
    const match = OWNER_FILE.exec(name);
    if (match === null) continue;
    const ownerFile = join(root, name);
    const owner = await readOwnerFile(ownerFile);
    if (owner === null || (await isOwnerAlive(owner))) continue;
    const path = join(root, match[1]!);
    removeTree(path); // as plain files: links removed, never followed
    await rm(ownerFile, { force: true });
    reaped.push(path);
  }
  await pruneIfOursAreMissing(repoDir, root);
  await rmdir(root).catch(() => {}); // only succeeds when empty
  return reaped;
}

/**
 * A temp cleaner may delete a pool root wholesale, leaving git entries that point nowhere. Prune
 * only when such an entry is under our root, so a user's worktree on an unmounted disk is left be.
 */
async function pruneIfOursAreMissing(repoDir: string, root: string): Promise<void> {
  const { stdout } = await runGit(['worktree', 'list', '--porcelain'], { cwd: repoDir });
  const realRoot = await realpath(root).catch(() => root); // git records real paths (macOS: /private/var)
  const ours = stdout
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length))
    .filter((path) => path.startsWith(root + sep) || path.startsWith(realRoot + sep));
  for (const path of ours) {
    const exists = await stat(path).then(() => true, () => false);
    if (!exists) {
      await runGit(['worktree', 'prune'], { cwd: repoDir });
      return;
    }
  }
}
