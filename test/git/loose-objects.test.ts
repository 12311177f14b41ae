// Loose objects written in-process: git names and reads them like its own, they land in the
// repository's own objects directory (also from a linked worktree), and repositories we must not
// write to directly (SHA-256, shared) fall back to git.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openLooseObjectStore, prepareObject, type LooseObjectStore } from '../../src/git/loose-objects.ts';
import { runGit } from '../../src/git/exec.ts';
import { GitRepo } from '../../src/git/plumbing.ts';
import { openRepo } from '../../src/git/repo.ts';
import { createTempDir, createTempRepo, git, type TempRepo } from '../support/temp-repo.ts';

function hashObject(cwd: string, type: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['hash-object', '-t', type, '--stdin', '--literally'], { cwd }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
    child.stdin?.end(body);
  });
}

describe('LooseObjectStore', () => {
  let temp: TempRepo;
  let repo: GitRepo;
  let store: LooseObjectStore;

  before(async () => {
    temp = await createTempRepo({ 'a.txt': 'a\n' });
    repo = await openRepo(temp.dir);
    const opened = await repo.looseObjects();
    assert.ok(opened);
    store = opened;
  });
  after(async () => {
    await repo.close();
    await temp.cleanup();
  });

  it('names objects exactly as git hash-object does', async () => {
    for (const body of ['', 'hello\n', 'ünïcødé\0binary\xff', 'x'.repeat(100_000)].map((s) => Buffer.from(s, 'utf8'))) {
      assert.equal(prepareObject('blob', body).oid, await hashObject(temp.dir, 'blob', body));
    }
  });

  it('writes a read-only object git can read, without leaving temp files', async () => {
    const object = prepareObject('blob', Buffer.from('stored in-process\n'));
    assert.equal(store.write(object), object.oid);
    assert.equal(await temp.git('cat-file', '-p', object.oid), 'stored in-process');
    assert.equal(store.objectsDir, join(temp.dir, '.git/objects'));
    const path = join(store.objectsDir, object.oid.slice(0, 2), object.oid.slice(2));
    assert.equal((await stat(path)).mode & 0o222, 0, 'not writable, like git’s own objects');
    assert.deepEqual((await readdir(join(store.objectsDir, object.oid.slice(0, 2)))).filter((name) => name.startsWith('tmp_')), []);
  });

  it('leaves an existing object alone', async () => {
    const object = prepareObject('blob', Buffer.from('written once\n'));
    store.write(object);
    const path = join(store.objectsDir, object.oid.slice(0, 2), object.oid.slice(2));
    const before = await stat(path);
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.write(object);
    store.write(object);
    const after = await stat(path);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
  });

  it('recreates a fan-out directory that git prune removed after it was used', async () => {
    // A fan-out directory holding nothing else: removing it must not take the repo's own objects.
    let first = prepareObject('blob', Buffer.from('pruned soon 0\n'));
    for (let i = 1; await stat(join(store.objectsDir, first.oid.slice(0, 2))).then(() => true, () => false); i++) {
      first = prepareObject('blob', Buffer.from(`pruned soon ${i}\n`));
    }
    store.write(first);
    const directory = join(store.objectsDir, first.oid.slice(0, 2));
    await rm(directory, { recursive: true, force: true });
    let sibling = prepareObject('blob', Buffer.from('sibling 0\n'));
    for (let i = 1; sibling.oid.slice(0, 2) !== first.oid.slice(0, 2); i++) sibling = prepareObject('blob', Buffer.from(`sibling ${i}\n`));
    store.write(sibling);
    assert.equal(await temp.git('cat-file', '-t', sibling.oid), 'blob');
  });

  it('writes to the main repository objects from a linked worktree', async () => {
    const scratch = await createTempDir();
    const worktree = join(scratch.dir, 'wt');
    await temp.git('worktree', 'add', '--quiet', '--detach', worktree, temp.head);
    const fromWorktree = new GitRepo(worktree);
    try {
      assert.equal((await fromWorktree.looseObjects())?.objectsDir, join(temp.dir, '.git/objects'));
      const { commit } = await fromWorktree.commitChild({ parent: temp.head, changes: [{ path: 'w.txt', content: 'w' }], subject: 'from a worktree', trailers: [], timestamp: 1 });
      assert.equal(await temp.git('cat-file', '-t', commit), 'commit');
    } finally {
      await fromWorktree.close();
      await temp.git('worktree', 'remove', '--force', worktree);
      await scratch.cleanup();
    }
  });
});

describe('repositories written through git', () => {
  it('uses git for a SHA-256 repository, and commits still work', async () => {
    const scratch = await createTempDir();
    try {
      await git(scratch.dir, 'init', '--quiet', '--object-format=sha256', '--initial-branch=main');
      await git(scratch.dir, 'commit', '--quiet', '--allow-empty', '-m', 'root');
      const repo = await openRepo(scratch.dir);
      try {
        assert.equal(await repo.looseObjects(), null);
        const head = await repo.resolve('HEAD');
        const { commit } = await repo.commitChild({ parent: head, changes: [{ path: 'a/b.txt', content: 'b' }], subject: 's', trailers: [], timestamp: 1, branch: 'cambrian/r/g0/i1' });
        assert.match(commit, /^[0-9a-f]{64}$/);
        assert.equal(await repo.readFile('cambrian/r/g0/i1', 'a/b.txt'), 'b');
      } finally {
        await repo.close();
      }
    } finally {
      await scratch.cleanup();
    }
  });

  it('uses git for a shared repository (group permissions are git’s business)', async () => {
    const temp = await createTempRepo();
    try {
      await temp.git('config', 'core.sharedRepository', 'group');
      assert.equal(await openLooseObjectStore(temp.dir, (args, options) => runGit(args, { ...options, cwd: temp.dir })), null);
    } finally {
      await temp.cleanup();
    }
  });
});
