// The loop under failures it must survive or report (issue 8, classes 5 and 6), on the real
// circle-packing example: an operator that throws or proposes a path git would refuse fails only
// that job; evaluations that keep ending infra_failed fail the run — resumably, counting on.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLoop, openApp } from '../../src/app.ts';
import { budgetFrom } from '../../src/cli/run.ts';
import { runEvolution } from '../../src/evolution/engine.ts';
import { EventBus } from '../../src/evolution/event-bus.ts';
import type { LoopDeps } from '../../src/evolution/session.ts';
import { MAX_INFRA_FAILURES } from '../../src/evolution/stop.ts';
import type { Evaluator } from '../../src/evaluate/port.ts';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

async function evolve(dir: string, wrap: (deps: LoopDeps) => LoopDeps) {
  const app = await openApp({ repoDir: dir, env: {}, warn: () => {} });
  try {
    const loop = await buildLoop(app, { workers: 1, bus: new EventBus() });
    try {
      const summary = await runEvolution(wrap(loop.deps), { forceNew: false, budget: budgetFrom(app.config, undefined) }, new AbortController().signal);
      const jobs = await app.store.jobs.recentErrors(summary.run.id, 100);
      return { summary, reasons: jobs.map((j) => j.error ?? '') };
    } finally {
      await loop.close();
    }
  } finally {
    await app.close();
  }
}

/** Children's evaluations end as the evaluator does when it cannot be spawned; the seed's does not. */
function unspawnable(evaluator: Evaluator, failing: () => boolean): Evaluator {
  return {
    configHash: evaluator.configHash,
    evaluate: (request) =>
      request.individualId.endsWith('-i0') || !failing()
        ? evaluator.evaluate(request)
        : Promise.resolve({ outcome: 'infra_failed', reason: 'could not start the evaluator: spawn sh ENOENT', stages: [], durationMs: 1, cpuSeconds: 0, cached: false }),
    close: () => evaluator.close(),
  };
}

describe('failures in the loop', () => {
  it('an operator that throws or proposes bad paths fails only those jobs; the run spends its budget', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(6));
    repos.push(repo);
    let calls = 0;
    const { summary, reasons } = await evolve(repo.dir, (deps) => ({
      ...deps,
      operators: deps.operators.map((entry) => ({
        ...entry,
        operator: {
          ...entry.operator,
          propose: async (ctx) => {
            calls++;
            if (calls === 1) throw new TypeError("Cannot read properties of undefined (reading 'x')");
            if (calls === 2) return { kind: 'changes', changes: [{ path: 'pack.js', content: 'x\n' }, { path: 'pack//b.js', content: 'y\n' }], description: 'bad' };
            if (calls === 3) return { kind: 'changes', changes: [{ path: '.Git/config', content: 'y\n' }], description: 'bad' };
            return entry.operator.propose(ctx);
          },
        },
      })),
    }));
    assert.equal(summary.state, 'finished');
    assert.equal(summary.run.evaluations, 6);
    const text = reasons.join('\n');
    assert.match(text, /TypeError: Cannot read properties of undefined/);
    assert.match(text, /"pack\/\/b\.js" has an empty segment/);
    assert.match(text, /"\.Git\/config" is inside a \.git directory/);
  });

  it(`stops as failed after ${MAX_INFRA_FAILURES} infra_failed evaluations in a row, and resumes counting from zero`, async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(12));
    repos.push(repo);
    const first = await evolve(repo.dir, (deps) => ({ ...deps, evaluator: unspawnable(deps.evaluator, () => true) }));
    assert.equal(first.summary.state, 'failed');
    assert.equal(first.summary.run.state, 'failed');
    assert.match(first.summary.reason, new RegExp(`${MAX_INFRA_FAILURES} evaluations in a row ended infra_failed`));
    assert.match(first.summary.reason, /could not start the evaluator: spawn sh ENOENT/);
    assert.equal(first.summary.run.evaluations, 1, 'only the seed counted');

    // Fixed: the next start resumes the failed run and spends its budget.
    const second = await evolve(repo.dir, (deps) => deps);
    assert.equal(second.summary.resumed, true);
    assert.equal(second.summary.run.id, first.summary.run.id);
    assert.equal(second.summary.state, 'finished');
    assert.equal(second.summary.run.evaluations, 12);
  });

  it('a success in between resets the count', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(12));
    repos.push(repo);
    let evaluations = 0;
    // Every third child evaluates; the others fail to start: never MAX_INFRA_FAILURES in a row.
    const { summary } = await evolve(repo.dir, (deps) => ({ ...deps, evaluator: unspawnable(deps.evaluator, () => ++evaluations % 3 !== 0) }));
    assert.equal(summary.state, 'finished');
    assert.equal(summary.run.evaluations, 12);
  });
});
