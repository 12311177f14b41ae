// The embedded store's folder on disk: a new one is built out of process and renamed into place; an
// existing one must look like a whole Postgres data folder or it is refused, never replaced; leftovers
// of a creation that was killed are removed. Everything here runs under the store lock (lock.ts).
import { execFile } from 'node:child_process';
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CambrianError } from '../errors.ts';
import { copyTemplate, usableTemplate } from './template.ts';

/**
 * What a data folder cannot start without. PG_VERSION matters most: PGlite runs initdb over any
 * folder without it, which would silently turn a damaged store into an empty one.
 */
const REQUIRED_FILES = ['PG_VERSION', 'global/pg_control', 'global/pg_filenode.map'];
const REQUIRED_DIRS = ['base', 'global', 'pg_wal', 'pg_xact', 'pg_multixact'];

const CREATE_SCRIPT = fileURLToPath(new URL('./create-pglite.mjs', import.meta.url));
const CREATE_TIMEOUT_MS = 120_000;
const STAGING_INFIX = '.creating-';

/**
 * 'new' only when the folder does not exist or is empty; an existing folder that is not a whole data
 * folder throws CAMBRIAN_STORE_FAILED and is left exactly as it is.
 */
export function inspectDataDir(dataDir: string): 'new' | 'existing' {
  let entries: string[];
  try {
    entries = readdirSync(dataDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'new';
    if (code === 'ENOTDIR') throw damagedStoreError(dataDir, 'it is a file, not a folder');
    throw error;
  }
  if (entries.length === 0) return 'new';
  const missing = [
    ...REQUIRED_FILES.filter((file) => kindOf(join(dataDir, file)) !== 'file'),
    ...REQUIRED_DIRS.filter((dir) => kindOf(join(dataDir, dir)) !== 'dir').map((dir) => `${dir}/`),
  ];
  if (kindOf(join(dataDir, 'base')) === 'dir' && readdirSync(join(dataDir, 'base')).length === 0) missing.push('the databases in base/');
  if (missing.length > 0) throw damagedStoreError(dataDir, `missing ${missing.join(', ')}`);
  return 'existing';
}

export function damagedStoreError(dataDir: string, what: string, cause?: unknown): CambrianError {
  return new CambrianError('CAMBRIAN_STORE_FAILED', `the embedded store at ${dataDir} is damaged (${what}); Cambrian will not use it or replace it`, {
    hint: `restore it from a backup, or move it aside (mv ${dataDir} ${dataDir}.damaged) and the next command starts an empty store; keep the old folder until you are sure its runs are not needed`,
    cause,
  });
}

/**
 * Removes `db.creating-*` folders. Only a creation under the store lock writes them, so any found by
 * the lock holder belongs to a creator that was killed. Best effort: a leftover that cannot be
 * removed now costs disk space only, and the next open tries again.
 */
export function removeCreationLeftovers(dataDir: string): void {
  const parent = dirname(dataDir);
  const prefix = basename(dataDir) + STAGING_INFIX;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // See above: harmless until the next open.
    }
  }
}

/**
 * initdb runs in a child process so this process never carries its ~0.8 GB peak. The folder is built
 * under a temporary name and renamed: rename(2) replaces a missing or empty folder but fails on a
 * non-empty one, so a crash mid-creation leaves no half-made store and an existing store is never
 * replaced.
 */
export async function createInChildProcess(dataDir: string, postgresqlConf: string[]): Promise<void> {
  const staging = `${dataDir}${STAGING_INFIX}${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    // The common case: a copy of the pre-initialised store made when Cambrian was built.
    const template = usableTemplate(postgresqlConf);
    if (template !== null) {
      copyTemplate(template, staging);
      renameSync(staging, dataDir);
      return;
    }
    await promisify(execFile)(process.execPath, [CREATE_SCRIPT, staging, JSON.stringify(postgresqlConf)], {
      timeout: CREATE_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(staging, dataDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function kindOf(path: string): 'file' | 'dir' | 'other' | 'missing' {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}
