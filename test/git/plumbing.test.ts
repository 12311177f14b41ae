// GitRepo against real temp repositories: plumbing commits leave the user's checkout alone, are
// reproducible, handle nested paths, deletes and modes, and the read/ref/diff/merge helpers work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import type { CommitRequest } from '../../src/git/port.ts';
import { bestBranch, branchForIndividual } from '../../src/git/branches.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const FILES = {
  'README.md': '# demo\n',
  'src/a.txt': 'alpha\n',
  'src/nested/b.txt': 'beta\n',
  'run.sh': '#!/bin/sh\necho run\n',
};

function request(parent: string, overrides: Partial<CommitRequest> = {}): CommitRequest {
  return {
    parent,
    changes: [{ path: 'src/a.txt', content: 'alpha 2\n' }],
    subject: 'mutate a',
    trailers: [['Cambrian-Run', 'r1'], ['Cambrian-Operator', 'offline.numeric']],
    timestamp: 1_700_000_000,
    ...overrides,
  };
}

function interpretTrailers(cwd: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['interpret-trailers', '--parse'], { cwd }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(message);
  });
}

describe('GitRepo plumbing', () => {
  let temp: TempRepo;
  let repo: GitRepo;

  before(async () => {
    temp = await createTempRepo(FILES, { commit: false });
    await chmod(join(temp.dir, 'run.sh'), 0o755);
    temp.head = await temp.commit({}, 'initial');
    repo = await openRepo(temp.dir);
  });
  after(async () => {
    await repo.close();
    await temp.cleanup();
  });

  it('never moves the user HEAD, branch, index or working tree, even with uncommitted changes', async () => {
    await temp.write({ 'src/a.txt': 'user edit\n', 'untracked.txt': 'mine\n' });
    await temp.git('add', 'untracked.txt');
    await temp.write({ 'README.md': '# user edit, unstaged\n' });
    const snapshot = async () => ({
      head: await temp.git('rev-parse', 'HEAD'),
      branch: await temp.git('symbolic-ref', 'HEAD'),
      status: await temp.git('status', '--porcelain'),
      staged: await temp.git('diff', '--cached'),
      unstaged: await temp.git('diff'),
      index: await temp.git('ls-files', '--stage'),
      a: await readFile(join(temp.dir, 'src/a.txt'), 'utf8'),
    });
    const before = await snapshot();

    const branch = branchForIndividual('r1', 0, 1);
    const result = await repo.commitChild(request(temp.head, { branch }));

    assert.deepEqual(await snapshot(), before);
    assert.equal(await temp.git('rev-parse', `refs/heads/${branch}`), result.commit);
    assert.equal(await temp.git('show', `${result.commit}:src/a.txt`), 'alpha 2');
    assert.equal(await temp.git('rev-parse', `${result.commit}^`), temp.head);
    await temp.git('reset', '--quiet', '--hard');
    await temp.git('clean', '-fdq');
  });

  it('adds nested paths, changes files and deletes files in one commit', async () => {
    const { commit, tree } = await repo.commitChild(
      request(temp.head, {
        changes: [
          { path: 'deep/x/y/z.txt', content: 'zed\n' },
          { path: './src/nested/b.txt', content: 'beta 2\n' },
          { path: 'src/a.txt', content: null },
        ],
      }),
    );
    const files = (await temp.git('ls-tree', '-r', '--name-only', commit)).split('\n');
    assert.deepEqual(files.sort(), ['README.md', 'deep/x/y/z.txt', 'run.sh', 'src/nested/b.txt']);
    assert.equal(await repo.readFile(commit, 'deep/x/y/z.txt'), 'zed\n');
    assert.equal(await repo.readFile(commit, 'src/nested/b.txt'), 'beta 2\n');
    assert.equal(await repo.readFile(commit, 'src/a.txt'), null);
    assert.equal(tree, await repo.treeOf(commit));
    assert.equal(tree, await temp.git('rev-parse', `${commit}^{tree}`));
  });

  it('keeps the executable bit of a rewritten file and makes new files 100644', async () => {
    const { commit } = await repo.commitChild(
      request(temp.head, { changes: [{ path: 'run.sh', content: '#!/bin/sh\necho v2\n' }, { path: 'new.sh', content: 'x' }] }),
    );
    const modes = Object.fromEntries((await repo.listFiles(commit)).map((entry) => [entry.path, entry.mode]));
    assert.equal(modes['run.sh'], '100755');
    assert.equal(modes['new.sh'], '100644');
  });

  it('writes trailers git can parse, the Cambrian identity and the requested time', async () => {
    const { commit } = await repo.commitChild(request(temp.head, { body: 'Why: a numeric nudge.' }));
    const message = await temp.git('log', '-1', '--format=%B', commit);
    assert.equal(await interpretTrailers(temp.dir, message), 'Cambrian-Run: r1\nCambrian-Operator: offline.numeric\n');
    assert.match(message, /^mutate a\n\nWhy: a numeric nudge\.\n\n/);
    assert.equal(await temp.git('log', '-1', '--format=%an <%ae>|%cn <%ce>|%at|%ct', commit), 'Cambrian <cambrian@localhost>|Cambrian <cambrian@localhost>|1700000000|1700000000');
    assert.equal(await repo.commitTime(commit), 1_700_000_000);
  });

  it('gives the same SHA for the same request and a different one for another time', async () => {
    const first = await repo.commitChild(request(temp.head));
    const second = await repo.commitChild(request(temp.head));
    const later = await repo.commitChild(request(temp.head, { timestamp: 1_700_000_001 }));
    assert.equal(second.commit, first.commit);
    assert.notEqual(later.commit, first.commit);
    assert.equal(later.tree, first.tree);
  });

  it('gives identical content an identical tree hash', async () => {
    const unchanged = await repo.commitChild(request(temp.head, { changes: [{ path: 'src/a.txt', content: 'alpha\n' }] }));
    assert.equal(unchanged.tree, await repo.treeOf(temp.head));
    const viaOther = await repo.commitChild(request(temp.head, { subject: 'other words', changes: [{ path: 'src/a.txt', content: 'alpha 2\n' }] }));
    const direct = await repo.commitChild(request(temp.head));
    assert.equal(viaOther.tree, direct.tree);
    assert.notEqual(viaOther.commit, direct.commit);
  });

  it('refuses paths outside the tree', async () => {
    for (const path of ['../escape.txt', '/etc/passwd', '.git/config', 'a//b']) {
      await assert.rejects(repo.commitChild(request(temp.head, { changes: [{ path, content: 'x' }] })), { code: 'CAMBRIAN_PATCH_REJECTED' });
    }
  });

  it('resolves revisions and reads files, blobs and listings', async () => {
    assert.equal(await repo.resolve('main'), temp.head);
    assert.equal(await repo.resolve('HEAD'), temp.head);
    await assert.rejects(repo.resolve('no-such-branch'), { code: 'CAMBRIAN_BAD_REVISION' });
    await assert.rejects(repo.readFile('0'.repeat(40), 'README.md'), { code: 'CAMBRIAN_BAD_REVISION' });
    const entries = await repo.listFiles('main');
    assert.deepEqual(entries.map((entry) => entry.path).sort(), Object.keys(FILES).sort());
    const readme = entries.find((entry) => entry.path === 'README.md');
    assert.ok(readme);
    assert.equal(await repo.readBlob(readme.blob), FILES['README.md']);
    assert.equal(await repo.readFile(temp.head, 'src'), null, 'a directory is not a file');
    assert.equal(await repo.readFile(temp.head, 'missing.txt'), null);
  });

  it('lists a tree in-process exactly as git ls-tree -r does (order, modes, links, nested and unicode paths)', async () => {
    const other = await createTempRepo({ 'z.txt': 'z\n', 'a/b/c/deep.txt': 'd\n', 'a/x.sh': '#!/bin/sh\n', 'ü ñ/é.txt': 'u\n', 'a-b.txt': 'h\n', 'a.txt': 'a\n' });
    try {
      await other.git('update-index', '--chmod=+x', 'a/x.sh');
      await symlink('a/b/c/deep.txt', join(other.dir, 'link'));
      await other.git('add', 'link');
      await other.git('commit', '--quiet', '-m', 'more');
      const opened = await openRepo(other.dir);
      try {
        const listing = await opened.listFiles('HEAD');
        const expected = (await other.git('-c', 'core.quotePath=false', 'ls-tree', '-r', '--full-tree', 'HEAD'))
          .split('\n')
          .map((line) => {
            const [meta, path] = line.split('\t');
            const [mode, , blob] = meta!.split(' ');
            return { path: path!, mode: mode!, blob: blob! };
          });
        assert.deepEqual(listing, expected);
        // A child that changes one file shares every other subtree with its parent.
        const child = await opened.commitChild({ parent: await opened.resolve('HEAD'), changes: [{ path: 'a/b/c/deep.txt', content: 'changed\n' }], subject: 'c', trailers: [], timestamp: 1 });
        const childListing = await opened.listFiles(child.commit);
        assert.equal(childListing.find((e) => e.path === 'a/b/c/deep.txt')!.blob === expected.find((e) => e.path === 'a/b/c/deep.txt')!.blob, false);
        assert.deepEqual(childListing.map((e) => e.path), expected.map((e) => e.path));
      } finally {
        await opened.close();
      }
    } finally {
      await other.cleanup();
    }
  });

  it('reads many files concurrently through the one batch reader', async () => {
    const reads = Array.from({ length: 50 }, (_, i) => repo.readFile(temp.head, i % 2 === 0 ? 'src/a.txt' : 'src/nested/b.txt'));
    const contents = await Promise.all(reads);
    contents.forEach((content, i) => assert.equal(content, i % 2 === 0 ? 'alpha\n' : 'beta\n'));
  });

  it('lists and deletes refs by prefix, at path boundaries', async () => {
    const { commit } = await repo.commitChild(request(temp.head));
    await repo.updateRef(branchForIndividual('r7', 0, 1), commit);
    await repo.updateRef(branchForIndividual('r7', 1, 2), commit);
    await repo.updateRef(bestBranch('r7'), commit);
    await repo.updateRef(branchForIndividual('r70', 0, 1), commit);

    const refs = await repo.listRefs('cambrian/r7');
    assert.deepEqual(refs.map((r) => r.ref).sort(), ['refs/heads/cambrian/r7/best', 'refs/heads/cambrian/r7/g0/i1', 'refs/heads/cambrian/r7/g1/i2']);
    assert.ok(refs.every((r) => r.commit === commit));

    await repo.deleteRefs('cambrian/r7');
    assert.deepEqual(await repo.listRefs('cambrian/r7'), []);
    assert.equal((await repo.listRefs('refs/heads/cambrian/r70')).length, 1);
    assert.equal(await temp.git('symbolic-ref', 'HEAD'), 'refs/heads/main');
  });

  it('diffs two commits, optionally limited to paths', async () => {
    const { commit } = await repo.commitChild(
      request(temp.head, { changes: [{ path: 'src/a.txt', content: 'alpha 2\n' }, { path: 'README.md', content: '# changed\n' }] }),
    );
    const all = await repo.diff(temp.head, commit);
    assert.match(all, /^diff --git a\/README\.md b\/README\.md/m);
    assert.match(all, /^\+alpha 2$/m);
    const limited = await repo.diff(temp.head, commit, ['src/a.txt']);
    assert.doesNotMatch(limited, /README/);
    assert.match(limited, /^-alpha$/m);
  });

  it('merges file contents three ways and reports conflicts', async () => {
    const base = 'one\ntwo\nthree\n';
    const clean = await repo.mergeFile(base, 'ONE\ntwo\nthree\n', 'one\ntwo\nTHREE\n');
    assert.deepEqual(clean, { content: 'ONE\ntwo\nTHREE\n', conflicts: false });
    const clash = await repo.mergeFile(base, 'one\nours\nthree\n', 'one\ntheirs\nthree\n');
    assert.equal(clash.conflicts, true);
    assert.match(clash.content, /<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\n/);
  });

  it('finds merge bases and returns null for unrelated histories', async () => {
    const left = await repo.commitChild(request(temp.head));
    const right = await repo.commitChild(request(temp.head, { changes: [{ path: 'README.md', content: 'r\n' }] }));
    assert.equal(await repo.mergeBase(left.commit, right.commit), temp.head);
    const emptyTree = await temp.git('hash-object', '-t', 'tree', '-w', '/dev/null');
    const orphan = await temp.git('commit-tree', emptyTree, '-m', 'orphan');
    assert.equal(await repo.mergeBase(left.commit, orphan), null);
  });

  it('keeps working files of the user intact while committing in parallel', async () => {
    await writeFile(join(temp.dir, 'src/a.txt'), 'parallel user edit\n');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => repo.commitChild(request(temp.head, { changes: [{ path: `gen/${i}.txt`, content: `${i}\n` }] }))),
    );
    for (const [i, result] of results.entries()) assert.equal(await repo.readFile(result.commit, `gen/${i}.txt`), `${i}\n`);
    assert.equal(await readFile(join(temp.dir, 'src/a.txt'), 'utf8'), 'parallel user edit\n');
    await temp.git('checkout', '--quiet', '--', 'src/a.txt');
  });
});
