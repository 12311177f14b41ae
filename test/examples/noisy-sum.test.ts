import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertHostilePenalised, assertPenalised, checkedExampleConfig, evaluate, evaluateNumericProposal, evaluateSeed, exampleDir, materialiseAndEvaluate, useSeededRepo, useWorkDir, variant, type ExampleProgram } from './example-support.ts';

/** The example's landscape and evaluator are plain JavaScript: their exports, as the tests use them. */
interface Returns {
  OPTIMAL_RETURN: number;
  PROJECTS: ReadonlyArray<{ name: string; value: number; cost: number }>;
  optimalHours(): number[];
  trueScore(shares: readonly number[]): number;
}
const { OPTIMAL_RETURN, PROJECTS, optimalHours, trueScore } = (await import(new URL('../../examples/noisy-sum/eval/returns.mjs', import.meta.url).href)) as Returns;
const { DEFAULT_NOISE_SD } = (await import(new URL('../../examples/noisy-sum/eval/evaluate.mjs', import.meta.url).href)) as { DEFAULT_NOISE_SD: number };

const EXAMPLE = exampleDir('noisy-sum');
/** The seed's noise-free score, as its README documents it. */
const SEED_TRUE_SCORE = 83.5141;
const SHARES: ExampleProgram = { example: 'noisy-sum', file: 'budget.js', invalid: { score: 0, true_score: 0, valid: 0 } };

describe('noisy-sum example', () => {
  const work = useWorkDir('cambrian-noisy-');

  it('has a cambrian.yaml that validates, with the noisy score as fitness and the true score beside it', async () => {
    const config = await checkedExampleConfig('noisy-sum', ['budget.js'], 'score');
    for (const metric of ['score', 'true_score', 'valid']) assert.equal(config.metrics[metric]?.direction, 'max');
    assert.match(config.metrics['true_score']?.description ?? '', /not the fitness/i);
    assert.equal(config.budget.maxEvaluations, 300);
  });

  it('scores the even seed split at its documented true score, with noise of the documented size', async () => {
    const result = await evaluateSeed('noisy-sum');
    assert.ok(Math.abs(result.json['true_score']! - SEED_TRUE_SCORE) < 1e-4, `seed true_score ${result.json['true_score']}`);
    assert.ok(Math.abs(result.json['score']! - result.json['true_score']!) < 6 * DEFAULT_NOISE_SD, `score ${result.json['score']}`);
  });

  it('measures the same program differently each time, and exactly with NOISY_SUM_SD=0', async () => {
    const scores = await Promise.all([evaluate(EXAMPLE), evaluate(EXAMPLE), evaluate(EXAMPLE)]);
    assert.equal(new Set(scores.map((s) => s.json['score'])).size, 3);
    assert.equal(new Set(scores.map((s) => s.json['true_score'])).size, 1);
    const exact = await evaluate(EXAMPLE, { NOISY_SUM_SD: '0' });
    assert.equal(exact.json['score'], exact.json['true_score']);
  });

  it('gives the water-filling split a true score of 100, and no other split more', async () => {
    const best = optimalHours();
    assert.ok(Math.abs(trueScore(best) - 100) < 1e-9);
    assert.ok(OPTIMAL_RETURN > 61.64 && OPTIMAL_RETURN < 61.65);
    // Moving an hour between any two projects never helps (the optimum is a maximum, not a saddle).
    for (let i = 0; i < PROJECTS.length; i++) {
      for (let j = 0; j < PROJECTS.length; j++) {
        if (i === j || best[i]! < 1) continue;
        const moved = best.slice();
        moved[i]! -= 1;
        moved[j]! += 1;
        assert.ok(trueScore(moved) < 100, `moving an hour from ${i} to ${j}`);
      }
    }
    const dir = await variant('noisy-sum', work(), 'optimal', 'budget.js', (s) =>
      s.replace(/export const SHARES = \[[\s\S]*?\];/, `export const SHARES = [${best.join(', ')}];`));
    const result = await evaluate(dir, { NOISY_SUM_SD: '0' });
    assert.ok(Math.abs(result.json['true_score']! - 100) < 1e-9, `optimal true_score ${result.json['true_score']}`);
  });

  it('penalises shares that are not 12 finite numbers with at least one positive', async () => {
    await assertPenalised(SHARES, work(), [
      ['fewer', (s) => s.replace('  1.0, // loom\n', ''), /expected exactly 12 shares, got 11/],
      ['nan', (s) => s.replace('1.0, // kiln', 'Number.NaN, // kiln'), /share 10 \(kiln\) is not a finite number/],
      ['string', (s) => s.replace('1.0, // kiln', "'1.0', // kiln"), /share 10 \(kiln\) is not a finite number/],
      ['none-positive', (s) => s.replace(/ 1\.0,/g, ' -1.0,'), /no share is positive/],
      ['overflow', (s) => s.replace(/ 1\.0,/g, ' 1e308,'), /too large to add up/],
    ]);
  });

  it('counts a negative share as no hours rather than failing', async () => {
    const dir = await variant('noisy-sum', work(), 'negative', 'budget.js', (s) => s.replace('1.0, // loom', '-3.0, // loom'));
    const result = await evaluate(dir, { NOISY_SUM_SD: '0' });
    assert.equal(result.code, 0, result.stderr);
    const shares: number[] = new Array(PROJECTS.length).fill(1);
    shares[PROJECTS.length - 1] = 0;
    assert.ok(Math.abs(result.json['true_score']! - trueScore(shares)) < 1e-9);
  });

  it('penalises hostile programs with the reason on stderr, and keeps its own metrics line last', async () => {
    await assertHostilePenalised(SHARES, work(), 'projectShares', ['true_score', SEED_TRUE_SCORE]);
  });

  it('materialises as a git repository with the seed committed, whose evaluator runs there', async () => {
    const result = await materialiseAndEvaluate('noisy-sum', work(), ['README.md', 'budget.js', 'cambrian.yaml', 'eval/evaluate.mjs', 'eval/returns.mjs']);
    assert.equal(result.code, 0, result.stderr);
  });

  describe('with the numeric operator', () => {
    const seeded = useSeededRepo('noisy-sum', ['budget.js'], ['eval/evaluate.mjs', 'eval/returns.mjs', 'cambrian.yaml']);

    it('proposes in-scope edits to the shares that the evaluator can score', async () => {
      const result = await evaluateNumericProposal(seeded, join(work(), 'mutated'), { NOISY_SUM_SD: '0' });
      assert.equal(result.code, 0, result.stderr);
      assert.notEqual(result.json['true_score'], SEED_TRUE_SCORE);
    });
  });
});
