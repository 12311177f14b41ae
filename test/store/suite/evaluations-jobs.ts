// Conformance tests for the evaluations (and result cache) and jobs repositories.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetStore } from '../store-suite.ts';
import { at, makeEvaluation, makeIndividual, makeJob, uid } from '../records.ts';

export function evaluationAndJobTests(store: GetStore): void {
  describe('evaluations', () => {
    it('round-trips an evaluation with its stages and lists them per individual', async () => {
      const runId = uid('run');
      const individualId = uid('ind');
      const first = makeEvaluation(runId, individualId, 1, { stdevs: { score: 0.01 } });
      const second = makeEvaluation(runId, individualId, 2, { outcome: 'inconclusive', reason: 'noisy', cached: true });
      await store().evaluations.insert(second);
      await store().evaluations.insert(first);
      assert.deepEqual(await store().evaluations.listByIndividual(individualId), [first, second]);
      assert.deepEqual(await store().evaluations.listByIndividual(uid('missing')), []);
    });

    it('finds the newest reusable result for a tree and evaluator, from any run', async () => {
      const tree = uid('tree');
      const older = makeEvaluation(uid('run'), uid('ind'), 1, { tree, createdAt: at('2026-03-01T00:00:00.000Z') });
      const newer = makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome: 'candidate_failed', reason: 'tests failed', createdAt: at('2026-03-02T00:00:00.000Z') });
      // Failures of the machine or the evaluator say nothing about the code: never reused.
      const infra = makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome: 'infra_failed', createdAt: at('2026-03-03T00:00:00.000Z') });
      const broken = makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome: 'evaluator_failed', createdAt: at('2026-03-04T00:00:00.000Z') });
      const otherHash = makeEvaluation(uid('run'), uid('ind'), 1, { tree, evaluatorHash: 'other', createdAt: at('2026-03-05T00:00:00.000Z') });
      for (const evaluation of [older, newer, infra, broken, otherHash]) await store().evaluations.insert(evaluation);
      assert.deepEqual(await store().evaluations.findCached(tree, 'eval-hash'), newer);
      assert.equal((await store().evaluations.findCached(tree, 'other'))?.id, otherHash.id);
      assert.equal(await store().evaluations.findCached(tree, 'unknown-hash'), null);
      assert.equal(await store().evaluations.findCached(uid('tree'), 'eval-hash'), null);
    });

    it('lists a run\'s trees by seq and the trees with a reusable result under an evaluator hash', async () => {
      const runId = uid('run');
      const [a, b] = [uid('tree'), uid('tree')];
      const individuals = [makeIndividual(runId, 2, { tree: b }), makeIndividual(runId, 0, { tree: a }), makeIndividual(runId, 1, { tree: a })];
      await store().individuals.insertMany(individuals);
      await store().individuals.insert(makeIndividual(uid('run'), 0, { tree: uid('tree') }));
      assert.deepEqual(await store().evaluations.reusableTrees(`hash-${runId}`), []);
      assert.deepEqual(
        await store().individuals.treesOfRun(runId),
        [individuals[1]!, individuals[2]!, individuals[0]!].map((i) => ({ id: i.id, tree: i.tree })),
      );
      const hash = `hash-${runId}`;
      for (const [tree, outcome] of [[a, 'ok'], [a, 'candidate_failed'], [b, 'infra_failed']] as const) {
        await store().evaluations.insert(makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome, evaluatorHash: hash }));
      }
      assert.deepEqual(await store().evaluations.reusableTrees(hash), [a]);
    });

    it('looks up a tree for a run: the cached result (any run) and the run\'s first individual with it', async () => {
      const runId = uid('run');
      const tree = uid('tree');
      assert.deepEqual(await store().evaluations.lookupTree(runId, tree, 'eval-hash'), { cached: null, duplicateId: null });
      const [first, second] = [1, 2].map((seq) => makeIndividual(runId, seq, { tree }));
      await store().individuals.insertMany([second!, first!]);
      assert.deepEqual(await store().evaluations.lookupTree(runId, tree, 'eval-hash'), { cached: null, duplicateId: first!.id });
      const older = makeEvaluation(uid('run'), uid('ind'), 1, { tree, createdAt: at('2026-03-01T00:00:00.000Z') });
      const newer = makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome: 'candidate_failed', reason: 'tests failed', createdAt: at('2026-03-02T00:00:00.000Z') });
      const infra = makeEvaluation(uid('run'), uid('ind'), 1, { tree, outcome: 'infra_failed', createdAt: at('2026-03-03T00:00:00.000Z') });
      for (const evaluation of [older, newer, infra]) await store().evaluations.insert(evaluation);
      assert.deepEqual(await store().evaluations.lookupTree(runId, tree, 'eval-hash'), { cached: newer, duplicateId: first!.id });
      assert.deepEqual(await store().evaluations.lookupTree(uid('other-run'), tree, 'eval-hash'), { cached: newer, duplicateId: null });
      assert.deepEqual(await store().evaluations.lookupTree(runId, tree, 'other-hash'), { cached: null, duplicateId: first!.id });
    });

    it('counts outcomes, lists recent failures newest first and reports progress in seq order', async () => {
      const runId = uid('run');
      const individuals = [0, 1, 2, 3].map((seq) => makeIndividual(runId, seq, { fitness: seq === 2 ? null : seq * 10 }));
      await store().individuals.insertMany(individuals);
      const outcomes = ['ok', 'candidate_failed', 'infra_failed', 'ok'] as const;
      for (const [index, outcome] of outcomes.entries()) {
        await store().evaluations.insert(makeEvaluation(runId, individuals[index]!.id, index + 1, { outcome }));
      }
      assert.deepEqual(await store().evaluations.countByOutcome(runId), { ok: 2, candidate_failed: 1, infra_failed: 1 });
      assert.deepEqual(await store().evaluations.countByOutcome(uid('empty')), {});
      const failures = await store().evaluations.recentFailures(runId, 5);
      assert.deepEqual(failures.map((row) => [row.seq, row.outcome]), [[3, 'infra_failed'], [2, 'candidate_failed']]);
      assert.equal((await store().evaluations.recentFailures(runId, 1)).length, 1);
      assert.deepEqual(await store().evaluations.progress(runId), [
        { seq: 1, individualId: individuals[0]!.id, outcome: 'ok', fitness: 0 },
        { seq: 2, individualId: individuals[1]!.id, outcome: 'candidate_failed', fitness: 10 },
        { seq: 3, individualId: individuals[2]!.id, outcome: 'infra_failed', fitness: null },
        { seq: 4, individualId: individuals[3]!.id, outcome: 'ok', fitness: 30 },
      ]);
    });
  });

  describe('jobs', () => {
    it('round-trips a job with its costs and patches status, costs and times', async () => {
      const job = makeJob(uid('run'), 0);
      await store().jobs.insert(job);
      assert.deepEqual(await store().jobs.get(job.id), job);
      const startedAt = at('2026-04-01T00:00:00.000Z');
      await store().jobs.update(job.id, { status: 'running', attempts: 1, startedAt });
      const costs = { wallMs: 1234.5, cpuSeconds: 0.75, tokensIn: 5000, tokensOut: 800, usd: 0.012 };
      await store().jobs.update(job.id, { status: 'done', individualId: 'ind-9', costs, finishedAt: at('2026-04-01T00:00:01.000Z') });
      assert.deepEqual(await store().jobs.get(job.id), {
        ...job,
        status: 'done',
        attempts: 1,
        startedAt,
        individualId: 'ind-9',
        costs,
        finishedAt: at('2026-04-01T00:00:01.000Z'),
      });
      assert.equal(await store().jobs.get(uid('missing')), null);
      await assert.rejects(store().jobs.update(uid('missing'), { status: 'done' }), /no such row/);
    });

    it('keeps the scheduler\'s RNG checkpoint with a job and finds the newest one of a run', async () => {
      const runId = uid('run');
      assert.equal(await store().jobs.newestRngCheckpoint(runId, 0), null);
      await store().jobs.insert(makeJob(runId, 0)); // written without a checkpoint (before migration 0003)
      assert.equal(await store().jobs.newestRngCheckpoint(runId, 0), null);
      const newest = makeJob(runId, 2);
      await store().jobs.insert(newest, { rngState: [5, 6, 7, 8] });
      await store().jobs.insert(makeJob(runId, 1), { rngState: [1, 2, 3, 4] });
      await store().jobs.insert(makeJob(uid('run'), 9), { rngState: [9, 9, 9, 9] });
      assert.deepEqual(await store().jobs.newestRngCheckpoint(runId, 0), { seq: 2, rngState: [5, 6, 7, 8] });
      assert.deepEqual(await store().jobs.newestRngCheckpoint(runId, 2), { seq: 2, rngState: [5, 6, 7, 8] });
      // Older than the loop state's next job number: the loop state is newer, no checkpoint needed.
      assert.equal(await store().jobs.newestRngCheckpoint(runId, 3), null);
      // The checkpoint is the scheduler's business: job records do not carry it.
      assert.deepEqual(await store().jobs.get(newest.id), newest);
    });

    it('lists open jobs in seq order, counts by status and lists recent errors newest first', async () => {
      const runId = uid('run');
      const statuses = ['running', 'done', 'pending', 'failed', 'abandoned', 'pending'] as const;
      const jobs = statuses.map((status, seq) => makeJob(runId, seq, { status, error: status === 'failed' || status === 'abandoned' ? `${status} at ${seq}` : null }));
      for (const job of jobs.slice().reverse()) await store().jobs.insert(job);
      assert.deepEqual((await store().jobs.listOpen(runId)).map((job) => job.seq), [0, 2, 5]);
      assert.deepEqual(await store().jobs.countByStatus(runId), { running: 1, done: 1, pending: 2, failed: 1, abandoned: 1 });
      assert.deepEqual((await store().jobs.recentErrors(runId, 10)).map((job) => job.error), ['abandoned at 4', 'failed at 3']);
      assert.deepEqual((await store().jobs.recentErrors(runId, 1)).map((job) => job.seq), [4]);
    });

    it('sums the costs of a run and reports zeros for a run without jobs', async () => {
      const runId = uid('run');
      await store().jobs.insert(makeJob(runId, 0, { costs: { wallMs: 100, cpuSeconds: 1.5, tokensIn: 3_000_000_000, tokensOut: 10, usd: 0.25 } }));
      await store().jobs.insert(makeJob(runId, 1, { costs: { wallMs: 50.5, cpuSeconds: 0.5, tokensIn: 7, tokensOut: 20, usd: 0.5 } }));
      await store().jobs.insert(makeJob(uid('other-run'), 0, { costs: { wallMs: 999, cpuSeconds: 9, tokensIn: 9, tokensOut: 9, usd: 9 } }));
      assert.deepEqual(await store().jobs.totals(runId), { wallMs: 150.5, cpuSeconds: 2, tokensIn: 3_000_000_007, tokensOut: 30, usd: 0.75 });
      assert.deepEqual(await store().jobs.totals(uid('empty')), { wallMs: 0, cpuSeconds: 0, tokensIn: 0, tokensOut: 0, usd: 0 });
    });
  });
}
