// The names in a pooled worktree, so the pool can tell whether a candidate left anything behind:
// `checkout --force` restores tracked files, but only `clean` removes new ones, and it costs a spawn.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every path under `root` with its kind (`f:`, `d:`, `l:` symlink, `o:` other); `.git` is a leaf. */
export async function snapshotWorktree(root: string): Promise<Set<string>> {
  const names = new Set<string>();
  // Level by level, each level's directories read side by side: a few round trips, not one per directory.
  for (let level = ['']; level.length > 0; ) {
    const listings = await Promise.all(level.map((directory) => readdir(join(root, directory), { withFileTypes: true })));
    const next: string[] = [];
    listings.forEach((entries, i) => {
      const directory = level[i] as string;
      for (const entry of entries) {
        const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
        const kind = entry.isFile() ? 'f' : entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : 'o';
        names.add(`${kind}:${path}`);
        if (kind === 'd' && path !== '.git') next.push(path);
      }
    });
    level = next;
  }
  return names;
}

/**
 * Whether the worktree holds nothing that was not there when `recorded` was taken (right after a
 * checkout, when it held only tracked paths). Changed or deleted tracked files do not count:
 * `checkout --force` rewrites those. Unreadable directories count as leftovers.
 */
export async function hasOnlyRecordedPaths(root: string, recorded: ReadonlySet<string>): Promise<boolean> {
  try {
    const current = await snapshotWorktree(root);
    for (const name of current) if (!recorded.has(name)) return false;
    return true;
  } catch {
    return false;
  }
}
