// openRepo and the repository checks: each user mistake gets its own CambrianError code and hint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertCleanPath, assertCommitExists, openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import { createTempDir, createTempRepo, type TempRepo } from '../support/temp-repo.ts';

describe('openRepo', () => {
  it('refuses a directory that is not a git repository', async () => {
    const { dir, cleanup } = await createTempDir();
    try {
      await assert.rejects(openRepo(dir), (error: { code: string; hint: string }) => {
        assert.equal(error.code, 'CAMBRIAN_NOT_A_GIT_REPO');
        assert.match(error.hint, /git init/);
        return true;
      });
      await assert.rejects(openRepo(join(dir, 'does-not-exist')), { code: 'CAMBRIAN_NOT_A_GIT_REPO' });
    } finally {
      await cleanup();
    }
  });

  it('refuses a repository without commits', async () => {
    const repo = await createTempRepo({ 'a.txt': 'a' }, { commit: false });
    try {
      await assert.rejects(openRepo(repo.dir), (error: { code: string; hint: string }) => {
        assert.equal(error.code, 'CAMBRIAN_NO_COMMITS');
        assert.match(error.hint, /commit/i);
        return true;
      });
    } finally {
      await repo.cleanup();
    }
  });

  it('opens the top of the work tree from a subdirectory', async () => {
    const repo = await createTempRepo({ 'src/deep/a.txt': 'a' });
    try {
      const opened = await openRepo(join(repo.dir, 'src/deep'));
      assert.equal(opened.repoDir, repo.dir);
      assert.equal(await opened.resolve('HEAD'), repo.head);
      await opened.close();
    } finally {
      await repo.cleanup();
    }
  });
});

describe('repository checks', () => {
  let repo: TempRepo;
  let git: GitRepo;
  before(async () => {
    repo = await createTempRepo({ 'cambrian.yaml': 'goal: x\n', '.gitignore': '*.local.yaml\n', 'other.txt': 'o' });
    git = await openRepo(repo.dir);
  });
  after(async () => {
    await git.close();
    await repo.cleanup();
  });

  it('accepts a committed, unchanged config even when other files are dirty', async () => {
    await repo.write({ 'other.txt': 'changed' });
    await assertCleanPath(git, 'cambrian.yaml');
    await assertCleanPath(git, join(repo.dir, 'cambrian.yaml'));
    await repo.git('checkout', '--', 'other.txt');
  });

  it('rejects a config with unstaged or staged changes', async () => {
    await repo.write({ 'cambrian.yaml': 'goal: y\n' });
    await assert.rejects(assertCleanPath(git, 'cambrian.yaml'), (error: { code: string; message: string; hint: string }) => {
      assert.equal(error.code, 'CAMBRIAN_DIRTY_CONFIG');
      assert.match(error.message, /uncommitted changes/);
      assert.match(error.hint, /committed trees/);
      return true;
    });
    await repo.git('add', 'cambrian.yaml');
    await assert.rejects(assertCleanPath(git, 'cambrian.yaml'), { code: 'CAMBRIAN_DIRTY_CONFIG' });
    await repo.git('reset', '--quiet', '--hard');
  });

  it('rejects an untracked or ignored config', async () => {
    await repo.write({ 'new.yaml': 'goal: z\n', 'mine.local.yaml': 'goal: z\n' });
    await assert.rejects(assertCleanPath(git, 'new.yaml'), { code: 'CAMBRIAN_DIRTY_CONFIG', message: /untracked/ });
    await assert.rejects(assertCleanPath(git, 'mine.local.yaml'), { code: 'CAMBRIAN_DIRTY_CONFIG', message: /ignored/ });
    await assert.rejects(assertCleanPath(git, '/etc/hosts'), { code: 'CAMBRIAN_DIRTY_CONFIG', message: /outside/ });
  });

  it('reports a base commit that no longer exists', async () => {
    await assertCommitExists(git, repo.head);
    await assert.rejects(assertCommitExists(git, 'deadbeef'.repeat(5)), (error: { code: string; hint: string }) => {
      assert.equal(error.code, 'CAMBRIAN_BASE_MISSING');
      assert.match(error.hint, /garbage-collected|re-cloned/);
      return true;
    });
  });
});
