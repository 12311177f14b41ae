// GitRepo: the Git port over the git CLI. Reads go through one long-lived cat-file process, objects
// are written in-process as loose objects, refs move through one long-lived update-ref process;
// only object storage and refs are written, never the user's checkout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CambrianError } from '../errors.ts';
import type { CommitRequest, CommitResult, Git, MergeResult, TreeEntry } from './port.ts';
import { runGit, type RunGitOptions, type RunGitResult } from './exec.ts';
import { BatchObjectReader, type ObjectContents } from './object-reader.ts';
import { writeChildCommit, type PlumbingContext } from './commit-child.ts';
import { diffListings } from './tree-diff.ts';
import { openLooseObjectStore, type LooseObjectStore } from './loose-objects.ts';
import { RefUpdater } from './ref-updater.ts';
import { toRef } from './branches.ts';
import { parseRawTree } from './tree-edit.ts';

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Trees are immutable, so listings can be cached by commit; operators re-list a parent often. */
const LISTING_CACHE_SIZE = 16;
/** Subtree listings kept by object id (a few hundred directories of a typical repository). */
const SUBTREE_CACHE_SIZE = 2_000;
/** Diffs kept by (from, to, paths); an inspiration's diff is asked for again and again. */
const DIFF_CACHE_SIZE = 256;

export class GitRepo implements Git, PlumbingContext {
  private readonly reader: BatchObjectReader;
  private readonly refs: RefUpdater;
  private objectStore: Promise<LooseObjectStore | null> | null = null;
  private readonly listings = new Map<string, TreeEntry[]>();
  private readonly subtrees = new Map<string, TreeEntry[]>();
  private readonly diffs = new Map<string, string>();
  private scratchDir: Promise<string> | null = null;
  private scratchCounter = 0;

  /** `repoDir` must be the top of a work tree; use openRepo() to get one with checks. */
  constructor(readonly repoDir: string) {
    this.reader = new BatchObjectReader(repoDir);
    this.refs = new RefUpdater(repoDir);
  }

  run(args: readonly string[], options: Omit<RunGitOptions, 'cwd'> = {}): Promise<RunGitResult> {
    return runGit(args, { ...options, cwd: this.repoDir });
  }

