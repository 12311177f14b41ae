import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { materialiseExample } from '../../src/cli/example.ts';
import { createCrossoverOperator } from '../../src/operators/offline/crossover.ts';
import { createNumericOperator } from '../../src/operators/offline/numeric.ts';
import { checkChanges } from '../../src/operators/scope.ts';
import { contextFor, createTempRepo, defaultScope, individual, type TempRepo } from '../operators/offline/git-fixture.ts';
import { evaluate, exampleConfig, exampleDir, hostileEdits, variant } from './example-support.ts';

const run = promisify(execFile);
const EXAMPLE = exampleDir('two-halves');
const FILES = ['left.js', 'right.js'] as const;
const PROTECTED = ['eval/evaluate.mjs', 'eval/notches.mjs', 'cambrian.yaml'];

/** The example's notches are plain JavaScript: their exports, as the tests use them. */
interface Notches {
  DIALS_PER_HALF: number;
  NOTCHES: { left: readonly number[]; right: readonly number[] };
  halfPoints(dials: readonly number[], notches: readonly number[]): number;
  dialCredit(value: number, notch: number): number;
}
const notches = (await import(new URL('../../examples/two-halves/eval/notches.mjs', import.meta.url).href)) as Notches;

/** The seed's score, as its README documents it. */
const SEED_SCORE = 20;
const INVALID = { score: 0, left: 0, right: 0, valid: 0 };

/** The source of one half with its dials set to `values` (one per dial, in order). */
function withDials(source: string, values: readonly number[]): string {
  let i = 0;
  return source.replace(/^ {2}5\.0,$/gm, () => `  ${values[i++]!.toFixed(1)},`);
}

