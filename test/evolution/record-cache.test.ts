// The session's record cache over a real embedded store: reads each record once, answers in the
// order asked, follows committed patches, hands out copies, and forgets the least recently used.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordCache } from '../../src/evolution/record-cache.ts';
import { openStore } from '../../src/store/open.ts';
import type { IndividualRecord, Store } from '../../src/store/port.ts';
import { makeIndividual, uid } from '../store/records.ts';

describe('RecordCache', () => {
  let dir: string;
  let store: Store;
  let rows: IndividualRecord[];
  /** Ids the cache asked the store for, per call. */
  const fetched: string[][] = [];
  const repo = { getMany: async (ids: string[]) => (fetched.push([...ids]), store.individuals.getMany(ids)) };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cambrian-record-cache-'));
    store = await openStore({ repoDir: dir });
    const runId = uid('run');
    rows = [0, 1, 2, 3].map((seq) => makeIndividual(runId, seq, { meta: { step: seq } }));
    await store.individuals.insertMany(rows);
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads missing records in one call, then serves them from memory in the order asked', async () => {
    fetched.length = 0;
    const cache = new RecordCache(repo);
    const ids = [rows[2]!.id, rows[0]!.id, 'unknown'];
    assert.deepEqual(await cache.getMany(ids), [rows[2], rows[0]]);
    assert.deepEqual(await cache.get(rows[0]!.id), rows[0]);
    assert.deepEqual(await cache.getMany([rows[0]!.id, rows[2]!.id]), [rows[0], rows[2]]);
    assert.deepEqual(fetched, [ids]);
  });

  it('applies committed patches to what it holds and hands out copies', async () => {
    fetched.length = 0;
    const cache = new RecordCache(repo);
    cache.put(rows[1]!);
    cache.patch(rows[1]!.id, { status: 'evaluated', fitness: 0.5, cell: undefined });
    cache.patch('not-cached', { fitness: 1 });
    const copy = (await cache.get(rows[1]!.id))!;
    assert.deepEqual(copy, { ...rows[1], status: 'evaluated', fitness: 0.5 });
    copy.fitness = 99;
    assert.equal((await cache.get(rows[1]!.id))!.fitness, 0.5);
    assert.deepEqual(fetched, []);
  });

  it('keeps at most its entry budget, evicting the least recently used', async () => {
    fetched.length = 0;
    const cache = new RecordCache(repo, 2);
    await cache.getMany([rows[0]!.id, rows[1]!.id]);
    await cache.get(rows[0]!.id); // rows[1] is now the least recently used
    await cache.get(rows[2]!.id);
    assert.equal(cache.size, 2);
    await cache.get(rows[0]!.id);
    await cache.get(rows[1]!.id);
    assert.deepEqual(fetched, [[rows[0]!.id, rows[1]!.id], [rows[2]!.id], [rows[1]!.id]]);
  });
});
