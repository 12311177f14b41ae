// Creating the embedded store happens in a child process and is atomic: the folder appears whole,
// no staging folder is left, and this process does not carry initdb's memory peak.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const repos: TempRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('embedded store creation', () => {
  it('creates the database out of process, atomically, without a memory peak here', async () => {
    const repo = await createTempRepo();
    repos.push(repo);
    const before = process.memoryUsage().rss;
    const store = await openStore({ repoDir: repo.dir });
    try {
      const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
      // A reopen costs ~160 MB; an in-process initdb ~700 MB or more.
      assert.ok(grownMb < 450, `RSS grew by ${grownMb.toFixed(0)} MB while creating the store`);
      assert.deepEqual(await store.runs.list('any'), []);
    } finally {
      await store.close();
    }
    const entries = readdirSync(join(repo.dir, '.cambrian'));
    assert.ok(entries.includes('db'));
    assert.deepEqual(entries.filter((e) => e.includes('creating')), []);
  });
});
