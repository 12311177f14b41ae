// A fixed number of detached worktrees, created lazily and reused: lending one checks out the
// requested commit over whatever the previous candidate left and hard-cleans it (the cheap path;
// `clean` is spawned only when the candidate left a path the last checkout did not have).
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CambrianError } from '../errors.ts';
import { runGit } from './exec.ts';
import type { GitRepo } from './plumbing.ts';
import type { Worktree, WorktreePool } from './port.ts';
import { claimOwnerFile, currentOwner } from './worktree-owner.ts';
import { hasOnlyRecordedPaths, snapshotWorktree } from './worktree-snapshot.ts';
import { defaultWorktreeRoot, ownerFilePath, reapOrphanWorktrees, removeWorktree, worktreePath } from './worktree-reaper.ts';

export interface WorktreePoolOptions {
  repo: GitRepo | string;
  /** Most worktrees lent at once; acquire() waits beyond that. */
  size: number;
  /** Directory holding wt-<n> and wt-<n>.owner; defaults to defaultWorktreeRoot(repoDir). */
  root?: string;
  /** Limit for one git command (worktree add of a large repo is the slow one). */
  gitTimeoutMs?: number;
}

interface Slot {
  /** -1 until the slot has claimed an owner file and has a worktree on disk. */
  index: number;
  path: string;
  /** Paths right after the last checkout (tracked ones only); null when unknown, so clean must run. */
  recorded: Set<string> | null;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(error: unknown): void;
}

const MAX_SLOT_INDEX = 10_000;
/** A worktree's HEAD reflog would grow by a line per evaluation, for nothing. */
const NO_REFLOG = ['-c', 'core.logAllRefUpdates=false'];

export class GitWorktreePool implements WorktreePool {
  /** Removes worktrees left by dead processes; call once on start, before creating a pool. */
  static reapOrphanWorktrees = reapOrphanWorktrees;

  readonly repoDir: string;
  readonly root: string;
  private readonly size: number;
  private readonly gitTimeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: WorktreePoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `worktree pool size must be a positive integer, got ${options.size}`);
    }
    this.repoDir = typeof options.repo === 'string' ? resolve(options.repo) : options.repo.repoDir;
    this.root = resolve(options.root ?? defaultWorktreeRoot(this.repoDir));
    this.size = options.size;
    this.gitTimeoutMs = options.gitTimeoutMs ?? 120_000;
  }

  async acquire(commit: string, signal?: AbortSignal): Promise<Worktree> {
    this.assertOpen();
    signal?.throwIfAborted();
    const slot = await this.takeSlot(signal);
    const preparing = this.prepare(slot, commit, signal);
    this.inFlight.add(preparing);
    try {
      await preparing;
    } catch (error) {
      this.giveBack(slot);
      throw error;
    } finally {
      this.inFlight.delete(preparing);
    }
    if (this.closed) throw poolClosed(); // close() ran meanwhile and removed this worktree
    let released = false;
    return {
      path: slot.path,
      release: async () => {
        if (released) return;
        released = true;
        this.giveBack(slot);
      },
    };
  }

  /** Rejects waiting acquires and removes every worktree of this pool, lent or not. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(poolClosed());
    await Promise.allSettled([...this.inFlight]);
    for (const slot of this.slots.splice(0)) await this.destroy(slot);
    this.idle.length = 0;
    await rmdir(this.root).catch(() => {}); // only when no other pool shares it
  }

  private takeSlot(signal?: AbortSignal): Promise<Slot> {
    const idle = this.idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    if (this.slots.length < this.size) {
      const slot: Slot = { index: -1, path: '', recorded: null };
      this.slots.push(slot);
      return Promise.resolve(slot);
    }
    return new Promise<Slot>((resolveSlot, reject) => {
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolveSlot(slot);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands a slot straight to the oldest waiter, or back to the idle list. */
  private giveBack(slot: Slot): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(slot);
    else this.idle.push(slot);
  }

  private async prepare(slot: Slot, commit: string, signal?: AbortSignal): Promise<void> {
    if (slot.index >= 0) {
      try {
        // Nothing new anywhere means clean has nothing to remove: checkout --force already restores
        // every tracked file a candidate changed or deleted (and drops directories it empties).
        const leftovers = slot.recorded === null || !(await hasOnlyRecordedPaths(slot.path, slot.recorded));
        slot.recorded = null;
        await this.git([...NO_REFLOG, 'checkout', '--quiet', '--detach', '--force', commit], slot.path, signal);
        if (leftovers) await this.git(['clean', '-ffdxq'], slot.path, signal);
        slot.recorded = await snapshotWorktree(slot.path).catch(() => null);
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        // A candidate can break its checkout (delete .git, chmod a directory): start that slot afresh.
        await this.destroy(slot);
      }
    }
    await this.create(slot, commit, signal);
    slot.recorded = await snapshotWorktree(slot.path).catch(() => null);
  }

  private async create(slot: Slot, commit: string, signal?: AbortSignal): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const owner = await currentOwner();
    let index = 0;
    while (!(await claimOwnerFile(ownerFilePath(this.root, index), owner))) {
      if (++index > MAX_SLOT_INDEX) throw new CambrianError('CAMBRIAN_GIT_FAILED', `no free worktree slot under ${this.root}`);
    }
    slot.index = index;
    slot.path = worktreePath(this.root, index);
    try {
      // The owner file is ours, so anything at the path is a leftover; --force also overrides a
      // stale registration of the same path.
      await rm(slot.path, { recursive: true, force: true });
      await this.git([...NO_REFLOG, 'worktree', 'add', '--quiet', '--force', '--detach', slot.path, commit], this.repoDir, signal);
    } catch (error) {
      await this.destroy(slot);
      throw error;
    }
  }

  private async destroy(slot: Slot): Promise<void> {
    if (slot.index < 0) return;
    await removeWorktree(this.repoDir, slot.path).catch(() => rm(slot.path, { recursive: true, force: true }));
    await rm(ownerFilePath(this.root, slot.index), { force: true });
    slot.index = -1;
    slot.path = '';
    slot.recorded = null;
  }

  private git(args: string[], cwd: string, signal?: AbortSignal): Promise<unknown> {
    return runGit(args, { cwd, signal, timeoutMs: this.gitTimeoutMs });
  }

  private assertOpen(): void {
    if (this.closed) throw poolClosed();
  }
}

function poolClosed(): Error {
  return new Error('the worktree pool is closed');
}
