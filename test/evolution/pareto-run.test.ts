// Several fitness metrics in a real run: a temp repository whose evaluator reports two conflicting
// objectives (a = x − y², to maximise; b = x + y², to minimise), evolved offline. The front branches
// are exactly the store's non-dominated individuals, mutually non-dominated, listed by
// `cambrian best --front --json`, restored after a crash that lost them; a single-metric run of the
// same problem keeps no front branches.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildLoop, openApp } from '../../src/app.ts';
import { budgetFrom } from '../../src/cli/run.ts';
import { runEvolution } from '../../src/evolution/engine.ts';
import { EventBus } from '../../src/evolution/event-bus.ts';
import { MAX_FRONT_BRANCHES, type FrontListing } from '../../src/evolution/front.ts';
import type { OkResult } from '../../src/store/port.ts';
import { runCli } from '../support/cli.ts';
import { createTempRepo, type TempRepo } from '../support/temp-repo.ts';

const repos: TempRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

const EVALUATOR = `import { x, y } from '../params.mjs';
console.log(JSON.stringify({ a: x - y * y, b: x + y * y, x }));
`;

function config(fitness: string, maxEvaluations: number): string {
  return `goal: Trade a off against b
evolve:
  include: ["params.mjs"]
evaluator:
  command: node eval/evaluate.mjs
  timeoutMs: 20000
metrics:
  a: { direction: max }
  b: { direction: min }
  x: { direction: max }
fitness: ${fitness}
budget:
  maxEvaluations: ${maxEvaluations}
archive:
  islands: 2
  bins: 5
  migrationEvery: 6
  descriptors:
    - { metric: x, min: 0, max: 1 }
operators:
  numeric: { weight: 1 }
`;
}

async function problemRepo(fitness: string, maxEvaluations: number): Promise<TempRepo> {
  const repo = await createTempRepo({
    'params.mjs': 'export const x = 0.5;\nexport const y = 0.3;\n',
    'eval/evaluate.mjs': EVALUATOR,
    'cambrian.yaml': config(fitness, maxEvaluations),
  });
  repos.push(repo);
  return repo;
}

/** Runs the loop in process; `stopAfter` aborts it (like Ctrl-C) once that many evaluations finished. */
async function evolve(dir: string, options: { stopAfter?: number; maxEvals?: number } = {}) {
  const app = await openApp({ repoDir: dir, env: {}, warn: () => {} });
  try {
    const bus = new EventBus();
    const controller = new AbortController();
    let finished = 0;
    bus.subscribe((event) => {
      if (event.type === 'evaluation_finished' && ++finished === options.stopAfter) controller.abort();
    });
    const loop = await buildLoop(app, { workers: 2, bus });
    try {
      const summary = await runEvolution(loop.deps, { forceNew: false, budget: budgetFrom(app.config, options.maxEvals) }, controller.signal);
      return { summary, ok: await app.store.individuals.okResults(summary.run.id) };
    } finally {
      await loop.close();
    }
  } finally {
    await app.close();
  }
}

/** a is maximised, b minimised; written out rather than imported from the code under test. */
function dominates(p: { a: number; b: number }, q: { a: number; b: number }): boolean {
  return p.a >= q.a && p.b <= q.b && (p.a > q.a || p.b < q.b);
}

const ab = (m: OkResult | FrontListing['members'][number]) =>
  'metrics' in m ? { a: m.metrics['a']!, b: m.metrics['b']! } : { a: m.objectives['a']!, b: m.objectives['b']! };

