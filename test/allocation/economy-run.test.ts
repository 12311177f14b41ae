// The energy economy and the assimilation gate inside real runs (CLI, bubblewrap, PGlite):
// islands are chosen by energy (not in turns), bankrupt islands are culled and reseeded from other
// islands' elites, the summaries carry energy, and on a noisy evaluator whose true values are known
// the best branch never moves to a challenger that is truly worse.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import type { JobRecord } from '../../src/store/port.ts';
import { createExampleRepo, smallBudget } from '../support/example-repo.ts';
import { createTempRepo } from '../support/temp-repo.ts';
import { runCli } from '../support/cli.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function ledgerOf(dir: string): Promise<{ runId: string; events: LedgerEvent[]; islands: number[]; elites: Array<{ island: number; individualId: string }> }> {
  const store = await openStore({ repoDir: dir });
  try {
    const run = (await store.runs.list('any')).at(-1)!;
    const rows = await store.ledger.list({ runId: run.id, limit: 100_000 });
    const events = rows.map((r) => r.data);
    const islands = events.flatMap((e) => (e.type === 'job_scheduled' ? [e.island] : []));
    const elites = (await store.elites.list(run.id)).map((e) => ({ island: e.island, individualId: e.individualId }));
    return { runId: run.id, events, islands, elites };
  } finally {
    await store.close();
  }
}

async function jobsOf(dir: string): Promise<JobRecord[]> {
  const store = await openStore({ repoDir: dir });
  try {
    const run = (await store.runs.list('any')).at(-1)!;
    const jobs: JobRecord[] = [];
    for (let seq = 0; ; seq++) {
      const job = await store.jobs.get(`${run.id}-j${seq}`);
      if (!job) return jobs;
      jobs.push(job);
    }
  } finally {
    await store.close();
  }
}

describe('the energy economy in a run', () => {
  it('draws islands by energy, culls bankrupt islands and reseeds them from other islands\' elites', async () => {
    const economy = '\nallocation:\n  reportEvery: 10\n  economy:\n    initialEnergy: 2\n    checkEvery: 4\n    cullAfter: 1\n    reseed: 3\n';
    const repo = await createExampleRepo('circle-packing', smallBudget(50, economy));
    cleanups.push(() => repo.cleanup());
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], {});
    assert.equal(result.code, 0, result.stderr);

    const { events, islands, elites } = await ledgerOf(repo.dir);
    assert.ok(islands.length >= 45, `${islands.length} jobs`);
    assert.ok(islands.some((island, seq) => island !== seq % 4), 'not round-robin');
    const culls = events.filter((e): e is Extract<LedgerEvent, { type: 'island_culled' }> => e.type === 'island_culled');
    assert.ok(culls.length > 0, 'an island with 2 tickets of energy goes bankrupt within 50 evaluations');
    const best = events.filter((e) => e.type === 'best_improved').at(-1);
    for (const cull of culls) {
      assert.ok(cull.reseededIds.length > 0 && cull.reseededIds.length <= 3, JSON.stringify(cull));
      assert.equal(new Set(cull.reseededIds).size, cull.reseededIds.length, 'distinct elites');
    }
    // The store's elites follow the archive: every elite row names an individual of the run.
    const created = new Set(events.flatMap((e) => (e.type === 'individual_created' ? [e.individualId] : [])));
    for (const elite of elites) assert.ok(created.has(elite.individualId) || elite.individualId.endsWith('-i0'), elite.individualId);
    assert.ok(best, 'the run improved');

    const summaries = events.filter((e): e is Extract<LedgerEvent, { type: 'allocation_summary' }> => e.type === 'allocation_summary');
    assert.ok(summaries.length >= 4);
    const last = summaries.at(-1)!;
    assert.equal(last.islands.length, 4);
    for (const island of last.islands) {
      assert.equal(typeof island.energy, 'number');
      assert.equal(typeof island.share, 'number');
    }
    assert.equal(typeof last.gini, 'number');
    assert.ok(last.effectiveIslands! > 0 && last.effectiveIslands! <= 4);
    assert.ok(last.islands.reduce((s, i) => s + (i.culls ?? 0), 0) === culls.length);

    // The climbing strategies take the run's best elite as the parent; the others sample the archive.
    const arms = new Set(last.arms.map((a) => a.arm));
    assert.ok(arms.has('numeric^best') && arms.has('numeric'), [...arms].join(', '));
    const jobs = await jobsOf(repo.dir);
    const climbing = jobs.filter((j) => j.strategy?.parent === 'best');
    assert.ok(climbing.length > 0);
    for (const job of climbing) assert.match(job.strategy!.arm, /\^best$/);
    assert.ok(jobs.some((j) => j.strategy && j.strategy.parent === undefined && !j.strategy.arm.endsWith('^best')));

    const status = await runCli(['status', '--repo', repo.dir], {});
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /energy/);
  });

  it('keeps islands in turns with `economy.enabled: off` (and with policy fixed)', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(12, '\nallocation:\n  policy: fixed\n'));
    cleanups.push(() => repo.cleanup());
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], {});
    assert.equal(result.code, 0, result.stderr);
    const { islands, events } = await ledgerOf(repo.dir);
    assert.deepEqual(islands, islands.map((_, seq) => seq % 4));
    assert.ok(!events.some((e) => e.type === 'assimilation'), 'policy fixed turns the gate off too');
  });
});

