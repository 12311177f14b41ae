// Conformance tests for Store.transaction: all writes commit together or none do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetStore } from '../store-suite.ts';
import { makeElite, makeEvaluation, makeIndividual, makeJob, makeLlmCall, makeRun } from '../records.ts';

export function transactionTests(store: GetStore): void {
  describe('transactions', () => {
    it('commits every write of the callback together and returns its value', async () => {
      const run = makeRun();
      const individual = makeIndividual(run.id, 0);
      const value = await store().transaction(async (tx) => {
        await tx.runs.insert(run);
        await tx.individuals.insert(individual);
        await tx.runs.update(run.id, { individuals: 1 });
        // A transaction reads its own writes.
        assert.equal((await tx.runs.get(run.id))?.individuals, 1);
        return 'done';
      });
      assert.equal(value, 'done');
      assert.equal((await store().runs.get(run.id))?.individuals, 1);
      assert.equal((await store().individuals.get(individual.id))?.id, individual.id);
    });

    it('rolls back every write of every repository when the callback throws', async () => {
      const run = makeRun();
      await store().runs.insert(run);
      const seed = makeIndividual(run.id, 0);
      const batch = Array.from({ length: 1200 }, (_, n) => makeIndividual(run.id, n + 1));
      const job = makeJob(run.id, 0);
      const boom = new Error('boom');
      await assert.rejects(
        store().transaction(async (tx) => {
          await tx.runs.update(run.id, { state: 'finished', evaluations: 5 });
          await tx.individuals.insert(seed);
          await tx.individuals.insertMany(batch);
          await tx.evaluations.insert(makeEvaluation(run.id, seed.id, 1));
          await tx.jobs.insert(job);
          await tx.elites.upsert([makeElite(run.id, 0, '0,0')]);
          await tx.elites.replaceAll(run.id, [makeElite(run.id, 0, '1,1')]);
          await tx.ledger.append(run.id, [{ type: 'run_stopped', runId: run.id, reason: 'test', evaluations: 5 }]);
          await tx.llmCalls.insert(makeLlmCall(run.id));
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.deepEqual(await store().runs.get(run.id), run);
      assert.equal(await store().individuals.countByRun(run.id), 0);
      assert.deepEqual(await store().evaluations.countByOutcome(run.id), {});
      assert.equal(await store().jobs.get(job.id), null);
      assert.deepEqual(await store().elites.list(run.id), []);
      assert.equal(await store().ledger.count(run.id), 0);
      assert.equal((await store().llmCalls.totals(run.id)).calls, 0);
    });

    // Candidate output and model replies reach these columns: every value must come back exactly as
    // written, whatever quoting, placeholder or comment syntax it carries (the embedded store
    // inlines transaction writes as literals; see batched-writes.ts).
    it('stores hostile text exactly, in transactions as outside them', async () => {
      const run = makeRun();
      await store().runs.insert(run);
      const hostile = [
        "'); DROP TABLE runs; --",
        "\\' OR '1'='1",
        '$1 $2 $$ $tag$ :name ?',
        '/* comment */ -- line comment',
        'E\'\\x41\' U&\'\\0041\'',
        'quote \' double " backslash \\ tab \t newline \n return \r',
        'ünïcödé ✓ 𝔘 😀 \u2028 \ufeff',
        '\u001b[31mred\u001b[0m \u0007',
      ];
      const individual = makeIndividual(run.id, 0, { description: hostile.join(' | '), meta: { hostile } });
      await store().transaction(async (tx) => {
        await tx.individuals.insert(individual);
        await tx.individuals.update(individual.id, { metrics: Object.fromEntries(hostile.map((h, i) => [`m${i}`, i + 0.5])) });
        await tx.ledger.append(run.id, [{ type: 'run_stopped', runId: run.id, reason: hostile.join('\n'), evaluations: 0 }]);
        await tx.runs.update(run.id, { stopReason: hostile[0]! });
      });
      const back = await store().individuals.get(individual.id);
      assert.equal(back?.description, individual.description);
      assert.deepEqual(back?.meta, { hostile });
      assert.equal(Object.keys(back?.metrics ?? {}).length, hostile.length);
      assert.equal((await store().runs.get(run.id))?.stopReason, hostile[0]);
      const [row] = await store().ledger.list({ runId: run.id });
      assert.equal(row?.data.type === 'run_stopped' ? row.data.reason : null, hostile.join('\n'));
    });

    it('fails the whole transaction when an update inside it matches no row', async () => {
      const run = makeRun();
      await store().runs.insert(run);
      await assert.rejects(
        store().transaction(async (tx) => {
          await tx.runs.update(run.id, { evaluations: 9 });
          await tx.ledger.append(run.id, [{ type: 'run_stopped', runId: run.id, reason: 'x', evaluations: 9 }]);
          await tx.jobs.update('no-such-job', { status: 'done' });
        }),
        /no such row/,
      );
      assert.equal((await store().runs.get(run.id))?.evaluations, run.evaluations);
      assert.equal(await store().ledger.count(run.id), 0);
    });
  });
}
