// In-process child commits against git's own: for the same request the objects written without a
// spawn must have the SHA `hash-object` + `read-tree`/`update-index`/`write-tree` + `commit-tree`
// give, and the repository must stay `git fsck --strict` clean.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import type { CommitRequest } from '../../src/git/port.ts';
import type { FileChange } from '../../src/core/types.ts';
import { Rng } from '../../src/core/rng.ts';
import { prepareCommit } from '../../src/git/commit-request.ts';
import { writeChildCommitInProcess } from '../../src/git/commit-child.ts';
import { writeChildCommitWithGit } from '../../src/git/commit-child-git.ts';
import type { LooseObjectStore } from '../../src/git/loose-objects.ts';
import { createTempRepo, git, type TempRepo } from '../support/temp-repo.ts';

const FILES = {
  'README.md': '# demo\n',
  'run.sh': '#!/bin/sh\necho run\n',
  'src/a.txt': 'alpha\n',
  'src/a-b.txt': 'names that sort around a directory\n',
  'src/a.b': 'dot\n',
  'src/a/inner.txt': 'inner\n',
  'src/a0': 'zero\n',
  'src/nested/deep/b.txt': 'beta\n',
  'docs/été.md': 'non-ascii name\n',
};

function request(parent: string, changes: FileChange[], overrides: Partial<CommitRequest> = {}): CommitRequest {
  return { parent, changes, subject: 'mutate', trailers: [['Cambrian-Run', 'r1']], timestamp: 1_700_000_000, ...overrides };
}

/** Writes the request both ways (in-process first, so fsck later checks our files, not git's). */
async function bothWays(repo: GitRepo, store: LooseObjectStore, req: CommitRequest) {
  const prepared = prepareCommit(req.parent, req);
  const inProcess = await writeChildCommitInProcess(repo, store, prepared);
  const viaGit = await writeChildCommitWithGit(repo, prepared);
  return { inProcess, viaGit };
}

async function fsckStrict(dir: string): Promise<void> {
  // Throws (non-zero exit) on any corrupt, missing or malformed object.
  await git(dir, 'fsck', '--strict', '--no-dangling', '--no-progress');
}