  async resolve(rev: string): Promise<string> {
    if (rev.startsWith('-') || rev.includes('\0')) throw badRevision(rev);
    const { stdout, exitCode } = await this.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { allowExitCodes: [1] });
    if (exitCode !== 0) throw badRevision(rev);
    return stdout.trim();
  }

  async treeOf(commit: string): Promise<string> {
    const sha = await this.commitSha(commit);
    const info = await this.reader.info(`${sha}^{tree}`);
    if (info === null) throw badRevision(commit);
    return info.oid;
  }

  async commitTime(commit: string): Promise<number> {
    const sha = await this.commitSha(commit);
    const found = await this.reader.contents(sha);
    if (found === null || found.type !== 'commit') throw badRevision(commit);
    // Header line: "committer Name <email> <unix seconds> <+hhmm>"; the header ends at a blank line.
    const header = found.content.toString('utf8').split('\n\n', 1)[0] ?? '';
    const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(header);
    if (committer === null) throw new CambrianError('CAMBRIAN_GIT_FAILED', `commit ${sha} has no committer line`);
    return Number(committer[1]);
  }

  async listFiles(commit: string): Promise<TreeEntry[]> {
    const sha = await this.commitSha(commit);
    let entries = this.listings.get(sha);
    if (entries === undefined) {
      // Read through the long-lived cat-file process, subtree by subtree: no spawn, and a child
      // shares all but the changed subtrees with its parent, which are cached by object id.
      const root = await this.reader.contents(`${sha}^{tree}`);
      if (root === null || root.type !== 'tree') throw badRevision(commit);
      entries = await this.listTree(root.oid, root.content, sha.length / 2);
      this.listings.set(sha, entries);
      if (this.listings.size > LISTING_CACHE_SIZE) {
        this.listings.delete(this.listings.keys().next().value as string);
      }
    }
    return entries.map((entry) => ({ ...entry }));
  }

  /** Files under one tree (paths relative to it), in git's order; subtrees cached by object id. */
  private async listTree(oid: string, content: Buffer | null, oidBytes: number): Promise<TreeEntry[]> {
    const cached = this.subtrees.get(oid);
    if (cached !== undefined) {
      // Refresh its place: recently used subtrees are the ones children share.
      this.subtrees.delete(oid);
      this.subtrees.set(oid, cached);
      return cached;
    }
    if (content === null) {
      const found = await this.reader.contents(oid);
      if (found === null || found.type !== 'tree') throw new CambrianError('CAMBRIAN_GIT_FAILED', `tree ${oid} is missing`);
      content = found.content;
    }
    const raw = parseRawTree(content, oidBytes);
    const subtrees = await Promise.all(
      raw.map((entry) => (entry.mode === '40000' ? this.listTree(entry.oid.toString('hex'), null, oidBytes) : null)),
    );
    const entries: TreeEntry[] = [];
    raw.forEach((entry, i) => {
      const name = entry.name.toString('utf8');
      const below = subtrees[i];
      if (below) {
        for (const file of below) entries.push({ path: `${name}/${file.path}`, mode: file.mode, blob: file.blob });
      } else if (entry.mode !== '160000') {
        entries.push({ path: name, mode: entry.mode.padStart(6, '0'), blob: entry.oid.toString('hex') }); // gitlinks are not files
      }
    });
    this.subtrees.set(oid, entries);
    if (this.subtrees.size > SUBTREE_CACHE_SIZE) this.subtrees.delete(this.subtrees.keys().next().value as string);
    return entries;
  }

  async readFile(commit: string, path: string): Promise<string | null> {
    const sha = await this.commitSha(commit);
    const found = await this.reader.contents(`${sha}:${path.replace(/^(\.\/)+/, '')}`);
    if (found === null) {
      // Distinguish "no such file" from "no such commit": the latter is a bug upstream.
      if ((await this.reader.info(sha)) === null) throw badRevision(commit);
      return null;
    }
    return found.type === 'blob' ? found.content.toString('utf8') : null;
  }

  async readBlob(blob: string): Promise<string> {
    return (await this.blobBytes(blob)).toString('utf8');
  }

  private async blobBytes(blob: string): Promise<Buffer> {
    const found = await this.reader.contents(blob);
    if (found === null || found.type !== 'blob') throw badRevision(blob);
    return found.content;
  }

  async commitChild(request: CommitRequest): Promise<CommitResult> {
    const parent = await this.commitSha(request.parent);
    const result = await writeChildCommit(this, parent, request);
    if (request.branch !== undefined) await this.updateRef(request.branch, result.commit);
    return result;
  }

  /** `ref` is a full ref (`refs/...`) or a branch name. No reflog: runs make thousands of refs. */
  updateRef(ref: string, commit: string): Promise<void> {
    return this.refs.transaction([['update', toRef(ref), commit]]);
  }

  /** Refs under `prefix` (a branch prefix like `cambrian/r1` or `refs/...`), matched at `/` boundaries. */
  async listRefs(prefix: string): Promise<Array<{ ref: string; commit: string }>> {
    const { stdout } = await this.run(['for-each-ref', '--format=%(objectname) %(refname)', toRef(prefix)]);
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const space = line.indexOf(' ');
        return { commit: line.slice(0, space), ref: line.slice(space + 1) };
      });
  }

  /** Deletes every ref listRefs(prefix) returns, in one transaction. */
  async deleteRefs(prefix: string): Promise<void> {
    const refs = await this.listRefs(prefix);
    if (refs.length === 0) return;
    await this.refs.transaction(refs.map(({ ref, commit }) => ['delete', ref, commit]));
  }

  async diff(from: string, to: string, paths: string[] = []): Promise<string> {
    const [a, b] = [await this.commitSha(from), await this.commitSha(to)];
    // Commits never change, so neither does their diff: prompts show the same inspirations often.
    const key = `${a} ${b} ${paths.join('\0')}`;
    const cached = this.diffs.get(key);
    if (cached !== undefined) return cached;
    // In-process from the two listings and their blobs (no spawn; see tree-diff.ts).
    const [left, right] = await Promise.all([this.listFiles(a), this.listFiles(b)]);
    const stdout = await diffListings(left, right, paths, (blob) => this.blobBytes(blob));
    this.diffs.set(key, stdout);
    if (this.diffs.size > DIFF_CACHE_SIZE) this.diffs.delete(this.diffs.keys().next().value as string);
    return stdout;
  }

  async mergeFile(base: string, ours: string, theirs: string): Promise<MergeResult> {
    const files = [await this.scratchPath('ours'), await this.scratchPath('base'), await this.scratchPath('theirs')];
    try {
      await Promise.all([writeFile(files[0]!, ours), writeFile(files[1]!, base), writeFile(files[2]!, theirs)]);
      // Exit 1..127 is the number of conflicts; anything else (including -1 as 255) is an error.
      const conflictCounts = Array.from({ length: 127 }, (_, i) => i + 1);
      const args = ['-c', 'merge.conflictStyle=merge', 'merge-file', '-p', '-L', 'ours', '-L', 'base', '-L', 'theirs', ...files];
      const { stdout, exitCode } = await this.run(args, { allowExitCodes: conflictCounts });
      return { content: stdout, conflicts: exitCode > 0 };
    } finally {
      await Promise.all(files.map((file) => rm(file, { force: true })));
    }
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    const { stdout, exitCode } = await this.run(['merge-base', await this.commitSha(a), await this.commitSha(b)], { allowExitCodes: [1] });
    return exitCode === 0 ? stdout.trim() : null;
  }

  readObject(name: string): Promise<ObjectContents | null> {
    return this.reader.contents(name);
  }

  /** Resolved once per repository; null means objects are written through git (see loose-objects.ts). */
  looseObjects(): Promise<LooseObjectStore | null> {
    this.objectStore ??= openLooseObjectStore(this.repoDir, (args, options) => this.run(args, options)).catch((error: unknown) => {
      this.objectStore = null; // let the next commit try again
      throw error;
    });
    return this.objectStore;
  }

  async scratchPath(prefix: string): Promise<string> {
    this.scratchDir ??= mkdtemp(join(tmpdir(), 'cambrian-git-'));
    return join(await this.scratchDir, `${prefix}-${process.pid}-${++this.scratchCounter}`);
  }

  /** Stops the cat-file and update-ref processes and removes scratch files. The repo must not be used afterwards. */
  async close(): Promise<void> {
    await Promise.all([this.reader.close(), this.refs.close()]);
    if (this.scratchDir !== null) await rm(await this.scratchDir, { recursive: true, force: true });
    this.scratchDir = null;
  }

  /**
   * Full SHAs pass straight through; anything else is resolved by rev-parse, because a long-lived
   * cat-file process must never be trusted with ref names that may have moved since it started.
   */
  private async commitSha(rev: string): Promise<string> {
    return FULL_SHA.test(rev) ? rev : this.resolve(rev);
  }
}

function badRevision(rev: string): CambrianError {
  return new CambrianError('CAMBRIAN_BAD_REVISION', `no such commit or object: ${rev}`, {
    hint: 'Check the SHA or branch name (git log --oneline shows recent commits).',
  });
}
