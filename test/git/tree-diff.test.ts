// The in-process diff prompts show (GitRepo.diff) against `git diff` on real repositories, and its
// bounds on hostile commits: huge files, binary files and edits built to make a line diff explode.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import { MAX_EDIT_LENGTH, selectedBy } from '../../src/git/tree-diff.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const lines = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label} ${i}`).join('\n') + '\n';

describe('in-process tree diff', () => {
  let temp: TempRepo;
  let repo: GitRepo;

  before(async () => {
    temp = await createTempRepo({
      'src/a.js': lines(40, 'line'),
      'src/gone.txt': 'bye\n',
      'src/nested/b.txt': 'beta\nno newline at the end',
      'README.md': '# demo\n',
    });
    repo = await openRepo(temp.dir);
  });
  after(async () => {
    await repo.close();
    await temp.cleanup();
  });

  it('prints what git diff prints for edits, additions, deletions and a missing final newline', async () => {
    const original = lines(40, 'line').split('\n');
    original[3] = 'changed 3';
    original[30] = 'changed 30';
    original.splice(20, 0, 'inserted');
    await rm(join(temp.dir, 'src/gone.txt'));
    const child = await temp.commit({
      'src/a.js': original.join('\n'),
      'src/new.txt': 'fresh\nfile\n',
      'src/nested/b.txt': 'beta\nno newline at the end, still',
      'README.md': '# demo, edited\n',
    });
    const paths = ['src'];
    const expected = await temp.git('diff', '--no-color', '--no-renames', '--no-ext-diff', temp.head, child, '--', ...paths);
    const actual = await repo.diff(temp.head, child, paths);
    assert.equal(actual.trim(), expected.trim());
    assert.doesNotMatch(actual, /README/);
    const all = await repo.diff(temp.head, child);
    assert.match(all, /^diff --git a\/README\.md b\/README\.md$/m);
  });

  it('names a mode change and describes binary files in one line', async () => {
    const base = await temp.commit({ 'bin.dat': 'a\0b\0c', 'run.sh': 'echo hi\n' });
    await temp.git('update-index', '--chmod=+x', 'run.sh');
    await temp.git('commit', '--quiet', '-m', 'chmod');
    const child = await temp.commit({ 'bin.dat': 'a\0b\0d' });
    const actual = await repo.diff(base, child, ['bin.dat', 'run.sh']);
    const expected = await temp.git('diff', '--no-color', base, child, '--', 'bin.dat', 'run.sh');
    assert.equal(actual.trim(), expected.trim());
  });

  it('treats a candidate file past the size bound as too large, without reading it line by line', async () => {
    const base = await temp.commit({ 'big.txt': 'x\n' });
    const child = await temp.commit({ 'big.txt': 'y\n'.repeat(700_000) });
    const diff = await repo.diff(base, child, ['big.txt']);
    assert.match(diff, /not shown: 2 → 1400000 bytes, too large to diff/);
    assert.ok(diff.length < 500);
  });

  it('abandons a diff whose edit length passes the bound instead of spending quadratic time on it', async () => {
    const count = MAX_EDIT_LENGTH + 1000;
    const base = await temp.commit({ 'many.txt': lines(count, 'old') });
    const child = await temp.commit({ 'many.txt': lines(count, 'new') });
    const diff = await repo.diff(base, child, ['many.txt']);
    assert.match(diff, new RegExp(`not shown: more than ${MAX_EDIT_LENGTH} lines differ`));
  });

  it('selects files by literal pathspec: the file itself or a directory above it', () => {
    assert.ok(selectedBy([], 'any/thing'));
    assert.ok(selectedBy(['src'], 'src/a.js'));
    assert.ok(selectedBy(['src/'], 'src/a.js'));
    assert.ok(!selectedBy(['src'], 'srcx/a.js'));
    assert.ok(!selectedBy(['src/*.js'], 'src/a.js'));
    assert.ok(selectedBy(['src/a.js'], 'src/a.js'));
  });
});