// value.js holds X; the truth is 0 at the seed's X (measured exactly) and −1.5 anywhere else, where
// every measurement adds N(0, 2) noise: about one child in five measures above the seed once, yet
// none is truly better. (A noisy seed could itself measure high and leave nothing to challenge it.)
const NOISY_FILES = {
  'value.js': 'export const X = 0.5;\n',
  'eval.mjs': [
    "import { readFileSync } from 'node:fs';",
    "const text = readFileSync('value.js', 'utf8');",
    'const match = /X = ([-0-9.eE+]+);/.exec(text);',
    'const x = match ? Number(match[1]) : NaN;',
    'const truth = x === 0.5 ? 0 : -1.5;',
    'const noise = x === 0.5 ? 0 : 2 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());',
    'console.log(JSON.stringify({ score: truth + noise, true_score: truth }));',
    '',
  ].join('\n'),
  'cambrian.yaml': [
    'goal: raise the score',
    'evolve:',
    '  include: ["value.js"]',
    'evaluator:',
    '  command: node eval.mjs',
    '  timeoutMs: 10000',
    'metrics:',
    '  score: { direction: max }',
    '  true_score: { direction: max, description: the noise-free value (for this test only) }',
    'fitness: score',
    'budget:',
    '  maxEvaluations: 40',
    'archive:',
    '  warmup: 6',
    'operators:',
    '  numeric: { weight: 1 }',
    'allocation:',
    '  assimilation:',
    '    gate: on',
    '    samples: 8',
    '    alpha: 0.01',
    '',
  ].join('\n'),
};

describe('the assimilation gate in a run', () => {
  it('never moves the best branch to a truly worse challenger on a noisy evaluator', async () => {
    const repo = await createTempRepo(NOISY_FILES);
    cleanups.push(() => repo.cleanup());
    const result = await runCli(['run', '--repo', repo.dir, '--workers', '1'], {});
    assert.equal(result.code, 0, result.stderr);
    const { runId, events } = await ledgerOf(repo.dir);
    const truth = new Map<string, number>();
    for (const e of events) if (e.type === 'evaluation_finished' && e.metrics['true_score'] !== undefined) truth.set(e.individualId, e.metrics['true_score']!);
    const attempts = events.filter((e): e is Extract<LedgerEvent, { type: 'assimilation' }> => e.type === 'assimilation');
    assert.ok(attempts.some((a) => a.method === 'sampled'), 'lucky measurements were challenged');
    for (const attempt of attempts) {
      assert.ok(attempt.reasons.length > 0);
      if (attempt.method === 'screened') {
        // Within the learned noise of the best: not re-measured, never passed.
        assert.equal(attempt.evaluations, 0);
        assert.equal(attempt.passed, false);
        continue;
      }
      assert.equal(attempt.method, 'sampled');
      assert.equal(attempt.challenger.n, 8);
      // Fresh measurements of the incumbent, plus those remembered from earlier gates against it.
      assert.ok(attempt.incumbent.n >= 8, `incumbent measured ${attempt.incumbent.n} times`);
    }
    const moves = events.filter((e) => e.type === 'best_improved').map((e) => (e as { individualId: string }).individualId);
    for (let i = 1; i < moves.length; i++) {
      assert.ok(truth.get(moves[i]!)! >= truth.get(moves[i - 1]!)!, `best moved from ${moves[i - 1]} to the truly worse ${moves[i]}`);
    }
    // Every move after the seed's is one that passed the gate.
    const passed = new Set(attempts.filter((a) => a.passed).map((a) => a.individualId));
    for (const id of moves.slice(1)) assert.ok(passed.has(id), id);
    const best = await runCli(['best', '--repo', repo.dir, '--json'], {});
    assert.equal(best.code, 0, best.stderr);
    assert.equal((JSON.parse(best.stdout) as { run: string; individual: string }).individual, moves.at(-1), 'the best is the last individual the best moved to');
    assert.equal((JSON.parse(best.stdout) as { run: string }).run, runId);
  });
});