async function frontRefs(repo: TempRepo, runId: string): Promise<Map<string, string>> {
  const out = await repo.git('for-each-ref', '--format=%(refname:short) %(objectname)', `refs/heads/cambrian/${runId}/front/`);
  return new Map(out.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
}

async function bestFront(repo: TempRepo): Promise<FrontListing> {
  const result = await runCli(['best', '--repo', repo.dir, '--front', '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as FrontListing;
}

describe('a run with two fitness metrics', () => {
  it('keeps front branches on exactly the non-dominated individuals, lists them, and restores them after a crash', async () => {
    const repo = await problemRepo('[a, b]', 30);
    const first = await evolve(repo.dir, { stopAfter: 15 });
    assert.equal(first.summary.state, 'stopped');
    const runId = first.summary.run.id;

    // Simulate a crash that lost the ref updates: drop every front branch and leave a stale one.
    for (const ref of (await frontRefs(repo, runId)).keys()) await repo.git('update-ref', '-d', `refs/heads/${ref}`);
    await repo.git('update-ref', `refs/heads/cambrian/${runId}/front/i999`, repo.head);

    const { summary, ok } = await evolve(repo.dir);
    assert.equal(summary.state, 'finished');
    assert.equal(summary.run.id, runId, 'the stopped run was resumed');
    assert.equal(summary.run.evaluations, 30);

    // The true front, by brute force over every ok individual (the oldest of equal points).
    const front = ok.filter((p, i) => !ok.some((q, j) => dominates(ab(q), ab(p)) || (j < i && ab(q).a === ab(p).a && ab(q).b === ab(p).b)));
    assert.ok(front.length >= 2, `a conflicting pair of objectives gives a front of several (got ${front.length})`);
    assert.ok(front.length < ok.length, 'some individuals are dominated');

    const refs = await frontRefs(repo, runId);
    const branched = front.length <= MAX_FRONT_BRANCHES ? front : [];
    if (front.length <= MAX_FRONT_BRANCHES) {
      assert.deepEqual(new Map([...refs].sort()), new Map(branched.map((m) => [`cambrian/${runId}/front/i${m.seq}`, m.commit] as [string, string]).sort()));
    } else {
      assert.equal(refs.size, MAX_FRONT_BRANCHES);
    }
    const onFront = new Set(front.map((m) => m.id));
    for (const [ref, commit] of refs) {
      const member = ok.find((m) => ref.endsWith(`/i${m.seq}`));
      assert.ok(member && onFront.has(member.id) && member.commit === commit, `${ref} is a front member at its commit`);
    }
    const refMembers = [...refs.keys()].map((ref) => ok.find((m) => ref.endsWith(`/i${m.seq}`))!);
    for (const p of refMembers) for (const q of refMembers) assert.equal(dominates(ab(p), ab(q)), false, `${p.id} dominates ${q.id}`);

    // `best --front --json` lists the front branches with each objective's value.
    const listing = await bestFront(repo);
    assert.equal(listing.run, runId);
    assert.deepEqual(listing.objectives, [
      { metric: 'a', direction: 'max' },
      { metric: 'b', direction: 'min' },
    ]);
    assert.equal(listing.size, front.length);
    assert.deepEqual(new Set(listing.members.map((m) => m.branch)), new Set(refs.keys()));
    for (const m of listing.members) {
      assert.equal(refs.get(m.branch), m.commit);
      const record = ok.find((r) => r.id === m.individual)!;
      assert.deepEqual(m.objectives, { a: record.metrics['a'], b: record.metrics['b'] });
    }
    for (let i = 1; i < listing.members.length; i++) assert.ok(listing.members[i - 1]!.objectives['a']! >= listing.members[i]!.objectives['a']!, 'best first by a');

    // The best branch stays the best by the first metric.
    const bestA = Math.max(...ok.map((m) => m.metrics['a']!));
    const best = ok.find((m) => m.id === summary.run.bestIndividualId)!;
    assert.equal(best.metrics['a'], bestA);
    assert.equal(await repo.git('rev-parse', `cambrian/${runId}/best`), best.commit);

    // A text listing too, and --diff with --front is refused.
    const text = await runCli(['best', '--repo', repo.dir, '--front']);
    assert.match(text.stdout, new RegExp(`run ${runId}: Pareto front over a \\(max\\), b \\(min\\) — ${front.length} individuals`));
    const both = await runCli(['best', '--repo', repo.dir, '--front', '--diff']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--diff shows one individual/);
  });

  it('a single-metric run of the same problem keeps no front branches; its front is its best', async () => {
    const repo = await problemRepo('a', 12);
    const { summary, ok } = await evolve(repo.dir);
    assert.equal(summary.state, 'finished');
    assert.deepEqual(await frontRefs(repo, summary.run.id), new Map());
    const branches = (await repo.git('for-each-ref', '--format=%(refname)', `refs/heads/cambrian/${summary.run.id}/`)).split('\n');
    assert.ok(branches.every((b) => /\/(best|g\d+\/i\d+)$/.test(b)), 'a branch per individual plus best, as before');
    assert.ok(ok.length > 1);
    const listing = await bestFront(repo);
    assert.equal(listing.size, 1);
    assert.deepEqual(listing.members.map((m) => [m.individual, m.branch]), [[summary.run.bestIndividualId, `cambrian/${summary.run.id}/best`]]);
  });
});
