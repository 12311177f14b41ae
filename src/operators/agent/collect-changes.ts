// Reads what an agent changed in its directory relative to the parent's tree, in-process: the
// directory is a plain copy (no .git) that the agent — hostile until proven otherwise — wrote, so
// git is never run there. Files are compared by their git blob id; every read is no-follow,
// regular-file-only and bounded, and the walk itself is bounded.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileChange } from '../../core/types.ts';
import { readCandidateFile } from '../../evaluate/candidate-file.ts';
import type { TreeEntry } from '../../git/port.ts';

export interface WorktreeChange extends FileChange {
  /** True for a file the parent did not have. */
  isNew: boolean;
}

export type Collected = { ok: true; changes: WorktreeChange[] } | { ok: false; reason: string };

export interface CollectLimits {
  /** Most directory entries walked before the proposal is refused (an agent that installed the world). */
  maxEntries: number;
  /** Largest file read back. */
  maxFileBytes: number;
}

export const DEFAULT_COLLECT_LIMITS: CollectLimits = { maxEntries: 50_000, maxFileBytes: 2 * 1024 * 1024 };

const SYMLINK_MODE = '120000';

/** The git blob id of `content` in the repository's hash (sha1, or sha256 for 64-hex object ids). */
export function blobId(content: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`blob ${content.length}\0`).update(content).digest('hex');
}

/**
 * Changes between `parent` (the tree the directory was materialised from) and the directory.
 * `wanted(path, isNew)` says whether a changed path matters: new files outside the evolve scope are
 * the agent's own droppings and are skipped without being read.
 */
export async function collectChanges(
  dir: string,
  parent: readonly TreeEntry[],
  wanted: (path: string, isNew: boolean) => boolean,
  limits: CollectLimits = DEFAULT_COLLECT_LIMITS,
): Promise<Collected> {
  const before = new Map(parent.map((entry) => [entry.path, entry]));
  const algorithm = parent[0]?.blob.length === 64 ? 'sha256' : 'sha1';
  const seen = new Set<string>();
  const changes: WorktreeChange[] = [];
  let entries = 0;

  const pending: string[] = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    let listing;
    try {
      listing = await readdir(relative === '' ? dir : join(dir, relative), { withFileTypes: true });
    } catch {
      return { ok: false, reason: `the agent left ${relative || 'its directory'} unreadable` };
    }
    for (const dirent of listing) {
      if (++entries > limits.maxEntries) return { ok: false, reason: `the agent left more than ${limits.maxEntries} files and directories` };
      // Git metadata the agent made (`git init`, commits, a planted `.git` file) is never a change:
      // no tree may hold such a path, and reading it would only fail the proposal (.git/index is binary).
      if (dirent.name.toLowerCase() === '.git') continue;
      const path = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      if (dirent.isDirectory()) {
        pending.push(path);
        continue;
      }
      const had = before.get(path);
      seen.add(path);
      const isNew = had === undefined;
      if (!isNew && had.mode === SYMLINK_MODE && dirent.isSymbolicLink()) continue; // links are not evolved
      if (!dirent.isFile()) {
        if (!wanted(path, isNew)) continue;
        return { ok: false, reason: `the agent left ${path} as a ${dirent.isSymbolicLink() ? 'symbolic link' : 'non-regular file'}` };
      }
      if (!wanted(path, isNew)) continue;
      const read = await readCandidateFile(join(dir, path), limits.maxFileBytes);
      if (!read.ok) return { ok: false, reason: `the agent's ${path} ${read.reason}` };
      if (!isNew && blobId(read.bytes, algorithm) === had.blob) continue;
      if (read.bytes.includes(0)) return { ok: false, reason: `the agent wrote binary content to ${path}` };
      changes.push({ path, content: read.bytes.toString('utf8'), isNew });
    }
  }
  for (const entry of parent) {
    if (!seen.has(entry.path) && wanted(entry.path, false)) changes.push({ path: entry.path, content: null, isNew: false });
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, changes };
}
