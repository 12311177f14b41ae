// Novelty rejection (archive.noveltyThreshold) in a real run: a child whose code embedding is
// nearly an elite's is refused before it is committed or evaluated, with a reason in `status`; the
// setting is refused with metric descriptors, which compute no embedding.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';
import { git } from '../support/temp-repo.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('novelty rejection', () => {
  it('refuses children too close to an elite without committing or evaluating them', async () => {
    // A threshold no real child can stay under: every proposal is refused, the run ends on its
    // futile-job limit having evaluated only the seed.
    const repo = await createExampleRepo('circle-packing', (yaml) => smallBudget(10)(yaml).replace('archive:\n', 'archive:\n  noveltyThreshold: 0.2\n'));
    repos.push(repo);
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse((await runCli(['status', '--repo', repo.dir, '--json'])).stdout) as {
      runs: Array<{ evaluations: number; recentRejections: Array<{ reason: string }>; jobs: Record<string, number> }>;
    };
    const run = status.runs[0]!;
    assert.equal(run.evaluations, 1, 'only the seed was evaluated');
    assert.ok((run.jobs['failed'] ?? 0) >= 100, JSON.stringify(run.jobs));
    // Numeric children are refused as not novel; crossover, with only the seed, cannot work at all.
    const novelty = /not novel: its code is nearly identical to elite r1-i0 \(cosine [0-9.]+ ≥ archive\.noveltyThreshold 0\.2\)/;
    assert.ok(run.recentRejections.some((r) => novelty.test(r.reason)), JSON.stringify(run.recentRejections));
    for (const r of run.recentRejections) assert.match(r.reason, /not novel|crossover needs an inspiration/);
    const store = await openStore({ repoDir: repo.dir });
    try {
      assert.equal(await store.individuals.countByRun('r1'), 1, 'no child was committed as an individual');
    } finally {
      await store.close();
    }
    const branches = await git(repo.dir, 'for-each-ref', '--format=%(refname)', 'refs/heads/cambrian/r1/');
    assert.deepEqual(branches.split('\n').filter((b) => !b.endsWith('/best')), ['refs/heads/cambrian/r1/g0/i0']);
  });

  it('is refused with metric descriptors', async () => {
    const repo = await createExampleRepo('circle-packing', (yaml) =>
      yaml.replace('archive:\n', 'archive:\n  noveltyThreshold: 0.99\n  descriptors:\n    - { metric: sum_radii, min: 0, max: 3 }\n'),
    );
    repos.push(repo);
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /archive\.noveltyThreshold.*learned descriptors/s);
  });
});
