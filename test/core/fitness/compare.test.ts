import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareFitness, isBetter } from '../../../src/core/fitness/compare.ts';

describe('fitness comparison', () => {
  it('treats larger as better for max and smaller as better for min', () => {
    assert.equal(isBetter(2, 1, 'max'), true);
    assert.equal(isBetter(1, 2, 'max'), false);
    assert.equal(isBetter(1, 2, 'min'), true);
    assert.equal(isBetter(2, 1, 'min'), false);
  });

  it('is strict: an equal fitness is never better', () => {
    assert.equal(isBetter(1, 1, 'max'), false);
    assert.equal(isBetter(1, 1, 'min'), false);
  });

  it('lets any fitness beat a missing incumbent, but never a NaN candidate', () => {
    assert.equal(isBetter(-1e9, null, 'max'), true);
    assert.equal(isBetter(1e9, undefined, 'min'), true);
    assert.equal(isBetter(Number.NaN, null, 'max'), false);
  });

  it('sorts best-first in both directions, infinities included', () => {
    const values = [3, -Infinity, 1, Infinity, 2, 2];
    assert.deepEqual(values.slice().sort((a, b) => compareFitness(a, b, 'max')), [Infinity, 3, 2, 2, 1, -Infinity]);
    assert.deepEqual(values.slice().sort((a, b) => compareFitness(a, b, 'min')), [-Infinity, 1, 2, 2, 3, Infinity]);
    assert.equal(compareFitness(Infinity, Infinity, 'max'), 0);
  });
});
