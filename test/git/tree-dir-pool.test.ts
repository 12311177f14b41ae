// TreeDirPool against a real repository: a lent directory holds exactly the commit's tree and never
// any git metadata; whatever a candidate did to it (edits, deletions, new files, links, FIFOs, type
// swaps, links out of the pool, permission changes, forged mtimes) is undone on the next acquire
// without writing outside the pool; queueing, abort, owner files, close() and reaping dead owners
// only; the user's HEAD, index and worktrees are never touched.
import { after, before, beforeEach, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, chmod, lstat, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { UnsafeTreePathError } from '../../src/git/materialize.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import { openRepo } from '../../src/git/repo.ts';
import { TreeDirPool, type TreeSource } from '../../src/git/tree-dir-pool.ts';
import { defaultWorktreeRoot, ownerFilePath, reapOrphanWorktrees } from '../../src/git/worktree-reaper.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const exec = promisify(execFile);
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const lexists = (path: string): Promise<boolean> => lstat(path).then(() => true, () => false);

/** Everything under `dir`, without following links: files by content, links by target, dirs by a trailing '/'. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (relative: string): Promise<void> => {
    for (const dirent of await readdir(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? dirent.name : `${relative}/${dirent.name}`;
      const full = join(dir, path);
      if (dirent.isDirectory()) {
        out[`${path}/`] = 'dir';
        await walk(path);
      } else if (dirent.isSymbolicLink()) out[path] = `-> ${await readlink(full)}`;
      else if (dirent.isFile()) out[path] = await readFile(full, 'utf8');
      else out[path] = 'special';
    }
  };
  await walk('');
  return out;
}

/** What `snapshot` must show for a commit: its files and links, and the directories they imply. */
async function expectedTree(git: GitRepo, commit: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await git.listFiles(commit)) {
    const content = await git.readBlob(entry.blob);
    out[entry.path] = entry.mode === '120000' ? `-> ${content}` : content;
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) out[`${parts.slice(0, i).join('/')}/`] = 'dir';
  }
  return out;
}