describe('two-halves example', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'cambrian-halves-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('has a cambrian.yaml that validates, evolving both halves', async () => {
    const config = await exampleConfig('two-halves');
    assert.deepEqual(config.evolve.include, ['left.js', 'right.js']);
    assert.equal(config.evaluator.command, 'node eval/evaluate.mjs');
    assert.equal(config.fitness, 'score');
    for (const metric of ['score', 'left', 'right', 'valid']) assert.equal(config.metrics[metric]?.direction, 'max');
    assert.equal(config.budget.maxEvaluations, 300);
    assert.deepEqual(Object.keys(config.operators).sort(), ['crossover', 'numeric']);
  });

  it('scores the seed at its documented value, the halves adding up, on one JSON line', async () => {
    const result = await evaluate(EXAMPLE);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdoutLines, 1);
    assert.equal(result.json['valid'], 1);
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4, `seed score ${result.json['score']}`);
    assert.equal(result.json['score'], result.json['left']! + result.json['right']!);
  });

  it('gives 100 with every dial on its notch, 50 for a half alone, and little between the click and a notch', async () => {
    const left = await variant('two-halves', work, 'left-solved', 'left.js', (s) => withDials(s, notches.NOTCHES.left));
    await writeFile(join(left, 'right.js'), withDials(await readFile(join(left, 'right.js'), 'utf8'), notches.NOTCHES.right));
    const both = await evaluate(left);
    assert.equal(both.code, 0, both.stderr);
    assert.ok(Math.abs(both.json['score']! - 100) < 1e-9);
    const onlyLeft = await evaluate(await variant('two-halves', work, 'only-left', 'left.js', (s) => withDials(s, notches.NOTCHES.left)));
    assert.ok(Math.abs(onlyLeft.json['left']! - 50) < 1e-9);
    assert.ok(Math.abs(onlyLeft.json['right']! - 10) < 1e-9);
    // Every dial sits on its click: a small step either way loses credit, and halfway to the notch is a dip.
    for (const [i, notch] of notches.NOTCHES.left.entries()) {
      const click = notches.dialCredit(5, notch);
      assert.ok(Math.abs(click - 0.2) < 1e-6, `dial ${i} click ${click}`);
      assert.ok(notches.dialCredit(5.05, notch) < click && notches.dialCredit(4.95, notch) < click);
      assert.ok(notches.dialCredit((5 + notch) / 2, notch) < 0.05);
    }
  });

  it('penalises halves that are not 8 finite numbers each', async () => {
    const cases: Array<[string, string, (s: string) => string, RegExp]> = [
      ['fewer', 'left.js', (s) => s.replace('  // dial L8\n  5.0,\n', ''), /left\.js: expected exactly 8 dials, got 7/],
      ['nan', 'right.js', (s) => s.replace('  // dial R3\n  5.0,', '  // dial R3\n  Number.NaN,'), /right\.js: dial 3 is not a finite number/],
      ['string', 'right.js', (s) => s.replace('  // dial R8\n  5.0,', "  // dial R8\n  '5.0',"), /right\.js: dial 8 is not a finite number/],
      ['no-right-export', 'right.js', (s) => s.replace('export function rightDials(', 'export function rightDialz('), /right\.js does not export rightDials\(\)/],
    ];
    for (const [name, file, edit, reason] of cases) {
      const result = await evaluate(await variant('two-halves', work, name, file, edit));
      assert.equal(result.code, 1, name);
      assert.deepEqual(result.json, INVALID, name);
      assert.match(result.stderr, reason, name);
    }
  });

  it('penalises hostile programs with the reason on stderr, and keeps its own metrics line last', async () => {
    for (const { name, edit, stderr } of hostileEdits('leftDials')) {
      const result = await evaluate(await variant('two-halves', work, `hostile-${name}`, 'left.js', edit));
      if (stderr === null) {
        assert.equal(result.code, 0, `${name}: ${result.stderr}`);
        assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4, name);
        continue;
      }
      assert.equal(result.code, 1, name);
      assert.deepEqual(result.json, INVALID, name);
      assert.match(result.stderr, stderr, name);
    }
  });

  it('materialises as a git repository with the seed committed, whose evaluator runs there', async () => {
    const dir = join(work, 'materialised');
    await materialiseExample('two-halves', dir);
    const { stdout } = await run('git', ['log', '--format=%s'], { cwd: dir });
    assert.equal(stdout.trim(), 'two-halves: seed program');
    const { stdout: files } = await run('git', ['ls-files'], { cwd: dir });
    assert.deepEqual(files.trim().split('\n').sort(), ['README.md', 'cambrian.yaml', 'eval/evaluate.mjs', 'eval/notches.mjs', 'left.js', 'right.js']);
    const result = await evaluate(dir);
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4);
  });

  describe('with the offline operators', () => {
    let repo: TempRepo;
    let seed: string;
    let sources: Record<string, string>;
    const scope = { ...defaultScope([...FILES]), protect: PROTECTED };
    before(async () => {
      repo = await createTempRepo();
      sources = {};
      for (const path of [...FILES, ...PROTECTED]) sources[path] = await readFile(join(EXAMPLE, path), 'utf8');
      seed = await repo.commit(sources);
    });
    after(() => repo.cleanup());

    /** Score a commit's halves with the real evaluator. */
    async function scoreOf(name: string, contents: Partial<Record<(typeof FILES)[number], string>>): Promise<number> {
      const dir = join(work, name);
      await cp(EXAMPLE, dir, { recursive: true });
      for (const [path, content] of Object.entries(contents)) await writeFile(join(dir, path), content);
      const result = await evaluate(dir);
      assert.equal(result.code, 0, result.stderr);
      return result.json['score']!;
    }

    it('numeric proposes in-scope edits to the dials that the evaluator can score', async () => {
      const proposal = await createNumericOperator().propose(contextFor(repo, individual('seed', seed), { seed: 2, scope }));
      assert.equal(proposal.kind, 'changes');
      if (proposal.kind !== 'changes') return;
      assert.deepEqual(await checkChanges(scope, proposal.changes, (p) => repo.files.readFile(seed, p)), { ok: true });
      const contents = Object.fromEntries(proposal.changes.map((c) => [c.path, c.content!]));
      assert.notEqual(await scoreOf('numeric-child', contents), SEED_SCORE);
    });

    it('crossover merges two children that tuned different dials into one that has both', async () => {
      // Child A tuned dials L1 and R2 on their notches; child B tuned L4 and R7. Every edit is on its
      // own line between label lines, so the 3-way merge against the seed takes all four.
      const left = sources['left.js']!;
      const right = sources['right.js']!;
      const set = (source: string, label: string, value: number) => source.replace(`// dial ${label}\n  5.0,`, `// dial ${label}\n  ${value},`);
      const a = await repo.commit({ 'left.js': set(left, 'L1', notches.NOTCHES.left[0]!), 'right.js': set(right, 'R2', notches.NOTCHES.right[1]!) }, seed);
      const b = await repo.commit({ 'left.js': set(left, 'L4', notches.NOTCHES.left[3]!), 'right.js': set(right, 'R7', notches.NOTCHES.right[6]!) }, seed);
      const proposal = await createCrossoverOperator().propose(
        contextFor(repo, individual('a', a), { seed: 3, scope, baseCommit: seed, inspirations: [individual('b', b)] }),
      );
      assert.equal(proposal.kind, 'changes');
      if (proposal.kind !== 'changes') return;
      assert.match(proposal.description, /3-way/);
      const child = Object.fromEntries(proposal.changes.map((c) => [c.path, c.content!]));
      const scoreA = await scoreOf('parent-a', { 'left.js': (await repo.files.readFile(a, 'left.js'))!, 'right.js': (await repo.files.readFile(a, 'right.js'))! });
      const scoreB = await scoreOf('parent-b', { 'left.js': (await repo.files.readFile(b, 'left.js'))!, 'right.js': (await repo.files.readFile(b, 'right.js'))! });
      const scoreChild = await scoreOf('crossover-child', child);
      // Each dial moved from its click to its notch adds 50/8 × (1 − 0.2) = 5 points.
      assert.ok(Math.abs(scoreA - 30) < 1e-9 && Math.abs(scoreB - 30) < 1e-9, `parents ${scoreA} and ${scoreB}`);
      assert.ok(Math.abs(scoreChild - 40) < 1e-9, `child ${scoreChild}`);
    });
  });
});
