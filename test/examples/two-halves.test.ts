import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCrossoverOperator } from '../../src/operators/offline/crossover.ts';
import { contextFor, individual } from '../operators/offline/git-fixture.ts';
import { assertHostilePenalised, assertPenalised, checkedExampleConfig, evaluate, evaluateNumericProposal, evaluateSeed, exampleDir, materialiseAndEvaluate, useSeededRepo, useWorkDir, variant, type ExampleProgram } from './example-support.ts';

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
const HALVES: ExampleProgram = { example: 'two-halves', file: 'left.js', invalid: INVALID };

/** The source of one half with its dials set to `values` (one per dial, in order). */
function withDials(source: string, values: readonly number[]): string {
  let i = 0;
  return source.replace(/^ {2}5\.0,$/gm, () => `  ${values[i++]!.toFixed(1)},`);
}

describe('two-halves example', () => {
  const work = useWorkDir('cambrian-halves-');

  it('has a cambrian.yaml that validates, evolving both halves', async () => {
    const config = await checkedExampleConfig('two-halves', ['left.js', 'right.js'], 'score');
    for (const metric of ['score', 'left', 'right', 'valid']) assert.equal(config.metrics[metric]?.direction, 'max');
    assert.equal(config.budget.maxEvaluations, 300);
  });

  it('scores the seed at its documented value, the halves adding up, on one JSON line', async () => {
    const result = await evaluateSeed('two-halves');
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4, `seed score ${result.json['score']}`);
    assert.equal(result.json['score'], result.json['left']! + result.json['right']!);
  });

  it('gives 100 with every dial on its notch, 50 for a half alone, and little between the click and a notch', async () => {
    const left = await variant('two-halves', work(), 'left-solved', 'left.js', (s) => withDials(s, notches.NOTCHES.left));
    await writeFile(join(left, 'right.js'), withDials(await readFile(join(left, 'right.js'), 'utf8'), notches.NOTCHES.right));
    const both = await evaluate(left);
    assert.equal(both.code, 0, both.stderr);
    assert.ok(Math.abs(both.json['score']! - 100) < 1e-9);
    const onlyLeft = await evaluate(await variant('two-halves', work(), 'only-left', 'left.js', (s) => withDials(s, notches.NOTCHES.left)));
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
    await assertPenalised(HALVES, work(), [
      ['fewer', (s) => s.replace('  // dial L8\n  5.0,\n', ''), /left\.js: expected exactly 8 dials, got 7/, 'left.js'],
      ['nan', (s) => s.replace('  // dial R3\n  5.0,', '  // dial R3\n  Number.NaN,'), /right\.js: dial 3 is not a finite number/, 'right.js'],
      ['string', (s) => s.replace('  // dial R8\n  5.0,', "  // dial R8\n  '5.0',"), /right\.js: dial 8 is not a finite number/, 'right.js'],
      ['no-right-export', (s) => s.replace('export function rightDials(', 'export function rightDialz('), /right\.js does not export rightDials\(\)/, 'right.js'],
    ]);
  });

  it('penalises hostile programs with the reason on stderr, and keeps its own metrics line last', async () => {
    await assertHostilePenalised(HALVES, work(), 'leftDials', ['score', SEED_SCORE]);
  });

  it('materialises as a git repository with the seed committed, whose evaluator runs there', async () => {
    const result = await materialiseAndEvaluate('two-halves', work(), ['README.md', 'cambrian.yaml', 'eval/evaluate.mjs', 'eval/notches.mjs', 'left.js', 'right.js']);
    assert.ok(Math.abs(result.json['score']! - SEED_SCORE) < 1e-4);
  });

  describe('with the offline operators', () => {
    const seeded = useSeededRepo('two-halves', [...FILES], PROTECTED);

    /** Score a commit's halves with the real evaluator. */
    async function scoreOf(name: string, contents: Partial<Record<(typeof FILES)[number], string>>): Promise<number> {
      const dir = join(work(), name);
      await cp(EXAMPLE, dir, { recursive: true });
      for (const [path, content] of Object.entries(contents)) await writeFile(join(dir, path), content);
      const result = await evaluate(dir);
      assert.equal(result.code, 0, result.stderr);
      return result.json['score']!;
    }

    it('numeric proposes in-scope edits to the dials that the evaluator can score', async () => {
      const result = await evaluateNumericProposal(seeded, join(work(), 'numeric-child'));
      assert.equal(result.code, 0, result.stderr);
      assert.notEqual(result.json['score'], SEED_SCORE);
    });

    it('crossover merges two children that tuned different dials into one that has both', async () => {
      // Child A tuned dials L1 and R2 on their notches; child B tuned L4 and R7. Every edit is on its
      // own line between label lines, so the 3-way merge against the seed takes all four.
      const { repo, seed, sources, scope } = seeded;
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