describe('in-process child commits', () => {
  let temp: TempRepo;
  let repo: GitRepo;
  let store: LooseObjectStore;

  before(async () => {
    temp = await createTempRepo(FILES, { commit: false });
    await chmod(join(temp.dir, 'run.sh'), 0o755);
    await symlink('src/a.txt', join(temp.dir, 'link'));
    await temp.git('add', '-A');
    // A gitlink (submodule entry; its commit lives elsewhere) must survive edits of its directory.
    await temp.git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},src/vendored`);
    await temp.git('commit', '--quiet', '-m', 'initial'); // not temp.commit: `add -A` would drop the gitlink
    temp.head = await temp.git('rev-parse', 'HEAD');
    repo = await openRepo(temp.dir);
    const opened = await repo.looseObjects();
    assert.ok(opened, 'a SHA-1 repository is written in-process');
    store = opened;
  });
  after(async () => {
    await repo.close();
    await temp.cleanup();
  });

  const cases: Array<[string, (head: string) => FileChange[]]> = [
    ['a rewritten file', () => [{ path: 'src/a.txt', content: 'alpha 2\n' }]],
    ['nested new directories', () => [{ path: 'deep/x/y/z.txt', content: 'zed\n' }, { path: 'src/nested/deep/new.txt', content: 'n\n' }]],
    ['deletes, including the last file of a directory', () => [{ path: 'src/nested/deep/b.txt', content: null }, { path: 'README.md', content: null }]],
    ['an executable kept executable and a symlink kept a symlink', () => [{ path: 'run.sh', content: '#!/bin/sh\necho v2\n' }, { path: 'link', content: 'README.md' }]],
    ['names sorted around a directory of the same stem', () => [{ path: 'src/a/inner.txt', content: 'i2\n' }, { path: 'src/a.c', content: 'c\n' }, { path: 'src/a/b/c.txt', content: 'abc\n' }]],
    ['a file replacing a directory', () => [{ path: 'src/nested', content: 'now a file\n' }]],
    ['a directory replacing a file', () => [{ path: 'README.md/inside.txt', content: 'x\n' }]],
    ['a file and then a path under it', () => [{ path: 'src/q', content: 'q\n' }, { path: 'src/q/r', content: 'r\n' }]],
    ['deleting a directory or a missing path (no-ops)', () => [{ path: 'src', content: null }, { path: 'nope/x.txt', content: null }, { path: 'src/a', content: null }]],
    ['the same path twice, and written then deleted', () => [{ path: 'x.txt', content: '1' }, { path: 'x.txt', content: '2' }, { path: 'y/z', content: 'y' }, { path: 'y/z', content: null }]],
    ['deleting every file', () => ['README.md', 'run.sh', 'link', 'src/a.txt', 'src/a-b.txt', 'src/a.b', 'src/a/inner.txt', 'src/a0', 'src/nested/deep/b.txt', 'docs/été.md', 'src/vendored'].map((path) => ({ path, content: null }))],
    ['an unchanged file (same tree as the parent)', () => [{ path: 'src/a.txt', content: 'alpha\n' }]],
    ['non-ascii names and contents, empty and binary-ish content', () => [{ path: 'docs/été.md', content: 'ünïcødé ✓\n' }, { path: 'empty', content: '' }, { path: 'ctl', content: '\u0001\u0000\u00ff' }]],
    ['no changes at all', () => []],
  ];

  for (const [name, changes] of cases) {
    it(`matches git for ${name}`, async () => {
      const { inProcess, viaGit } = await bothWays(repo, store, request(temp.head, changes(temp.head)));
      assert.deepEqual(inProcess, viaGit);
    });
  }

  it('keeps modes: executable, symlink, gitlink', async () => {
    const { inProcess } = await bothWays(repo, store, request(temp.head, [{ path: 'run.sh', content: 'v3\n' }, { path: 'link', content: 'run.sh' }, { path: 'src/a.txt', content: 'z' }]));
    const listing = await temp.git('ls-tree', '-r', inProcess.commit);
    assert.match(listing, /^100755 blob \w+\trun\.sh$/m);
    assert.match(listing, /^120000 blob \w+\tlink$/m);
    assert.match(listing, /^160000 commit 1{40}\tsrc\/vendored$/m);
  });

  it('matches git for messages with bodies, comment lines, CRLF, trailing spaces and emoji', async () => {
    const body = 'Why: because.  \n# not a comment for commit-tree\r\nline\twith tab 🦕\n\n\nafter blank lines';
    const { inProcess, viaGit } = await bothWays(repo, store, request(temp.head, [{ path: 'm.txt', content: 'm' }], { body, subject: '  spaced subject  ' }));
    assert.deepEqual(inProcess, viaGit);
  });

  it('sends messages git would rewrite (Unicode noncharacters) through git itself', async () => {
    const req = request(temp.head, [{ path: 'n.txt', content: 'n' }], { body: 'odd \uFFFE char' });
    const viaGit = await writeChildCommitWithGit(repo, prepareCommit(temp.head, req));
    assert.deepEqual(await repo.commitChild(req), viaGit);
  });

  it('refuses a parent that is not a commit', async () => {
    const tree = await repo.treeOf(temp.head);
    await assert.rejects(repo.commitChild(request(tree, [{ path: 'a', content: 'a' }])), { code: 'CAMBRIAN_BAD_REVISION' });
  });

  it('matches git on a seeded random walk of edits, and the repository stays fsck --strict clean', async () => {
    const rng = Rng.fromSeed('commit-child-equivalence');
    const names = ['a.txt', 'b', 'c.md', 'd-e', 'd'];
    const directories = ['', 'src/', 'src/d/', 'lib/x/', 'd/'];
    let parent = temp.head;
    for (let i = 0; i < 30; i++) {
      const changes: FileChange[] = Array.from({ length: 1 + rng.int(4) }, () => ({
        path: `${directories[rng.int(directories.length)]}${names[rng.int(names.length)]}`,
        content: rng.next() < 0.3 ? null : `step ${i} ${rng.int(1000)}\n`,
      }));
      const { inProcess, viaGit } = await bothWays(repo, store, request(parent, changes, { timestamp: 1_700_000_000 + i }));
      assert.deepEqual(inProcess, viaGit, `step ${i}: ${JSON.stringify(changes)}`);
      parent = inProcess.commit;
    }
    // Many more through the public path, some side by side, all on branches so fsck walks them.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        repo.commitChild(request(parent, [{ path: `gen/${i % 7}/f${i}.txt`, content: `${i}\n` }], { branch: `cambrian/r1/g1/i${i}`, timestamp: 1_700_001_000 + i })),
      ),
    );
    assert.equal(new Set(results.map((r) => r.commit)).size, 60);
    await temp.git('update-ref', 'refs/heads/cambrian/r1/walk', parent);
    await fsckStrict(temp.dir);
  });
});

describe('in-process commits on unusual trees', () => {
  it('rewrites non-canonical modes in edited trees exactly as the index does', async () => {
    const temp = await createTempRepo({ 'keep/a.txt': 'a\n' });
    const repo = await openRepo(temp.dir);
    try {
      const blob = await temp.git('rev-parse', `${temp.head}:keep/a.txt`);
      const keep = await temp.git('rev-parse', `${temp.head}:keep`);
      // An old-style group-writable mode, as early git versions wrote them.
      const input = `100664 blob ${blob}\tgroup.txt\n100644 blob ${blob}\tplain.txt\n040000 tree ${keep}\tkeep\n`;
      const tree = await new Promise<string>((resolve, reject) => {
        const child = execFile('git', ['mktree'], { cwd: temp.dir }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
        child.stdin?.end(input);
      });
      const parent = await temp.git('commit-tree', tree, '-p', temp.head, '-m', 'old modes');
      const store = await repo.looseObjects();
      assert.ok(store);
      for (const changes of [[{ path: 'plain.txt', content: 'p\n' }], [{ path: 'keep/b.txt', content: 'b\n' }], [{ path: 'group.txt', content: 'g\n' }]]) {
        const prepared = prepareCommit(parent, request(parent, changes));
        assert.deepEqual(await writeChildCommitInProcess(repo, store, prepared), await writeChildCommitWithGit(repo, prepared));
      }
    } finally {
      await repo.close();
      await temp.cleanup();
    }
  });
});
