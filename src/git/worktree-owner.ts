// Who owns a pooled worktree: pid, hostname and the process's start time, written beside the
// worktree so a later run can tell a live pool from the leftovers of a crashed one.
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface WorktreeOwner {
  pid: number;
  hostname: string;
  /** Kernel start time of the process (/proc/<pid>/stat field 22); tells a reused pid apart. */
  processStart: string | null;
  createdAt: string;
}

/** Start time of a process in clock ticks since boot, or null where /proc is unavailable. */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall; the slice starts at field 3
  } catch {
    return null;
  }
}

export async function currentOwner(): Promise<WorktreeOwner> {
  return {
    pid: process.pid,
    hostname: hostname(),
    processStart: await processStartTime(process.pid),
    createdAt: new Date().toISOString(),
  };
}

/**
 * Claims an owner file atomically: false when it already exists (another pool holds that slot).
 * The exclusive create is the lock; nothing else is needed between processes.
 */
export async function claimOwnerFile(path: string, owner: WorktreeOwner): Promise<boolean> {
  try {
    await writeFile(path, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The owner recorded in a file, or null when it is missing or unreadable. */
export async function readOwnerFile(path: string): Promise<WorktreeOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<WorktreeOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return null;
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
      createdAt: typeof parsed.createdAt === 'string' ? parsed.createdAt : '',
    };
  } catch {
    return null;
  }
}

/**
 * Whether the owner may still be using its worktree. An owner on another host cannot be checked,
 * so it counts as alive: reaping must never take a worktree from a live process.
 */
export async function isOwnerAlive(owner: WorktreeOwner): Promise<boolean> {
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the process exists but belongs to someone else; fall through to the start-time check.
  }
  if (owner.processStart === null) return true;
  const start = await processStartTime(owner.pid);
  return start === null || start === owner.processStart;
}
