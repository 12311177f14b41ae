import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertPenalised, checkedExampleConfig, evaluate, evaluateNumericProposal, evaluateSeed, useSeededRepo, useWorkDir, variant, type ExampleProgram } from './example-support.ts';

const CIRCLES: ExampleProgram = { example: 'circle-packing', file: 'pack.js', invalid: { sum_radii: 0, valid: 0, num_circles: 26 } };

describe('circle-packing example', () => {
  const work = useWorkDir('cambrian-circles-');

  it('has a cambrian.yaml that validates against the config schema', async () => {
    const config = await checkedExampleConfig('circle-packing', ['pack.js'], 'sum_radii');
    assert.equal(config.metrics['sum_radii']?.direction, 'max');
    assert.equal(config.metrics['valid']?.direction, 'max');
  });

  it('scores the naive seed as valid, clearly below the known optimum, on one JSON line', async () => {
    const result = await evaluateSeed('circle-packing');
    assert.equal(result.json['num_circles'], 26);
    assert.ok(result.json['sum_radii']! > 1.0 && result.json['sum_radii']! < 1.6, `seed sum ${result.json['sum_radii']}`);
  });

  it('rejects a packing whose circles overlap, with the reason on stderr', async () => {
    await assertPenalised(CIRCLES, work(), [
      ['overlap', (p) => p.replace('return centres.map(([x, y], i) => [x, y, radii[i]]);', 'return centres.map(([x, y], i) => [x, y, radii[i] * 1.01]);'), /overlap|leaves the unit square/],
    ]);
  });

  it('rejects circles outside the square and the wrong number of circles', async () => {
    const outside = await evaluate(await variant('circle-packing', work(), 'outside', 'pack.js', (p) => p.replace('export const SPREAD = 1.0;', 'export const SPREAD = 1.8;')));
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /radius 0; radii must be > 0/);

    const fewer = await evaluate(await variant('circle-packing', work(), 'fewer', 'pack.js', (p) => p.replace('  [-0.3, -0.24],\n', '')));
    assert.equal(fewer.code, 1);
    assert.equal(fewer.json['num_circles'], 25);
    assert.match(fewer.stderr, /expected exactly 26 circles, got 25/);

    const broken = await evaluate(await variant('circle-packing', work(), 'broken', 'pack.js', (p) => p.replace('export function packCircles', 'export function packCirclesRenamed')));
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /does not export packCircles/);
  });

  describe('with the numeric operator', () => {
    const seeded = useSeededRepo('circle-packing', ['pack.js'], ['eval/evaluate.mjs', 'cambrian.yaml']);

    it('proposes in-scope edits that the evaluator can score', async () => {
      const result = await evaluateNumericProposal(seeded, join(work(), 'mutated'));
      assert.equal(result.stdoutLines, 1);
      assert.equal(result.json['num_circles'], 26);
    });
  });
});
