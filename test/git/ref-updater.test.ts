// The long-lived update-ref process: transactions in order, packed refs and reflogs handled by
// git, a refused transaction reported with git's reason, and a dead process replaced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { RefUpdater } from '../../src/git/ref-updater.ts';
import { openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

describe('RefUpdater', () => {
  let temp: TempRepo;
  let second: string;
  let updater: RefUpdater;

  before(async () => {
    temp = await createTempRepo({ 'a.txt': 'a\n' });
    second = await temp.commit({ 'a.txt': 'b\n' }, 'second');
    updater = new RefUpdater(temp.dir, 5_000);
  });
  after(async () => {
    await updater.close();
    await temp.cleanup();
  });

  it('applies many transactions, sequential and concurrent, through one process', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/t/one', temp.head]]);
    const pid = updater.pid;
    assert.ok(pid);
    await Promise.all(Array.from({ length: 40 }, (_, i) => updater.transaction([['update', `refs/heads/cambrian/t/i${i}`, i % 2 ? second : temp.head]])));
    assert.equal(updater.pid, pid, 'no respawn');
    for (const i of [0, 1, 38, 39]) assert.equal(await temp.git('rev-parse', `refs/heads/cambrian/t/i${i}`), i % 2 ? second : temp.head);
    assert.equal(await temp.git('symbolic-ref', 'HEAD'), 'refs/heads/main');
  });

  it('moves and deletes refs that live in packed-refs', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/p/a', temp.head], ['update', 'refs/heads/cambrian/p/b', temp.head]]);
    await temp.git('pack-refs', '--all');
    assert.equal(await exists(join(temp.dir, '.git/refs/heads/cambrian/p/a')), false, 'the ref is packed');
    await updater.transaction([['update', 'refs/heads/cambrian/p/a', second]]);
    assert.equal(await temp.git('rev-parse', 'refs/heads/cambrian/p/a'), second);
    await updater.transaction([['delete', 'refs/heads/cambrian/p/a', second], ['delete', 'refs/heads/cambrian/p/b', temp.head]]);
    assert.equal(await temp.git('for-each-ref', 'refs/heads/cambrian/p'), '');
    assert.match(await temp.git('show-ref'), /refs\/heads\/main/);
  });

  it('writes no reflog for new refs, but keeps appending to one that exists', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/log/new', temp.head]]);
    assert.equal(await exists(join(temp.dir, '.git/logs/refs/heads/cambrian/log/new')), false);
    await temp.git('branch', 'logged', temp.head); // a user branch: git created its reflog
    await updater.transaction([['update', 'refs/heads/logged', second]]);
    assert.equal((await temp.git('reflog', 'show', '--format=%H', 'refs/heads/logged')).split('\n')[0], second);
  });

  it('rejects a transaction git refuses with its reason, changes nothing, and recovers', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/x/ok', temp.head]]);
    const pid = updater.pid;
    const missing = '0123456789abcdef0123456789abcdef01234567';
    await assert.rejects(
      updater.transaction([['update', 'refs/heads/cambrian/x/ok', second], ['update', 'refs/heads/cambrian/x/bad', missing]]),
      (error: { code: string; message: string }) => {
        assert.equal(error.code, 'CAMBRIAN_GIT_FAILED');
        assert.match(error.message, /nonexistent object/);
        return true;
      },
    );
    assert.equal(await temp.git('rev-parse', 'refs/heads/cambrian/x/ok'), temp.head, 'all or nothing');
    await updater.transaction([['update', 'refs/heads/cambrian/x/ok', second]]);
    assert.notEqual(updater.pid, pid, 'a fresh process took over');
    assert.equal(await temp.git('rev-parse', 'refs/heads/cambrian/x/ok'), second);
  });

  it('reports a directory/file ref conflict', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/df', temp.head]]);
    await assert.rejects(updater.transaction([['update', 'refs/heads/cambrian/df/child', temp.head]]), { code: 'CAMBRIAN_GIT_FAILED' });
  });

  it('restarts after its process is killed', async () => {
    await updater.transaction([['update', 'refs/heads/cambrian/k/a', temp.head]]);
    const pid = updater.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await updater.transaction([['update', 'refs/heads/cambrian/k/a', second]]);
    assert.equal(await temp.git('rev-parse', 'refs/heads/cambrian/k/a'), second);
  });

  it('refuses arguments that could smuggle in another command', async () => {
    for (const ref of ['refs/heads/a\ndelete refs/heads/main', 'refs/heads/with space', '']) {
      await assert.rejects(updater.transaction([['update', ref, temp.head]]), { code: 'CAMBRIAN_BAD_ARGUMENT' });
    }
    assert.match(await temp.git('rev-parse', 'refs/heads/main'), /^[0-9a-f]{40}$/);
  });

  it('ends its process on close()', async () => {
    const own = new RefUpdater(temp.dir);
    await own.transaction([['update', 'refs/heads/cambrian/c/a', temp.head]]);
    const pid = own.pid;
    assert.ok(pid);
    await own.close();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await assert.rejects(own.transaction([['update', 'refs/heads/cambrian/c/a', temp.head]]), /closed/);
  });
});

describe('GitRepo refs through the long-lived process', () => {
  let temp: TempRepo;
  let repo: GitRepo;
  before(async () => {
    temp = await createTempRepo({ 'a.txt': 'a\n' });
    repo = await openRepo(temp.dir);
  });
  after(async () => {
    await repo.close();
    await temp.cleanup();
  });

  it('commits onto branches, lists and deletes them, also once packed', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        repo.commitChild({ parent: temp.head, changes: [{ path: `f${i}`, content: `${i}` }], subject: 's', trailers: [], timestamp: 1, branch: `cambrian/r9/g0/i${i}` }),
      ),
    );
    await temp.git('pack-refs', '--all');
    await repo.updateRef('cambrian/r9/best', results[3]!.commit);
    const refs = await repo.listRefs('cambrian/r9');
    assert.equal(refs.length, 13);
    assert.equal(refs.find((r) => r.ref === 'refs/heads/cambrian/r9/best')?.commit, results[3]!.commit);
    await repo.deleteRefs('cambrian/r9');
    assert.deepEqual(await repo.listRefs('cambrian/r9'), []);
    assert.equal(await temp.git('rev-parse', 'main'), temp.head);
  });
});
