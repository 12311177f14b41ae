// The loop's shortcuts around git listings: a child embedded from its parent's listing and its
// changes equals the embedding of the committed child, and the listing cache asks git once per commit.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileChange } from '../../src/core/types.ts';
import { CommitEmbedder } from '../../src/evolution/embeddings.ts';
import { ListingCache } from '../../src/evolution/listing-cache.ts';
import { openRepo } from '../../src/git/repo.ts';
import type { GitRepo } from '../../src/git/plumbing.ts';
import type { TreeEntry } from '../../src/git/port.ts';
import type { EvolveScope } from '../../src/operators/scope.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const scope: EvolveScope = { include: ['src/**'], exclude: ['src/skip.js'], protect: [], limits: { maxFiles: 10, maxChangedLines: 400 } };
const temps: TempRepo[] = [];
const repos: GitRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.close();
  for (const temp of temps) await temp.cleanup();
});

async function setup(): Promise<{ repo: GitRepo; head: string }> {
  const temp = await createTempRepo({
    'src/a.js': 'export const A = 1.5;\nexport const B = [2, 3];\n',
    'src/nested/b.js': 'export const RATE = 0.25; // tuned\n',
    'src/skip.js': 'export const IGNORED = 7;\n',
    'README.md': '# not evolvable 42\n',
  });
  temps.push(temp);
  const repo = await openRepo(temp.dir);
  repos.push(repo);
  return { repo, head: temp.head };
}

async function commit(repo: GitRepo, parent: string, changes: FileChange[]): Promise<string> {
  const made = await repo.commitChild({ parent, changes, subject: 'child', trailers: [], timestamp: 1_700_000_000 });
  return made.commit;
}

describe('CommitEmbedder.embedChild', () => {
  it('equals embedding the committed child, for edits and deletions, without listing the child', async () => {
    const { repo, head } = await setup();
    const embedder = new CommitEmbedder(repo, scope);
    const parentEntries = await repo.listFiles(head);
    const cases: FileChange[][] = [
      [{ path: 'src/a.js', content: 'export const A = 1.75;\nexport const B = [2, 3.5];\n' }],
      [
        { path: 'src/a.js', content: 'export const A = 9;\n' },
        { path: 'src/nested/b.js', content: 'export const RATE = 0.5; // tuned\n' },
      ],
      [{ path: 'src/nested/b.js', content: null }],
      [{ path: 'src/skip.js', content: 'export const IGNORED = 8;\n' }],
    ];
    for (const changes of cases) {
      const child = await commit(repo, head, changes);
      assert.deepEqual(await embedder.embedChild(parentEntries, changes), await embedder.embed(child), JSON.stringify(changes));
    }
  });

  it('declines a child that adds a file, whose place in the tree it cannot know', async () => {
    const { repo, head } = await setup();
    const embedder = new CommitEmbedder(repo, scope);
    assert.equal(await embedder.embedChild(await repo.listFiles(head), [{ path: 'src/new.js', content: 'export const N = 1;\n' }]), null);
  });
});

describe('ListingCache', () => {
  it('lists each commit once, passes symbolic names through, and forgets failures', async () => {
    const { repo, head } = await setup();
    const calls: string[] = [];
    let fail = true;
    const cache = new ListingCache({
      listFiles: async (commit: string): Promise<TreeEntry[]> => {
        calls.push(commit);
        if (commit === 'f'.repeat(40) && fail) throw new Error('transient');
        return commit === 'f'.repeat(40) ? [] : repo.listFiles(commit);
      },
    });
    const first = await cache.listFiles(head);
    assert.deepEqual(await cache.listFiles(head), first);
    assert.deepEqual(first, await repo.listFiles(head));
    await cache.listFiles('HEAD');
    await cache.listFiles('HEAD');
    await assert.rejects(cache.listFiles('f'.repeat(40)), /transient/);
    fail = false;
    assert.deepEqual(await cache.listFiles('f'.repeat(40)), []);
    assert.deepEqual(calls, [head, 'HEAD', 'HEAD', 'f'.repeat(40), 'f'.repeat(40)]);
  });

  it('evicts the least recently used listings beyond its entry budget', async () => {
    const { repo, head } = await setup();
    const other = await commit(repo, head, [{ path: 'src/a.js', content: 'export const A = 2;\n' }]);
    let calls = 0;
    const cache = new ListingCache({ listFiles: (commit: string) => (calls++, repo.listFiles(commit)) }, 4);
    await cache.listFiles(head); // 4 entries: at the budget
    await cache.listFiles(other); // 8: the older listing goes
    await cache.listFiles(other);
    assert.equal(calls, 2);
    await cache.listFiles(head);
    assert.equal(calls, 3);
  });
});
