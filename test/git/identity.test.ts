// The repository identity runs carry (ADR 0017): HEAD's root commits and the normalised origin URL,
// read from real git repositories.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { normaliseRemoteUrl, repositoryIdentity } from '../../src/git/identity.ts';
import { createTempRepo, git, type TempRepo } from '../support/temp-repo.ts';

const repos: TempRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('normaliseRemoteUrl', () => {
  it('spells one remote the same over https, ssh and scp-like syntax, without credentials', () => {
    const spellings = [
      'https://github.com/Team/Project.git',
      'https://user:s3cret@GitHub.com/Team/Project',
      'http://github.com:443/Team/Project.git/',
      'ssh://git@github.com/Team/Project.git',
      'ssh://git@github.com:22/Team/Project',
      'git@github.com:Team/Project.git',
      'github.com:Team/Project',
      'git://github.com/Team/Project.git',
    ];
    for (const url of spellings) assert.equal(normaliseRemoteUrl(url, '/repo'), 'github.com/Team/Project', url);
    assert.ok(!normaliseRemoteUrl('https://user:s3cret@host/x', '/repo')!.includes('s3cret'));
  });

  it('makes local paths absolute and tells different repositories apart', () => {
    assert.equal(normaliseRemoteUrl('/srv/git/project.git', '/repo'), 'file:/srv/git/project');
    assert.equal(normaliseRemoteUrl('file:///srv/git/project.git', '/repo'), 'file:/srv/git/project');
    assert.equal(normaliseRemoteUrl('../upstream', '/work/repo'), 'file:/work/upstream');
    assert.notEqual(normaliseRemoteUrl('git@github.com:team/a.git', '/r'), normaliseRemoteUrl('git@github.com:team/b.git', '/r'));
    assert.equal(normaliseRemoteUrl('', '/r'), null);
  });
});

describe('repositoryIdentity', () => {
  it('is the root commit and no origin for a fresh repository, the same after more commits', async () => {
    const repo = await createTempRepo({ 'a.txt': 'a\n' });
    repos.push(repo);
    const identity = await repositoryIdentity(repo.dir);
    assert.deepEqual(identity, { roots: [repo.head], origin: null });
    await repo.commit({ 'b.txt': 'b\n' });
    assert.deepEqual(await repositoryIdentity(repo.dir), identity);
  });

  it('is the same in a clone of the repository (origin pointing at the same remote)', async () => {
    const repo = await createTempRepo({ 'a.txt': 'a\n' });
    repos.push(repo);
    await repo.git('remote', 'add', 'origin', 'https://example.com/team/project.git');
    const clone = await createTempRepo({}, { commit: false });
    repos.push(clone);
    await git(clone.dir, 'fetch', '--quiet', repo.dir, 'main');
    await git(clone.dir, 'reset', '--quiet', '--hard', 'FETCH_HEAD');
    await git(clone.dir, 'remote', 'add', 'origin', 'git@example.com:team/project.git');
    assert.deepEqual(await repositoryIdentity(clone.dir), await repositoryIdentity(repo.dir));
    assert.deepEqual(await repositoryIdentity(repo.dir), { roots: [repo.head], origin: 'example.com/team/project' });
  });

  it('lists every root of a history that merged an unrelated one, sorted', async () => {
    const repo = await createTempRepo({ 'a.txt': 'a\n' });
    repos.push(repo);
    await repo.git('checkout', '--quiet', '--orphan', 'other');
    const otherRoot = await repo.commit({ 'b.txt': 'b\n' }, 'other root');
    await repo.git('checkout', '--quiet', 'main');
    await repo.git('merge', '--quiet', '--allow-unrelated-histories', '-m', 'merge', 'other');
    assert.deepEqual((await repositoryIdentity(repo.dir)).roots, [repo.head, otherRoot].sort());
  });
});