/** The pid of a process that has exited (and, on a quiet machine, not yet been reused). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  assert.ok(child.pid);
  return child.pid;
}

async function worktreeList(repo: TempRepo): Promise<string[]> {
  const list = await repo.git('worktree', 'list', '--porcelain');
  return list.split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
}

describe('TreeDirPool', () => {
  let repo: TempRepo;
  let git: GitRepo;
  let second: string;
  /** `second` without keep/b.txt, made without moving the user's HEAD. */
  let third: string;
  let scratch: { dir: string; cleanup(): Promise<void> };
  let root: string;
  let pool: TreeDirPool;

  before(async () => {
    repo = await createTempRepo({ 'a.txt': 'a1\n', 'keep/b.txt': 'b1\n', 'keep/deep/d.txt': 'd1\n', '.gitignore': '*.log\n' });
    second = await repo.commit({ 'a.txt': 'a2\n', 'c.txt': 'c2\n' }, 'second');
    git = await openRepo(repo.dir);
    third = (await git.commitChild({ parent: second, changes: [{ path: 'keep/b.txt', content: null }, { path: 'keep/deep/d.txt', content: null }], subject: 'third', trailers: [], timestamp: 1 })).commit;
  });
  after(async () => {
    await git.close();
    await repo.cleanup();
  });
  beforeEach(async () => {
    scratch = await createTempDir('cambrian-pool-');
    root = join(scratch.dir, 'pool');
    pool = new TreeDirPool({ repo: git, size: 1, root });
  });
  afterEach(async () => {
    await pool.close();
    // A test may leave a directory without permissions behind; cleanup must still succeed.
    await exec('chmod', ['-R', 'u+rwx', scratch.dir]).catch(() => {});
    await scratch.cleanup();
  });

  /** The user's repository as it was: HEAD on `second`, clean index and working tree, one worktree. */
  async function assertUserRepoUntouched(): Promise<void> {
    assert.equal(await repo.git('rev-parse', 'HEAD'), second, "the user's HEAD is untouched");
    assert.equal(await repo.git('status', '--porcelain', '--ignored'), '', "the user's index and working tree are untouched");
    assert.deepEqual(await worktreeList(repo), [repo.dir], 'no git worktree is registered');
  }

  it('reuses one plain directory (no .git) and switches it between commits', async () => {
    const first = await pool.acquire(repo.head);
    assert.deepEqual(await snapshot(first.path), await expectedTree(git, repo.head));
    assert.equal(await lexists(join(first.path, '.git')), false);
    await first.release();

    const again = await pool.acquire(second);
    assert.equal(again.path, first.path);
    assert.deepEqual(await snapshot(again.path), await expectedTree(git, second));
    assert.equal(await readFile(join(again.path, 'c.txt'), 'utf8'), 'c2\n');
    await again.release();

    const back = await pool.acquire(third);
    assert.deepEqual(await snapshot(back.path), await expectedTree(git, third));
    assert.equal(await lexists(join(back.path, 'keep')), false, 'a directory the next tree lacks goes');
    await back.release();
    await assertUserRepoUntouched();
  });

  it('restores what the previous candidate changed or deleted and removes what it added', async () => {
    const dirty = await pool.acquire(repo.head);
    await rm(join(dirty.path, 'keep/b.txt'));
    await writeFile(join(dirty.path, 'a.txt'), 'scribbled\n');
    await writeFile(join(dirty.path, 'stray.txt'), 'untracked\n');
    await writeFile(join(dirty.path, 'debug.log'), 'ignored by .gitignore, still removed\n');
    await mkdir(join(dirty.path, 'build/out'), { recursive: true });
    await writeFile(join(dirty.path, 'build/out/x.o'), 'obj');
    await mkdir(join(dirty.path, 'empty-dir'));
    await symlink('a.txt', join(dirty.path, 'link-to-a'));
    await symlink(scratch.dir, join(dirty.path, 'keep/deep/link-out'));
    await exec('mkfifo', [join(dirty.path, 'pipe'), join(dirty.path, 'keep/pipe')]);
    await dirty.release();

    const clean = await pool.acquire(repo.head);
    assert.deepEqual(await snapshot(clean.path), await expectedTree(git, repo.head));
    assert.deepEqual((await readdir(clean.path)).sort(), ['.gitignore', 'a.txt', 'keep']);
    await clean.release();
  });

  it('drops a directory the candidate emptied when the next commit does not have it', async () => {
    const emptied = await pool.acquire(second);
    await rm(join(emptied.path, 'keep/b.txt'));
    await rm(join(emptied.path, 'keep/deep/d.txt'));
    await writeFile(join(emptied.path, 'a.txt'), 'scribbled\n');
    await emptied.release();

    const next = await pool.acquire(third);
    assert.deepEqual((await readdir(next.path)).sort(), ['.gitignore', 'a.txt', 'c.txt']);
    assert.deepEqual(await snapshot(next.path), await expectedTree(git, third));
    await next.release();
  });

  it('replaces type swaps: a file turned directory, a directory turned file', async () => {
    const swapped = await pool.acquire(second);
    await rm(join(swapped.path, 'c.txt'));
    await mkdir(join(swapped.path, 'c.txt/inner'), { recursive: true });
    await writeFile(join(swapped.path, 'c.txt/inner/f'), 'x');
    await rm(join(swapped.path, 'keep/deep'), { recursive: true });
    await writeFile(join(swapped.path, 'keep/deep'), 'now a file\n');
    await swapped.release();

    const next = await pool.acquire(second);
    assert.deepEqual(await snapshot(next.path), await expectedTree(git, second));
    await next.release();
  });

  it('replaces links a candidate put in place of a tracked file and a tracked directory, writing nothing outside', async () => {
    const outsideDir = join(scratch.dir, 'outside');
    await mkdir(outsideDir);
    const outsideFile = join(scratch.dir, 'outside.txt');
    await writeFile(outsideFile, 'host file\n');

    const hostile = await pool.acquire(repo.head);
    await rm(join(hostile.path, 'a.txt'));
    await symlink(outsideFile, join(hostile.path, 'a.txt'));
    await rm(join(hostile.path, 'keep'), { recursive: true });
    await symlink(outsideDir, join(hostile.path, 'keep'));
    await hostile.release();

    // A different commit, so every file under keep/ and a.txt must be written again.
    const next = await pool.acquire(second);
    assert.deepEqual(await snapshot(next.path), await expectedTree(git, second));
    assert.ok((await lstat(join(next.path, 'keep'))).isDirectory());
    assert.ok((await lstat(join(next.path, 'a.txt'))).isFile());
    assert.deepEqual(await readdir(outsideDir), [], 'nothing was written through the directory link');
    assert.equal(await readFile(outsideFile, 'utf8'), 'host file\n', 'nothing was written through the file link');
    await next.release();
  });

  it('rewrites a file whose content changed even when its size and mtime were restored', async () => {
    const first = await pool.acquire(repo.head);
    const path = join(first.path, 'a.txt');
    const reference = join(scratch.dir, 'reference');
    await exec('touch', ['-r', path, reference]); // nanosecond-exact copy of the timestamps
    const before = await stat(path, { bigint: true });
    // A candidate starts milliseconds after its directory is ready: its change lands in a later
    // clock tick than our record, so the ctime it cannot set differs even on coarse-timestamp kernels.
    await sleep(20);
    await writeFile(path, 'a9\n'); // same size as 'a1\n'
    await exec('touch', ['-r', reference, path]);
    const forged = await stat(path, { bigint: true });
    assert.equal(forged.mtimeNs, before.mtimeNs);
    assert.equal(forged.size, before.size);
    assert.equal(forged.ino, before.ino);
    assert.notEqual(forged.ctimeNs, before.ctimeNs);
    await first.release();

    const next = await pool.acquire(repo.head);
    assert.equal(await readFile(join(next.path, 'a.txt'), 'utf8'), 'a1\n');
    await next.release();
  });

  it('recovers directories a candidate made inaccessible (chmod 000)', async () => {
    const locked = await pool.acquire(repo.head);
    await mkdir(join(locked.path, 'junk/sub'), { recursive: true });
    await writeFile(join(locked.path, 'junk/sub/f'), 'x');
    await chmod(join(locked.path, 'junk/sub'), 0o000);
    await chmod(join(locked.path, 'junk'), 0o000);
    await writeFile(join(locked.path, 'keep/deep/d.txt'), 'scribbled\n');
    await chmod(join(locked.path, 'keep/deep'), 0o000);
    await chmod(join(locked.path, 'keep'), 0o000);
    await locked.release();

    const next = await pool.acquire(repo.head);
    assert.equal(next.path, locked.path);
    assert.deepEqual(await snapshot(next.path), await expectedTree(git, repo.head));
    assert.equal((await stat(join(next.path, 'keep'))).mode & 0o777, 0o755);
    await next.release();

    const root000 = await pool.acquire(repo.head);
    await chmod(root000.path, 0o000);
    await root000.release();
    const again = await pool.acquire(second);
    assert.deepEqual(await snapshot(again.path), await expectedTree(git, second));
    await again.release();
  });

  it('removes git metadata a candidate planted, and rebuilds a directory it deleted', async () => {
    const planted = await pool.acquire(repo.head);
    await mkdir(join(planted.path, '.git'));
    await writeFile(join(planted.path, '.git/config'), '[core]\n\tfsmonitor = touch /tmp/owned\n');
    await writeFile(join(planted.path, 'keep/.git'), 'gitdir: /somewhere\n');
    await planted.release();

    const clean = await pool.acquire(repo.head);
    assert.equal(await lexists(join(clean.path, '.git')), false);
    assert.equal(await lexists(join(clean.path, 'keep/.git')), false);
    assert.deepEqual(await snapshot(clean.path), await expectedTree(git, repo.head));
    await rm(clean.path, { recursive: true });
    await clean.release();

    const rebuilt = await pool.acquire(second);
    assert.deepEqual(await snapshot(rebuilt.path), await expectedTree(git, second));
    await rebuilt.release();
    await assertUserRepoUntouched();
  });

  it('replaces a directory a candidate swapped for a link as a whole, writing nothing through it', async () => {
    const outsideDir = join(scratch.dir, 'outside-whole');
    await mkdir(outsideDir);
    await writeFile(join(outsideDir, 'precious.txt'), 'mine\n');
    await chmod(outsideDir, 0o750);
    const swapped = await pool.acquire(repo.head);
    const path = swapped.path;
    await rm(path, { recursive: true });
    await symlink(outsideDir, path);
    await swapped.release();

    const next = await pool.acquire(second);
    assert.ok((await lstat(next.path)).isDirectory());
    assert.deepEqual(await snapshot(next.path), await expectedTree(git, second));
    assert.deepEqual(await readdir(outsideDir), ['precious.txt'], 'nothing removed or written through the link');
    assert.equal((await stat(outsideDir)).mode & 0o777, 0o750, 'not chmod-ed through the link');
    await next.release();
  });

  it('refuses a tree with a path that is unsafe to write, and keeps working', async () => {
    const source: TreeSource = {
      repoDir: repo.dir,
      listFiles: async (commit) => (commit === 'evil' ? [{ path: '.git/config', mode: '100644', blob: 'b'.repeat(40) }] : git.listFiles(commit)),
      readObject: async (name) => ({ type: 'blob', content: Buffer.from(name === 'b'.repeat(40) ? '[filter]\n' : 'x') }),
    };
    const crafted = new TreeDirPool({ repo: source, size: 1, root: join(scratch.dir, 'crafted') });
    try {
      await assert.rejects(crafted.acquire('evil'), UnsafeTreePathError);
      const after = await crafted.acquire(repo.head, AbortSignal.timeout(5_000));
      assert.equal(await lexists(join(after.path, '.git')), false);
      await after.release();
    } finally {
      await crafted.close();
    }
  });

  it('queues acquires beyond its size and hands directories over in order', async () => {
    const holder = await pool.acquire(repo.head);
    const order: string[] = [];
    const next = pool.acquire(second).then((wt) => (order.push('second'), wt));
    const last = pool.acquire(repo.head).then((wt) => (order.push('third'), wt));
    await sleep(100);
    assert.deepEqual(order, [], 'nobody gets a directory while it is lent');

    await holder.release();
    const got = await next;
    assert.equal(got.path, holder.path);
    assert.equal(await readFile(join(got.path, 'c.txt'), 'utf8'), 'c2\n');
    assert.deepEqual(order, ['second']);
    await got.release();
    await (await last).release();
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

  it('writes an owner file beside each directory, outside what the candidate can write', async () => {
    const wt = await pool.acquire(repo.head);
    const owner = JSON.parse(await readFile(ownerFilePath(root, 0), 'utf8')) as { pid: number; hostname: string };
    assert.equal(owner.pid, process.pid);
    assert.equal(wt.path, join(root, 'wt-0'));
    assert.equal((await stat(root)).mode & 0o777, 0o700, 'the pool root is private');
    await wt.release();
  });

  it('close() removes its directories and its root, and refuses further acquires', async () => {
    const big = new TreeDirPool({ repo: git, size: 2, root });
    const [a, b] = await Promise.all([big.acquire(repo.head), big.acquire(second)]);
    assert.notEqual(a.path, b.path);
    await chmod(join(b.path, 'keep'), 0o000); // a candidate's last word does not stop the cleanup
    await a.release();
    await big.close();
    assert.equal(await exists(a.path), false);
    assert.equal(await exists(b.path), false);
    assert.equal(await exists(root), false);
    await assert.rejects(big.acquire(repo.head), /closed/);
    await assertUserRepoUntouched();
  });

  it("reaps directories of dead owners only, never live pools or the user's worktrees", async () => {
    // A crashed run: its pool was never closed and its owner is gone.
    const crashed = new TreeDirPool({ repo: git, size: 1, root });
    const orphan = await crashed.acquire(repo.head);
    await chmod(join(orphan.path, 'keep'), 0o000);
    await symlink(scratch.dir, join(orphan.path, 'link-out'));
    await writeFile(ownerFilePath(root, 0), JSON.stringify({ pid: await deadPid(), hostname: hostname(), processStart: null, createdAt: '' }));
    // A live pool (this process) sharing the root, and the user's own worktree elsewhere.
    const live = new TreeDirPool({ repo: git, size: 1, root });
    const alive = await live.acquire(second);
    const userWorktree = join(scratch.dir, 'user-wt');
    await repo.git('worktree', 'add', '--quiet', '--detach', userWorktree, repo.head);
    await writeFile(join(userWorktree, 'uncommitted.txt'), 'work in progress\n');

    const reaped = await reapOrphanWorktrees(repo.dir, { root });

    assert.deepEqual(reaped, [orphan.path]);
    assert.equal(await lexists(orphan.path), false);
    assert.equal(await exists(ownerFilePath(root, 0)), false);
    assert.ok(await exists(scratch.dir), 'the link out of the orphan was not followed');
    assert.equal(await readFile(join(alive.path, 'c.txt'), 'utf8'), 'c2\n');
    assert.ok(await exists(ownerFilePath(root, 1)), 'the live pool keeps its owner file');
    assert.deepEqual((await worktreeList(repo)).sort(), [repo.dir, userWorktree].sort());
    assert.equal(await readFile(join(userWorktree, 'uncommitted.txt'), 'utf8'), 'work in progress\n');
    assert.equal(await git.resolve('HEAD'), second);

    await live.close();
    await repo.git('worktree', 'remove', '--force', userWorktree);
  });

  it('defaults to one root per repository under the temp directory', () => {
    const defaultRoot = defaultWorktreeRoot(repo.dir);
    assert.match(defaultRoot, /cambrian-worktrees[\\/][0-9a-f]{12}$/);
    assert.ok(defaultRoot.startsWith(tmpdir()));
    assert.equal(new TreeDirPool({ repo: git, size: 1 }).root, defaultRoot);
    assert.throws(() => new TreeDirPool({ repo: git, size: 0 }), /positive integer/);
  });
});
