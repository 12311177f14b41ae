// The Git port: everything the loop and operators need from git, without touching the user's
// working tree, index, HEAD or current branch.
import type { FileChange } from '../core/types.ts';

export interface TreeEntry {
  path: string;
  mode: string;
  blob: string;
}

export interface CommitRequest {
  parent: string;
  changes: FileChange[];
  subject: string;
  body?: string;
  /** Trailers in order, e.g. [['Cambrian-Run', 'r1'], ...]. */
  trailers: Array<[string, string]>;
  /** Branch to point at the new commit (created or moved). */
  branch?: string;
  /** Author and committer time (unix seconds). Fixed times make SHAs reproducible for a given seed. */
  timestamp: number;
}

export interface CommitResult {
  commit: string;
  tree: string;
}

export interface MergeResult {
  content: string;
  conflicts: boolean;
}

export interface Git {
  readonly repoDir: string;
  /** Full SHA of a revision; CambrianError CAMBRIAN_BAD_REVISION when it does not exist. */
  resolve(rev: string): Promise<string>;
  treeOf(commit: string): Promise<string>;
  /** Committer time of a commit (unix seconds). */
  commitTime(commit: string): Promise<number>;
  listFiles(commit: string): Promise<TreeEntry[]>;
  readFile(commit: string, path: string): Promise<string | null>;
  readBlob(blob: string): Promise<string>;
  commitChild(request: CommitRequest): Promise<CommitResult>;
  updateRef(ref: string, commit: string): Promise<void>;
  deleteRefs(prefix: string): Promise<void>;
  listRefs(prefix: string): Promise<Array<{ ref: string; commit: string }>>;
  /** Unified diff between two commits (optionally limited to paths). */
  diff(from: string, to: string, paths?: string[]): Promise<string>;
  /** Three-way merge of file contents (git merge-file). */
  mergeFile(base: string, ours: string, theirs: string): Promise<MergeResult>;
  mergeBase(a: string, b: string): Promise<string | null>;
}

/** A checked-out worktree lent by the pool; release it when done. */
export interface Worktree {
  readonly path: string;
  release(): Promise<void>;
}

export interface WorktreePool {
  acquire(commit: string, signal?: AbortSignal): Promise<Worktree>;
  close(): Promise<void>;
}
