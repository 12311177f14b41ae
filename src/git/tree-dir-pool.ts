// A fixed number of evaluation directories, created lazily and reused. Lending one materialises the
// requested commit's tree into it in-process (materialize.ts): a plain directory with no git
// metadata, so nothing a candidate writes there is ever read by git on the host; only the files
// that differ from what the directory held are rewritten.
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CambrianError } from '../errors.ts';
import { materializeTree, removeTree, UnsafeTreePathError, type Manifest } from './materialize.ts';
import type { TreeEntry, Worktree, WorktreePool } from './port.ts';
import { claimOwnerFile, currentOwner } from './worktree-owner.ts';
import { defaultWorktreeRoot, ownerFilePath, reapOrphanWorktrees, worktreePath } from './worktree-reaper.ts';

/** The object reads a pool needs (GitRepo has them). */
export interface TreeSource {
  readonly repoDir: string;
  listFiles(commit: string): Promise<TreeEntry[]>;
  readObject(name: string): Promise<{ type: string; content: Buffer } | null>;
}

export interface WorktreePoolOptions {
  repo: TreeSource;
  /** Most directories lent at once; acquire() waits beyond that. */
  size: number;
  /** Directory holding wt-<n> and wt-<n>.owner; defaults to defaultWorktreeRoot(repoDir). */
  root?: string;
}

interface Slot {
  /** -1 until the slot has claimed an owner file and has a directory on disk. */
  index: number;
  path: string;
  /** What the last materialisation wrote (trusted: it lives in this process, not on disk). */
  manifest: Manifest;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(error: unknown): void;
}

const MAX_SLOT_INDEX = 10_000;

export class TreeDirPool implements WorktreePool {
  /** Removes worktrees left by dead processes; call once on start, before creating a pool. */
  static reapOrphanWorktrees = reapOrphanWorktrees;

  readonly repoDir: string;
  readonly root: string;
  private readonly source: TreeSource;
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: WorktreePoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `worktree pool size must be a positive integer, got ${options.size}`);
    }
    this.source = options.repo;
    this.repoDir = options.repo.repoDir;
    this.root = resolve(options.root ?? defaultWorktreeRoot(this.repoDir));
    this.size = options.size;
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
      const slot: Slot = { index: -1, path: '', manifest: new Map() };
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
    const entries = await this.source.listFiles(commit);
    signal?.throwIfAborted();
    const readBlob = async (blob: string): Promise<Buffer> => {
      const found = await this.source.readObject(blob);
      if (found === null || found.type !== 'blob') throw new CambrianError('CAMBRIAN_GIT_FAILED', `blob ${blob} of ${commit} is missing`);
      return found.content;
    };
    if (slot.index >= 0) {
      try {
        await materializeTree(slot.path, entries, slot.manifest, readBlob);
        return;
      } catch (error) {
        if (error instanceof UnsafeTreePathError) throw error;
        // A candidate can make its directory unwalkable (permissions, odd files): start afresh.
        await this.destroy(slot);
      }
    }
    await this.create(slot);
    try {
      await materializeTree(slot.path, entries, slot.manifest, readBlob);
    } catch (error) {
      await this.destroy(slot);
      throw error;
    }
  }

  private async create(slot: Slot): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const owner = await currentOwner();
    let index = 0;
    while (!(await claimOwnerFile(ownerFilePath(this.root, index), owner))) {
      if (++index > MAX_SLOT_INDEX) throw new CambrianError('CAMBRIAN_GIT_FAILED', `no free evaluation directory slot under ${this.root}`);
    }
    slot.index = index;
    slot.path = worktreePath(this.root, index);
    slot.manifest = new Map();
    // The owner file is ours, so anything at the path is a leftover.
    removeTree(slot.path);
    await mkdir(slot.path, { mode: 0o755 });
  }

  private async destroy(slot: Slot): Promise<void> {
    if (slot.index < 0) return;
    try {
      removeTree(slot.path);
    } catch {
      // Left for the reaper; the owner file goes so the slot index is not reused meanwhile.
    }
    await rm(ownerFilePath(this.root, slot.index), { force: true });
    slot.index = -1;
    slot.path = '';
    slot.manifest = new Map();
  }

  private assertOpen(): void {
    if (this.closed) throw poolClosed();
  }
}

function poolClosed(): Error {
  return new Error('the worktree pool is closed');
}
