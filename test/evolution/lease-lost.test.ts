// A scheduler whose run lease is taken over stops driving the run (ADR 0017): the heartbeat finds
// the lease gone, scheduling halts, and the loop exits with CAMBRIAN_RUN_LEASED without writing the
// run's final state over the new holder's. Real example repo, evaluator processes, embedded store.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLoop, openApp } from '../../src/app.ts';
import { budgetFrom } from '../../src/cli/run.ts';
import { runEvolution } from '../../src/evolution/engine.ts';
import { EventBus } from '../../src/evolution/event-bus.ts';
import { leaseClaim } from '../../src/evolution/run-lease.ts';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('a run whose lease is taken over', () => {
  it('stops scheduling and leaves the run to the new holder', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(500));
    repos.push(repo);
    const app = await openApp({ repoDir: repo.dir, env: {}, warn: () => {} });
    try {
      const bus = new EventBus();
      const loop = await buildLoop(app, { workers: 1, bus });
      // Renewed every 100 ms, so the takeover is noticed within a job or two.
      const claim = leaseClaim(300);
      const thief = { ...leaseClaim(), host: 'other-host', pid: 4242 };
      let runId = '';
      let stolen: Promise<unknown> | null = null;
      bus.subscribe((event) => {
        if (event.type !== 'job_scheduled' || stolen) return;
        runId = event.runId;
        stolen = app.store.runs.acquireLease(runId, thief, { replacing: claim.token });
      });
      try {
        await assert.rejects(
          runEvolution(loop.deps, { forceNew: true, budget: budgetFrom(app.config, undefined), claim }, new AbortController().signal),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, 'CAMBRIAN_RUN_LEASED');
            assert.match(error.message, /taken over by another scheduler/);
            return true;
          },
        );
      } finally {
        await loop.close();
      }
      assert.deepEqual(await stolen, { acquired: true });
      const run = await app.store.runs.get(runId);
      assert.equal(run?.state, 'running', 'the final state was left to the new holder');
      assert.ok(run!.evaluations < 500);
      assert.equal((await app.store.runs.leaseHolder(runId))?.token, thief.token, 'the new holder keeps its lease');
    } finally {
      await app.close();
    }
  });
});
