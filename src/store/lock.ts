// An exclusive lock file for the embedded store: PGlite silently loses writes when two processes open
// one data folder, so the first opener writes `db.lock` (pid, host, command, start time) atomically
// and everyone else is refused with CAMBRIAN_STORE_LOCKED — unless the holder is dead on this host.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CambrianError } from '../errors.ts';

export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Distinguishes two holders that happen to share a pid (pid reuse, a takeover). */
  token: string;
}

export interface StoreLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Idempotent and synchronous (safe in 'exit'). */
  release(): void;
}

/** How many times to retry after clearing a stale lock before giving up. */
const TAKEOVER_ATTEMPTS = 3;

export function acquireStoreLock(path: string): StoreLock {
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: process.argv.join(' '),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (tryCreate(path, holder)) return lockFor(path, holder);
    const current = readHolder(path);
    if (current === 'missing') continue; // released between our attempt and our read
    if (current !== 'unreadable' && !isStale(current)) throw lockedError(path, current);
    clearStale(path, current);
  }
  throw new CambrianError('CAMBRIAN_STORE_LOCKED', `could not take the store lock ${path}: other processes keep racing for it`, {
    hint: 'make sure only one cambrian command uses this repository at a time',
  });
}

export function readLockHolder(path: string): LockHolder | null {
  const holder = readHolder(path);
  return typeof holder === 'string' ? null : holder;
}

/** Writes the lock with its full content in one atomic step: link() fails if the file exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  const temp = `${path}.${holder.pid}.${holder.token}`;
  writeFileSync(temp, JSON.stringify(holder, null, 2) + '\n', { flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return 'unreadable';
    return { command: '', startedAt: '', token: '', ...parsed } as LockHolder;
  } catch {
    return 'unreadable';
  }
}

/** Stale means provably dead: same host and no such pid. A lock from another host is never stale. */
function isStale(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside, then checks that what we moved is the lock we judged stale; if another
 * process took the lock over in between, put its lock back and report it as the holder.
 */
function clearStale(path: string, stale: LockHolder | 'unreadable'): void {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  const sameLock = stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.token === stale.token && moved.pid === stale.pid;
  if (!sameLock && typeof moved === 'object') {
    try {
      linkSync(aside, path);
    } catch {
      // Someone else holds it now; either way the lock is not ours.
    }
    unlinkSync(aside);
    throw lockedError(path, moved);
  }
  unlinkSync(aside);
}

function lockFor(path: string, holder: LockHolder): StoreLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const current = readHolder(path);
    if (typeof current === 'object' && current.token === holder.token) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    }
  };
  // A normal exit (or process.exit) releases the lock; a kill -9 leaves a lock whose pid is dead,
  // which the next opener on this host takes over.
  process.on('exit', release);
  return { path, holder, release };
}

function lockedError(path: string, holder: LockHolder): CambrianError {
  const where = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  const who = holder.pid === process.pid ? 'this same process' : `pid ${holder.pid}${where}`;
  return new CambrianError(
    'CAMBRIAN_STORE_LOCKED',
    `the store is in use by ${who} (${holder.command || 'unknown command'}, since ${holder.startedAt || 'unknown time'})`,
    {
      hint:
        `wait for that command to finish or stop it (kill ${holder.pid}); two processes on one embedded store lose writes. ` +
        `If that process no longer exists, delete ${path}. To share one database between processes, use a Postgres server (--database-url).`,
    },
  );
}
