// The evolution loop end to end on the circle-packing example: real git repos, real evaluator
// processes, the embedded store. Budgets are exact, lineage carries trailers, the user's HEAD never
// moves, the same seed reproduces the same commits, and a failing seed stops the run at once.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildLoop, openApp } from '../../src/app.ts';
import { budgetFrom } from '../../src/cli/run.ts';
import { runEvolution } from '../../src/evolution/engine.ts';
import { EventBus } from '../../src/evolution/event-bus.ts';
import { isCambrianError } from '../../src/errors.ts';
import type { Store } from '../../src/store/port.ts';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { git } from '../support/temp-repo.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

/** Makes every store transaction fail from the moment `dies` says so: the process has died there. */
function dyingStore(store: Store, dies: () => boolean): Store {
  return { ...store, transaction: (fn) => (dies() ? Promise.reject(new Error('simulated crash')) : store.transaction(fn)) };
}

async function evolve(dir: string, options: { workers: number; forceNew?: boolean; maxEvals?: number; crashAfterScheduling?: number }) {
  const app = await openApp({ repoDir: dir, env: {} , warn: () => {} });
  try {
    const bus = new EventBus();
    const loop = await buildLoop(app, { workers: options.workers, bus });
    let dead = false;
    bus.subscribe((event) => {
      if (event.type === 'job_scheduled' && event.jobId.endsWith(`-j${options.crashAfterScheduling}`)) dead = true;
    });
    const deps = options.crashAfterScheduling === undefined ? loop.deps : { ...loop.deps, store: dyingStore(app.store, () => dead) };
    try {
      const summary = await runEvolution(deps, { forceNew: options.forceNew ?? false, budget: budgetFrom(app.config, options.maxEvals) }, new AbortController().signal);
      const individuals = await app.store.individuals.listByRun(summary.run.id);
      const evaluations = await app.store.evaluations.progress(summary.run.id);
      return { summary, individuals, evaluations };
    } finally {
      await loop.close();
    }
  } finally {
    await app.close();
  }
}

