// GitWorktreePool and orphan reaping against a real repository: reuse, hard clean, queueing,
// abort, recovery from a broken checkout, reaping dead owners only, and a clean close().
import { after, before, beforeEach, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitWorktreePool } from '../../src/git/worktree-pool.ts';
import { openRepo } from '../../src/git/repo.ts';
import { defaultWorktreeRoot, ownerFilePath, reapOrphanWorktrees } from '../../src/git/worktree-reaper.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function worktreePaths(repo: TempRepo): Promise<string[]> {
  const list = await repo.git('worktree', 'list', '--porcelain');
  return list.split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
}

/** The pid of a process that has exited (and, on a quiet machine, not yet been reused). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  assert.ok(child.pid);
  return child.pid;
}

describe('GitWorktreePool', () => {
  let repo: TempRepo;
  let second: string;
  /** `second` without keep/b.txt, made without moving the user's HEAD. */
  let third: string;
  let scratch: { dir: string; cleanup(): Promise<void> };
  let root: string;
  let pool: GitWorktreePool;

  before(async () => {
    repo = await createTempRepo({ 'a.txt': 'a1\n', 'keep/b.txt': 'b1\n', '.gitignore': '*.log\n' });
    second = await repo.commit({ 'a.txt': 'a2\n', 'c.txt': 'c2\n' }, 'second');
    const git = await openRepo(repo.dir);
    third = (await git.commitChild({ parent: second, changes: [{ path: 'keep/b.txt', content: null }], subject: 'third', trailers: [], timestamp: 1 })).commit;
    await git.close();
  });
  after(() => repo.cleanup());
  beforeEach(async () => {
    scratch = await createTempDir('cambrian-pool-');
    root = join(scratch.dir, 'pool');
    pool = new GitWorktreePool({ repo: repo.dir, size: 1, root });
  });
  afterEach(async () => {
    await pool.close();
    await scratch.cleanup();
  });

  it('reuses one worktree and switches it between commits', async () => {
    const first = await pool.acquire(repo.head);
    assert.equal(await readFile(join(first.path, 'a.txt'), 'utf8'), 'a1\n');
    assert.equal(await exists(join(first.path, 'c.txt')), false);
    await first.release();

    const again = await pool.acquire(second);
    assert.equal(again.path, first.path);
    assert.equal(await readFile(join(again.path, 'a.txt'), 'utf8'), 'a2\n');
    assert.equal(await readFile(join(again.path, 'c.txt'), 'utf8'), 'c2\n');
    await again.release();
    assert.equal((await worktreePaths(repo)).length, 2);
    assert.equal(await repo.git('rev-parse', 'HEAD'), second, "the user's HEAD is untouched");
    assert.equal(await repo.git('status', '--porcelain'), '');
  });

  it('hard-cleans what the previous candidate wrote or deleted', async () => {
    const dirty = await pool.acquire(repo.head);
    await rm(join(dirty.path, 'keep/b.txt'));
    await writeFile(join(dirty.path, 'a.txt'), 'scribbled\n');
    await writeFile(join(dirty.path, 'stray.txt'), 'untracked\n');
    await writeFile(join(dirty.path, 'debug.log'), 'ignored\n');
    await mkdir(join(dirty.path, 'build/out'), { recursive: true });
    await writeFile(join(dirty.path, 'build/out/x.o'), 'obj');
    await dirty.release();

    const clean = await pool.acquire(repo.head);
    assert.equal(await readFile(join(clean.path, 'keep/b.txt'), 'utf8'), 'b1\n');
    assert.equal(await readFile(join(clean.path, 'a.txt'), 'utf8'), 'a1\n');
    assert.deepEqual((await readdir(clean.path)).sort(), ['.git', '.gitignore', 'a.txt', 'keep']);
    assert.equal(await repo.git('-C', clean.path, 'status', '--porcelain', '--ignored'), '');
    await clean.release();
  });

  it('drops a directory the candidate emptied when the next commit does not have it', async () => {
    const first = await pool.acquire(second);
    await first.release();
    const emptied = await pool.acquire(second);
    await rm(join(emptied.path, 'keep/b.txt'));
    await writeFile(join(emptied.path, 'a.txt'), 'scribbled\n');
    await emptied.release();

    const next = await pool.acquire(third);
    assert.deepEqual((await readdir(next.path)).sort(), ['.git', '.gitignore', 'a.txt', 'c.txt']);
    assert.equal(await readFile(join(next.path, 'a.txt'), 'utf8'), 'a2\n');
    assert.equal(await repo.git('-C', next.path, 'status', '--porcelain', '--ignored'), '');
    await next.release();
  });

  it('removes new directories, symlinks and type changes left on a freshly checked-out worktree', async () => {
    const first = await pool.acquire(second);
    await first.release();
    const scribbled = await pool.acquire(second);
    await mkdir(join(scribbled.path, 'empty-dir'));
    await rm(join(scribbled.path, 'keep'), { recursive: true });
    await symlink(scratch.dir, join(scribbled.path, 'keep'));
    await rm(join(scribbled.path, 'c.txt'));
    await mkdir(join(scribbled.path, 'c.txt'));
    await scribbled.release();

    const next = await pool.acquire(repo.head);
    assert.deepEqual((await readdir(next.path)).sort(), ['.git', '.gitignore', 'a.txt', 'keep']);
    assert.ok((await lstat(join(next.path, 'keep'))).isDirectory());
    assert.equal(await readFile(join(next.path, 'keep/b.txt'), 'utf8'), 'b1\n');
    assert.equal(await repo.git('-C', next.path, 'status', '--porcelain', '--ignored'), '');
    await next.release();
  });

  it('rebuilds a worktree whose checkout a candidate broke', async () => {
    const broken = await pool.acquire(repo.head);
    await rm(join(broken.path, '.git'));
    await broken.release();
    const fixed = await pool.acquire(second);
    assert.equal(await readFile(join(fixed.path, 'c.txt'), 'utf8'), 'c2\n');
    await fixed.release();
  });

  it('queues acquires beyond its size and hands worktrees over in order', async () => {
    const holder = await pool.acquire(repo.head);
    const order: string[] = [];
    const next = pool.acquire(second).then((wt) => (order.push('second'), wt));
    const third = pool.acquire(repo.head).then((wt) => (order.push('third'), wt));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(order, [], 'nobody gets a worktree while it is lent');

    await holder.release();
    const got = await next;
    assert.equal(got.path, holder.path);
    assert.equal(await readFile(join(got.path, 'c.txt'), 'utf8'), 'c2\n');
    assert.deepEqual(order, ['second']);
    await got.release();
    await (await third).release();
    assert.deepEqual(order, ['second', 'third']);
  });

  it('stops waiting when the signal aborts, and keeps working afterwards', async () => {
    const holder = await pool.acquire(repo.head);
    const controller = new AbortController();
    const waiting = pool.acquire(second, controller.signal);
    controller.abort(new Error('job cancelled'));
    await assert.rejects(waiting, /job cancelled/);
    await assert.rejects(pool.acquire(second, AbortSignal.abort()), { name: 'AbortError' });
    await holder.release();
    const after = await pool.acquire(second);
    await after.release();
  });

  it('writes an owner file beside each worktree, outside the checkout', async () => {
    const wt = await pool.acquire(repo.head);
    const owner = JSON.parse(await readFile(ownerFilePath(root, 0), 'utf8')) as { pid: number; hostname: string };
    assert.equal(owner.pid, process.pid);
    assert.equal(wt.path, join(root, 'wt-0'));
    await wt.release();
  });

  it('close() removes its worktrees and leaves git worktree list clean', async () => {
    const big = new GitWorktreePool({ repo: repo.dir, size: 2, root });
    const [a, b] = await Promise.all([big.acquire(repo.head), big.acquire(second)]);
    assert.notEqual(a.path, b.path);
    assert.equal((await worktreePaths(repo)).length, 3);
    await a.release();
    await big.close();
    assert.deepEqual(await worktreePaths(repo), [repo.dir]);
    assert.equal(await exists(root), false);
    await assert.rejects(big.acquire(repo.head), /closed/);
  });

  it('reaps worktrees of dead owners only, never live pools or the user\'s worktrees', async () => {
    // A crashed run: its pool was never closed and its owner is gone.
    const crashed = new GitWorktreePool({ repo: repo.dir, size: 1, root });
    const orphan = await crashed.acquire(repo.head);
    await writeFile(ownerFilePath(root, 0), JSON.stringify({ pid: await deadPid(), hostname: (await import('node:os')).hostname(), processStart: null, createdAt: '' }));
    // A live pool (this process) sharing the root, and the user's own worktree elsewhere.
    const live = new GitWorktreePool({ repo: repo.dir, size: 1, root });
    const alive = await live.acquire(second);
    const userWorktree = join(scratch.dir, 'user-wt');
    await repo.git('worktree', 'add', '--quiet', '--detach', userWorktree, repo.head);

    const reaped = await reapOrphanWorktrees(repo.dir, { root });

    assert.deepEqual(reaped, [orphan.path]);
    assert.equal(await exists(orphan.path), false);
    assert.equal(await exists(ownerFilePath(root, 0)), false);
    assert.deepEqual((await worktreePaths(repo)).sort(), [repo.dir, alive.path, userWorktree].sort());
    assert.equal(await readFile(join(alive.path, 'c.txt'), 'utf8'), 'c2\n');

    await live.close();
    await repo.git('worktree', 'remove', '--force', userWorktree);
  });

  it('defaults to one root per repository under the temp directory', () => {
    const defaultRoot = defaultWorktreeRoot(repo.dir);
    assert.match(defaultRoot, /cambrian-worktrees[\\/][0-9a-f]{12}$/);
    assert.ok(defaultRoot.startsWith(tmpdir()));
    assert.equal(new GitWorktreePool({ repo: repo.dir, size: 1 }).root, defaultRoot);
  });
});
