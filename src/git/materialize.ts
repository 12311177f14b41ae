// Materialises a git tree into a plain directory in-process (no `git checkout`, no .git there), and
// brings a directory a candidate has used back to a tree by rewriting only what differs. Nothing in
// the directory is trusted: it is walked without following links, every file we keep must carry
// the exact inode, size, mtime and ctime we recorded when we wrote it, and everything else is
// unlinked and written afresh (O_EXCL | O_NOFOLLOW), so no write ever goes through a candidate's link.
import { closeSync, chmodSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeEntry } from './port.ts';

/** What we wrote at a path: the blob, its git mode, and the stat signature right after writing. */
export interface WrittenFile {
  blob: string;
  mode: string;
  signature: string;
}

export type Manifest = Map<string, WrittenFile>;

export interface MaterializeStats {
  written: number;
  removed: number;
  kept: number;
}

export class UnsafeTreePathError extends Error {
  constructor(readonly path: string) {
    super(`the tree holds a path that cannot be written safely: ${JSON.stringify(path.slice(0, 200))}`);
    this.name = 'UnsafeTreePathError';
  }
}

const SYMLINK_MODE = '120000';
const EXECUTABLE_MODE = '100755';
const DIR_MODE = 0o755;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A component git itself would never check out, or that would leave the directory. */
function isUnsafePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\0') || path.includes('\\')) return true;
  return path.split('/').some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git');
}

function signatureOf(path: string): string {
  const s = lstatSync(path, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`;
}

/**
 * Makes `dir` hold exactly `entries` (files and symlinks; directories follow from the paths).
 * `manifest` is what a previous call wrote there; it is updated in place. Throws on anything it
 * cannot walk or fix (the caller then starts from an empty directory).
 */
export async function materializeTree(
  dir: string,
  entries: readonly TreeEntry[],
  manifest: Manifest,
  readBlob: (blob: string) => Promise<Buffer>,
): Promise<MaterializeStats> {
  const wanted = new Map<string, TreeEntry>();
  const wantedDirs = new Set<string>();
  for (const entry of entries) {
    if (isUnsafePath(entry.path)) throw new UnsafeTreePathError(entry.path);
    wanted.set(entry.path, entry);
    for (let slash = entry.path.indexOf('/'); slash >= 0; slash = entry.path.indexOf('/', slash + 1)) {
      wantedDirs.add(entry.path.slice(0, slash));
    }
  }

  const stats: MaterializeStats = { written: 0, removed: 0, kept: 0 };
  const kept = new Set<string>();
  // Walk what is there. readdir's types come from lstat semantics: a link is a link, never its target.
  const walk = (relative: string): void => {
    const absolute = relative === '' ? dir : join(dir, relative);
    for (const dirent of readdirSync(absolute, { withFileTypes: true })) {
      const path = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      const full = join(absolute, dirent.name);
      if (dirent.isDirectory()) {
        if (wantedDirs.has(path)) {
          if ((lstatSync(full).mode & 0o7777) !== DIR_MODE) chmodSync(full, DIR_MODE);
          walk(path);
        } else {
          removeTree(full);
          stats.removed++;
        }
        continue;
      }
      const want = wanted.get(path);
      const had = manifest.get(path);
      const sameKind = want !== undefined && (want.mode === SYMLINK_MODE ? dirent.isSymbolicLink() : dirent.isFile());
      if (sameKind && had !== undefined && had.blob === want.blob && had.mode === want.mode && had.signature === signatureOf(full)) {
        kept.add(path);
        stats.kept++;
        continue;
      }
      unlinkSync(full);
      stats.removed++;
    }
  };
  // An unsandboxed candidate can swap the directory itself for a link: never chmod or walk through it.
  const top = lstatSync(dir);
  if (!top.isDirectory()) throw new Error(`${dir} is no longer a directory`);
  if ((top.mode & 0o7777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
  walk('');

  for (const path of [...wantedDirs].sort()) {
    try {
      mkdirSync(join(dir, path), { mode: DIR_MODE });
      chmodSync(join(dir, path), DIR_MODE); // as for files: not the umask's choice, and the same as a reused directory
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  const toWrite = [...wanted.values()].filter((entry) => !kept.has(entry.path));
  const contents = await Promise.all(toWrite.map((entry) => readBlob(entry.blob)));
  const next: Manifest = new Map();
  for (const path of kept) next.set(path, manifest.get(path)!);
  toWrite.forEach((entry, i) => {
    const full = join(dir, entry.path);
    const content = contents[i]!;
    if (entry.mode === SYMLINK_MODE) {
      symlinkSync(content.toString('utf8'), full);
    } else {
      const mode = entry.mode === EXECUTABLE_MODE ? 0o755 : 0o644;
      const fd = openSync(full, WRITE_FLAGS, mode);
      try {
        for (let offset = 0; offset < content.length; ) offset += writeSync(fd, content, offset);
        fchmodSync(fd, mode); // the umask must not decide what a candidate may execute
      } finally {
        closeSync(fd);
      }
    }
    next.set(entry.path, { blob: entry.blob, mode: entry.mode, signature: signatureOf(full) });
    stats.written++;
  });
  manifest.clear();
  for (const [path, file] of next) manifest.set(path, file);
  return stats;
}

/**
 * Deletes a directory tree a candidate wrote: links are removed, never followed; directories it
 * made unreadable or unwritable are given back their permissions first (needed without root).
 */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOTEMPTY') throw error;
  }
  grantOwner(path);
  rmSync(path, { recursive: true, force: true });
}

function grantOwner(path: string): void {
  const info = lstatSync(path);
  if (!info.isDirectory()) return;
  chmodSync(path, 0o700);
  for (const name of readdirSync(path)) grantOwner(join(path, name));
}
