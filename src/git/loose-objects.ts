// Writes git objects in-process as loose objects: `<type> <size>\0<body>`, SHA-1 named, zlib
// deflated into <objects>/aa/bbbb…, exactly as `git hash-object -w` would, without a spawn.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { RunGitOptions, RunGitResult } from './exec.ts';

export type ObjectType = 'blob' | 'tree' | 'commit';

/** A hashed object ready to store: `data` is the full uncompressed `<type> <size>\0<body>`. */
export interface PreparedObject {
  oid: string;
  data: Buffer;
}

/** Git's default core.looseCompression (Z_BEST_SPEED): the SHA names the content, not the bytes. */
const LOOSE_COMPRESSION_LEVEL = 1;

/** Hashes an object the way git names it (SHA-1 repositories only). */
export function prepareObject(type: ObjectType, body: Buffer): PreparedObject {
  const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`, 'latin1'), body]);
  return { oid: createHash('sha1').update(data).digest('hex'), data };
}

export class LooseObjectStore {
  private readonly knownDirectories = new Set<string>();
  private tempCounter = 0;

  /**
   * @param objectsDir the repository's own objects directory (new objects never go to alternates)
   * @param fsync flush each object to disk before it becomes visible (core.fsync asks for it)
   */
  constructor(
    readonly objectsDir: string,
    private readonly fsync = false,
  ) {}

  /**
   * Stores an object unless it already exists loose. A temp file in the same fan-out directory is
   * renamed into place, so readers never see a partial object; `tmp_obj_` leftovers of a crash are
   * what `git prune` already cleans up. An object that exists only in a pack gets a harmless
   * loose duplicate (gc drops it). An existing object is not freshened: prune keeps objects that
   * recent objects (our new trees and commits) reach.
   *
   * Synchronous on purpose: an object is a few syscalls of microseconds each, while a libuv
   * threadpool round trip per call costs more than the work (measured ~0.5 vs ~1.3 ms for the
   * seven objects of a typical commit on a loaded 2-core machine). The zlib step is synchronous
   * either way.
   */
  write(object: PreparedObject): string {
    const directory = join(this.objectsDir, object.oid.slice(0, 2));
    const path = join(directory, object.oid.slice(2));
    if (existsSync(path)) return object.oid;
    const temp = join(directory, `tmp_obj_${process.pid}_${++this.tempCounter}_${object.oid.slice(2, 10)}`);
    const fd = this.createTemp(directory, temp);
    try {
      try {
        writeSync(fd, deflateSync(object.data, { level: LOOSE_COMPRESSION_LEVEL }));
        if (this.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    return object.oid;
  }

  /** Read-only like git's own objects; 'wx' so a stale temp file is never reused. */
  private createTemp(directory: string, temp: string): number {
    if (!this.knownDirectories.has(directory)) {
      mkdirSync(directory, { recursive: true });
      this.knownDirectories.add(directory);
    }
    try {
      return openSync(temp, 'wx', 0o444);
    } catch (error) {
      // `git prune` removes fan-out directories it empties, including ones we saw before.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(directory, { recursive: true });
      return openSync(temp, 'wx', 0o444);
    }
  }
}

/**
 * The store for a repository, or null when objects must be written through git: SHA-256
 * repositories, and shared repositories (core.sharedRepository), whose group permissions git
 * applies and we would not. Spawns twice, once per repository.
 */
export async function openLooseObjectStore(
  repoDir: string,
  run: (args: readonly string[], options?: Omit<RunGitOptions, 'cwd'>) => Promise<RunGitResult>,
): Promise<LooseObjectStore | null> {
  const [paths, config] = await Promise.all([
    run(['rev-parse', '--git-path', 'objects', '--show-object-format']),
    run(['config', '--get-regexp', '^core\\.(sharedrepository|fsync|fsyncobjectfiles)$'], { allowExitCodes: [1] }),
  ]);
  const [objects, format] = paths.stdout.split('\n');
  if (objects === undefined || objects === '' || format !== 'sha1') return null;
  const settings = new Map<string, string>();
  for (const line of config.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (line !== '') settings.set((space < 0 ? line : line.slice(0, space)).toLowerCase(), space < 0 ? 'true' : line.slice(space + 1).toLowerCase());
  }
  const shared = settings.get('core.sharedrepository');
  if (shared !== undefined && !['false', 'umask', '0', 'no', 'off'].includes(shared)) return null;
  const fsync =
    ['true', 'yes', 'on', '1'].includes(settings.get('core.fsyncobjectfiles') ?? '') ||
    /\b(loose-object|objects|committed|added|all)\b/.test(settings.get('core.fsync') ?? '');
  return new LooseObjectStore(isAbsolute(objects) ? objects : resolve(repoDir, objects), fsync);
}
