// Fault drill: `cambrian run` is killed with SIGKILL at seeded random moments, again and again, and
// re-run each time. Every resume must carry on to exactly the requested budget with a consistent
// ledger, no duplicate individuals, no branch without a record, no worktree and no process left.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readlink } from 'node:fs/promises';
import { openStore } from '../../src/store/open.ts';
import { Rng } from '../../src/core/rng.ts';
import { defaultWorktreeRoot } from '../../src/git/worktree-reaper.ts';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { startCli, runCli } from '../support/cli.ts';
import { git } from '../support/temp-repo.ts';

const BUDGET = 30;
const TRIALS = 10;

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

/** Processes whose working directory is inside `root` (evaluators left running in pool worktrees). */
async function processesUnder(root: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cwd.startsWith(root)) found.push(Number(name));
  }
  return found;
}

async function waitForNoProcessesUnder(root: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await processesUnder(root);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await processesUnder(root);
  }
  return left;
}

/** Runs the CLI and SIGKILLs it after `events` JSON events plus `delayMs`. Resolves with how many it saw. */
async function runAndKill(dir: string, events: number, delayMs: number): Promise<{ seen: number; finished: boolean }> {
  const { child, done } = startCli(['run', '--repo', dir, '--json', '--workers', '2']);
  let seen = 0;
  let buffer = '';
  let killed = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    seen += lines.filter((l) => l.startsWith('{')).length;
    if (!killed && seen >= events) {
      killed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const result = await done;
  return { seen, finished: result.code === 0 };
}

describe('kill -9 drill', () => {
  it(`survives ${TRIALS} SIGKILLs at random moments and still spends exactly the budget`, async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(BUDGET));
    repos.push(repo);
    const poolRoot = defaultWorktreeRoot(repo.dir);
    const rng = Rng.fromSeed('kill9-drill');
    let kills = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const { finished } = await runAndKill(repo.dir, 1 + rng.int(60), rng.int(80));
      if (finished) break; // the budget ran out before the kill landed
      kills++;
      const left = await waitForNoProcessesUnder(poolRoot, 5000);
      assert.deepEqual(left, [], `trial ${trial}: evaluator processes outlived the killed run`);
    }
    assert.ok(kills >= 3, `only ${kills} kills landed before the run finished`);

    const final = await runCli(['run', '--repo', repo.dir, '--json']);
    assert.equal(final.code, 0, final.stderr);
    assert.deepEqual(await waitForNoProcessesUnder(poolRoot, 5000), []);
    assert.equal((await git(repo.dir, 'worktree', 'list')).split('\n').length, 1, 'no worktree left');

    const store = await openStore({ repoDir: repo.dir });
    try {
      const [run] = await store.runs.list('any');
      assert.ok(run);
      assert.equal(run.state, 'finished');
      assert.equal(run.evaluations, BUDGET, 'exactly the requested evaluations');
      const progress = await store.evaluations.progress(run.id);
      const counted = progress.filter((p) => p.outcome === 'ok' || p.outcome === 'candidate_failed');
      assert.equal(counted.length, BUDGET);
      assert.equal(new Set(counted.map((p) => p.seq)).size, BUDGET, 'evaluation numbers are unique');
      assert.equal(new Set(counted.map((p) => p.individualId)).size, BUDGET, 'no individual evaluated twice');

      const individuals = await store.individuals.listByRun(run.id);
      assert.equal(new Set(individuals.map((i) => i.tree)).size, individuals.length, 'no duplicate individuals');
      const ids = new Set(individuals.map((i) => i.id));
      for (const individual of individuals) {
        await git(repo.dir, 'cat-file', '-e', `${individual.commit}^{commit}`);
      }

      // The ledger agrees with the tables.
      const events = await store.ledger.list({ runId: run.id, limit: 100_000 });
      const finishedEvents = events.filter((e) => e.type === 'evaluation_finished');
      for (const event of finishedEvents) {
        const data = event.data as { individualId: string };
        assert.ok(ids.has(data.individualId), `evaluation_finished for unknown individual ${data.individualId}`);
      }
      const created = events.filter((e) => e.type === 'individual_created').map((e) => (e.data as { individualId: string }).individualId);
      assert.equal(new Set(created).size, created.length, 'each individual created once');
      assert.deepEqual(new Set(created), ids);

      // Every branch has its record.
      const refs = (await git(repo.dir, 'for-each-ref', '--format=%(refname)', `refs/heads/cambrian/${run.id}/`))
        .split('\n')
        .filter((ref) => /\/g\d+\/i\d+$/.test(ref));
      for (const ref of refs) {
        const seq = Number(/\/i(\d+)$/.exec(ref)![1]);
        assert.ok(ids.has(`${run.id}-i${seq}`), `branch ${ref} has no record`);
      }
      assert.equal(refs.length, individuals.length);
      assert.equal(await store.jobs.listOpen(run.id).then((j) => j.length), 0, 'no job left open');
    } finally {
      await store.close();
    }
  });
});
