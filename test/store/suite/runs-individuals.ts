// Conformance tests for the runs and individuals repositories.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndividualPatch } from '../../../src/store/port.ts';
import type { GetStore } from '../store-suite.ts';
import { at, makeIndividual, makeRun, uid } from '../records.ts';

export function runAndIndividualTests(store: GetStore): void {
  describe('runs', () => {
    it('round-trips every field of a run, with dates, big seeds and JSON intact', async () => {
      const run = makeRun({ bestFitness: -1.25, seedFitness: 0.5, usdSpent: 0.0123, tokensSpent: 3_000_000_000, stopReason: null });
      await store().runs.insert(run);
      assert.deepEqual(await store().runs.get(run.id), run);
      assert.equal(await store().runs.get(uid('missing')), null);
    });

    it('updates only the fields a patch names and refuses to update an unknown run', async () => {
      const run = makeRun();
      await store().runs.insert(run);
      const finishedAt = at('2026-02-02T10:00:00.000Z');
      await store().runs.update(run.id, { state: 'finished', finishedAt, stopReason: 'budget', evaluations: 42, loopState: { rng: [9, 9, 9, 9] } });
      assert.deepEqual(await store().runs.get(run.id), { ...run, state: 'finished', finishedAt, stopReason: 'budget', evaluations: 42, loopState: { rng: [9, 9, 9, 9] } });
      await assert.rejects(store().runs.update(uid('missing'), { state: 'failed' }), /no such row/);
    });

    it('adds LLM spending to a run without reading it first, concurrent adds included', async () => {
      const run = makeRun({ usdSpent: 0.5, tokensSpent: 1000 });
      await store().runs.insert(run);
      await Promise.all(Array.from({ length: 10 }, () => store().runs.addSpend(run.id, { usd: 0.25, tokens: 100 })));
      const updated = await store().runs.get(run.id);
      assert.equal(updated?.usdSpent, 3);
      assert.equal(updated?.tokensSpent, 2000);
    });

    it('stores the loop state\'s projection apart and keeps it when a patch leaves it out', async () => {
      const projection = { mean: [0.5, 0.25], components: [[1, 0], [0, 1]], scale: [2, 3] };
      const run = makeRun({ loopState: { rng: [1, 2, 3, 4], projection: null } });
      await store().runs.insert(run);
      assert.deepEqual((await store().runs.get(run.id))?.loopState, { rng: [1, 2, 3, 4] });
      await store().runs.update(run.id, { loopState: { rng: [5, 6, 7, 8], projection } });
      assert.deepEqual((await store().runs.get(run.id))?.loopState, { rng: [5, 6, 7, 8], projection });
      // Without a `projection` key the stored one stays (the loop writes it only after a refit).
      await store().runs.update(run.id, { loopState: { rng: [9, 9, 9, 9] }, evaluations: 3 });
      const updated = await store().runs.get(run.id);
      assert.deepEqual(updated?.loopState, { rng: [9, 9, 9, 9], projection });
      assert.equal(updated?.evaluations, 3);
      await store().runs.update(run.id, { loopState: { rng: [9, 9, 9, 9], projection: null } });
      assert.deepEqual((await store().runs.get(run.id))?.loopState, { rng: [9, 9, 9, 9] });
    });

    it('lists runs newest first and resumes the newest running, stopped or failed-after-its-seed run', async () => {
      // Far-future dates make these the newest runs in a database other tests share.
      const older = makeRun({ state: 'stopped', createdAt: at('3000-01-01T00:00:00.000Z') });
      const newer = makeRun({ state: 'running', createdAt: at('3000-01-02T00:00:00.000Z') });
      const newestButDone = makeRun({ state: 'finished', createdAt: at('3000-01-03T00:00:00.000Z') });
      for (const run of [older, newer, newestButDone]) await store().runs.insert(run);
      assert.equal((await store().runs.latestResumable('any'))?.id, newer.id);
      const mine = new Set([older.id, newer.id, newestButDone.id]);
      const listed = (await store().runs.list('any')).filter((run) => mine.has(run.id)).map((run) => run.id);
      assert.deepEqual(listed, [newestButDone.id, newer.id, older.id]);
      // A run that failed on its seed is not resumed; one that failed later (no progress possible) is.
      await store().runs.update(newer.id, { state: 'failed', evaluations: 0 });
      assert.equal((await store().runs.latestResumable('any'))?.id, older.id);
      await store().runs.update(newer.id, { evaluations: 3 });
      assert.equal((await store().runs.latestResumable('any'))?.id, newer.id);
      await store().runs.update(newer.id, { state: 'finished' });
      await store().runs.update(older.id, { state: 'finished' });
    });
  });

  describe('individuals', () => {
    it('round-trips an individual with embeddings, descriptors and metadata', async () => {
      const runId = uid('run');
      const individual = makeIndividual(runId, 0, {
        status: 'evaluated',
        outcome: 'ok',
        fitness: 2.5,
        metrics: { score: 2.5, size: 10 },
        meta: { sigma: 0.1, tags: ['a'] },
        embedding: [0.6, 0.8, -0.0001, 1e-9],
        descriptor: [0.1, -0.2],
        cell: '3,4',
        jobId: 'job-1',
      });
      await store().individuals.insert(individual);
      assert.deepEqual(await store().individuals.get(individual.id), individual);
      assert.equal(await store().individuals.get(uid('missing')), null);
    });

    it('lists the ok results of a run by seq with their metrics, leaving out failures, unevaluated and fitness-less ones', async () => {
      const runId = uid('run');
      const rows = [
        makeIndividual(runId, 3, { status: 'evaluated', outcome: 'ok', fitness: 1, metrics: { a: 1, b: 2 }, generation: 2 }),
        makeIndividual(runId, 0, { status: 'evaluated', outcome: 'ok', fitness: 0.5, metrics: { a: 0.5 } }),
        makeIndividual(runId, 1, { status: 'evaluated', outcome: 'candidate_failed', metrics: { a: 9 } }),
        makeIndividual(runId, 2),
        makeIndividual(runId, 4, { status: 'evaluated', outcome: 'ok', fitness: null, metrics: { b: 1 } }),
      ];
      await store().individuals.insertMany(rows);
      await store().individuals.insert(makeIndividual(uid('other-run'), 5, { status: 'evaluated', outcome: 'ok', fitness: 3, metrics: { a: 3 } }));
      assert.deepEqual(await store().individuals.okResults(runId), [
        { id: rows[1]!.id, seq: 0, generation: 0, commit: 'commit-0', metrics: { a: 0.5 } },
        { id: rows[0]!.id, seq: 3, generation: 2, commit: 'commit-3', metrics: { a: 1, b: 2 } },
      ]);
    });

    it('inserts thousands in batches, counts them and lists them by seq, newest kept by limit', async () => {
      const runId = uid('run');
      const rows = Array.from({ length: 2500 }, (_, seq) => makeIndividual(runId, seq, { status: seq % 3 === 0 ? 'evaluated' : 'created' }));
      await store().individuals.insertMany(rows.slice().reverse());
      assert.equal(await store().individuals.countByRun(runId), 2500);
      const all = await store().individuals.listByRun(runId);
      assert.deepEqual(all.map((row) => row.seq), rows.map((row) => row.seq));
      const newest = await store().individuals.listByRun(runId, { limit: 3 });
      assert.deepEqual(newest.map((row) => row.seq), [2497, 2498, 2499]);
      const evaluated = await store().individuals.listByRun(runId, { status: 'evaluated', limit: 2 });
      assert.deepEqual(evaluated.map((row) => row.seq), [2496, 2499]);
      assert.equal(await store().individuals.countByRun(uid('empty')), 0);
    });

    it('inserts all of a batch or none of it', async () => {
      const runId = uid('run');
      const rows = Array.from({ length: 1500 }, (_, seq) => makeIndividual(runId, seq));
      rows[1400] = makeIndividual(runId, 3); // duplicate (run_id, seq) in the second chunk
      await assert.rejects(store().individuals.insertMany(rows));
      assert.equal(await store().individuals.countByRun(runId), 0);
    });

    it('gets many in the order asked, skipping unknown ids, and finds by tree within a run', async () => {
      const runId = uid('run');
      const [a, b, c] = [0, 1, 2].map((seq) => makeIndividual(runId, seq));
      await store().individuals.insertMany([a!, b!, c!]);
      const got = await store().individuals.getMany([c!.id, uid('missing'), a!.id]);
      assert.deepEqual(got.map((row) => row.id), [c!.id, a!.id]);
      assert.deepEqual(await store().individuals.getMany([]), []);
      assert.equal((await store().individuals.findByTree(runId, b!.tree))?.id, b!.id);
      assert.equal(await store().individuals.findByTree(uid('other-run'), b!.tree), null);
    });

    it('patches an individual and refuses to patch an unknown one', async () => {
      const individual = makeIndividual(uid('run'), 0);
      await store().individuals.insert(individual);
      const patch: IndividualPatch = { status: 'evaluated', outcome: 'candidate_failed', fitness: null, metrics: { time: 3 }, embedding: [1, 0], descriptor: [0.5], cell: '1' };
      await store().individuals.update(individual.id, patch);
      assert.deepEqual(await store().individuals.get(individual.id), { ...individual, ...patch });
      await assert.rejects(store().individuals.update(uid('missing'), { fitness: 1 }), /no such row/);
    });

    it('walks the lineage from an individual up to the seed', async () => {
      const runId = uid('run');
      const seed = makeIndividual(runId, 0);
      const child = makeIndividual(runId, 1, { parentId: seed.id, generation: 1 });
      const sibling = makeIndividual(runId, 2, { parentId: seed.id, generation: 1 });
      const grandchild = makeIndividual(runId, 3, { parentId: child.id, alsoParentId: sibling.id, generation: 2 });
      await store().individuals.insertMany([seed, child, sibling, grandchild]);
      const lineage = await store().individuals.lineage(grandchild.id);
      assert.deepEqual(lineage.map((row) => row.id), [grandchild.id, child.id, seed.id]);
      assert.deepEqual(await store().individuals.lineage(uid('missing')), []);
    });

    it('returns the newest evaluated embeddings oldest first', async () => {
      const runId = uid('run');
      const rows = [
        makeIndividual(runId, 0, { status: 'evaluated', embedding: [1, 0] }),
        makeIndividual(runId, 1, { status: 'evaluated', embedding: [0, 1] }),
        makeIndividual(runId, 2, { status: 'created', embedding: [0.6, 0.8] }),
        makeIndividual(runId, 3, { status: 'evaluated', embedding: null }),
        makeIndividual(runId, 4, { status: 'evaluated', embedding: [0.8, 0.6] }),
      ];
      await store().individuals.insertMany(rows);
      assert.deepEqual(await store().individuals.recentEmbeddings(runId, 2), [
        { id: rows[1]!.id, embedding: [0, 1] },
        { id: rows[4]!.id, embedding: [0.8, 0.6] },
      ]);
    });
  });
}