describe('cambrian run on circle-packing', () => {
  it('spends exactly the evaluation budget, improves on the seed, and leaves real commits with trailers', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(24));
    repos.push(repo);
    await writeFile(join(repo.dir, 'notes.txt'), 'uncommitted user work\n');
    const { summary, individuals, evaluations } = await evolve(repo.dir, { workers: 2 });

    assert.equal(summary.state, 'finished');
    assert.equal(summary.run.evaluations, 24);
    assert.equal(evaluations.filter((e) => e.outcome === 'ok' || e.outcome === 'candidate_failed').length, 24);
    assert.ok(summary.run.seedFitness! > 1.3 && summary.run.seedFitness! < 1.5, `seed ${summary.run.seedFitness}`);
    assert.ok(summary.run.bestFitness! > summary.run.seedFitness!, 'evolution improved on the seed');
    assert.equal(new Set(individuals.map((i) => i.tree)).size, individuals.length, 'no two individuals share a tree');

    // The user's checkout is untouched.
    assert.equal(await git(repo.dir, 'rev-parse', 'HEAD'), repo.head);
    assert.equal(await git(repo.dir, 'status', '--porcelain'), '?? notes.txt');
    assert.equal((await git(repo.dir, 'worktree', 'list')).split('\n').length, 1, 'no worktree left behind');

    // The best branch is a real lineage of commits with trailers back to the seed.
    const best = await git(repo.dir, 'rev-parse', `cambrian/${summary.run.id}/best`);
    const bestRecord = individuals.find((i) => i.id === summary.run.bestIndividualId)!;
    assert.equal(best, bestRecord.commit);
    const trailers = await git(repo.dir, 'log', '-1', '--format=%(trailers:only)', best);
    assert.match(trailers, new RegExp(`Cambrian-Run: ${summary.run.id}`));
    assert.match(trailers, new RegExp(`Cambrian-Individual: ${bestRecord.id}`));
    assert.match(trailers, new RegExp(`Cambrian-Parent: ${bestRecord.parentId}`));
    assert.match(trailers, /Cambrian-Operator: (numeric|crossover)/);
    assert.equal(await git(repo.dir, 'merge-base', '--is-ancestor', repo.head, best).then(() => 'yes'), 'yes');
    const branches = await git(repo.dir, 'for-each-ref', '--format=%(refname)', `refs/heads/cambrian/${summary.run.id}/`);
    assert.equal(branches.split('\n').length, individuals.length + 1, 'a branch per individual plus best');
  });

  it('reproduces the same lineage and commit SHAs from the same seed with one worker', async () => {
    const a = await createExampleRepo('circle-packing', smallBudget(14));
    const b = await createExampleRepo('circle-packing', smallBudget(14));
    repos.push(a, b);
    assert.equal(a.head, b.head, 'examples are written with a fixed date, so their seed commits match');
    const first = await evolve(a.dir, { workers: 1 });
    const second = await evolve(b.dir, { workers: 1 });
    const trees = (r: typeof first) => r.individuals.map((i) => `${i.seq}:${i.parentId}:${i.operator}:${i.tree}`);
    assert.deepEqual(trees(second), trees(first));
    assert.equal(second.summary.run.bestFitness, first.summary.run.bestFitness);
    assert.deepEqual(second.individuals.map((i) => i.commit), first.individuals.map((i) => i.commit));
  });

  it('carries on the same sequence after dying right after scheduling a job (RNG checkpointed in the job row)', async () => {
    const a = await createExampleRepo('circle-packing', smallBudget(12));
    const b = await createExampleRepo('circle-packing', smallBudget(12));
    repos.push(a, b);
    const uninterrupted = await evolve(a.dir, { workers: 1 });
    // Job 4 is written (with the RNG state after drawing it); nothing after it commits.
    await assert.rejects(evolve(b.dir, { workers: 1, crashAfterScheduling: 4 }), /simulated crash/);
    const resumed = await evolve(b.dir, { workers: 1 });
    assert.equal(resumed.summary.resumed, true);
    const trees = (r: typeof uninterrupted) => r.individuals.map((i) => `${i.seq}:${i.parentId}:${i.operator}:${i.tree}`);
    assert.deepEqual(trees(resumed), trees(uninterrupted));
    assert.equal(resumed.summary.run.evaluations, 12);
  });

  it('starts a fresh run after a finished one, with its own id and budget', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(10));
    repos.push(repo);
    const first = await evolve(repo.dir, { workers: 2 });
    assert.equal(first.summary.run.evaluations, 10);
    const fresh = await evolve(repo.dir, { workers: 2, forceNew: true, maxEvals: 5 });
    assert.notEqual(fresh.summary.run.id, first.summary.run.id);
    assert.equal(fresh.summary.run.evaluations, 5);
    // Same seed tree, same evaluator: the fresh run's seed evaluation comes from the cache.
    const app = await openApp({ repoDir: repo.dir, env: {}, warn: () => {} });
    try {
      const [seedEvaluation] = await app.store.evaluations.listByIndividual(`${fresh.summary.run.id}-i0`);
      assert.equal(seedEvaluation?.cached, true);
      assert.equal(seedEvaluation?.metrics['sum_radii'], first.summary.run.seedFitness);
    } finally {
      await app.close();
    }
  });

  it('stops at once with the evaluator output when the evaluator fails on the seed', async () => {
    const repo = await createExampleRepo('circle-packing', (yaml) => yaml.replace('command: node eval/evaluate.mjs', 'command: node eval/missing.mjs'));
    repos.push(repo);
    await assert.rejects(evolve(repo.dir, { workers: 1 }), (error: unknown) => {
      assert.ok(isCambrianError(error));
      assert.equal(error.code, 'CAMBRIAN_EVALUATOR_FAILED');
      assert.match(error.message, /missing\.mjs/);
      assert.match(error.hint ?? '', /cambrian eval/);
      return true;
    });
  });
});
