import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellCoords, cellDistance, cellKey, metricCoords } from '../../../src/core/descriptors/binning.ts';

describe('binning', () => {
  it('bins coordinates in [0,1], with 1.0 in the last bin and outliers clamped', () => {
    assert.equal(cellKey([0, 0.35, 1], 10), '0,3,9');
    assert.equal(cellKey([0.999999, 0.1], 10), '9,1');
    assert.equal(cellKey([-0.5, 7], 4), '0,3');
    assert.throws(() => cellKey([Number.NaN], 4), /NaN/);
  });

  it('reads bin indices back from a key', () => {
    assert.deepEqual(cellCoords('3,7'), [3, 7]);
    assert.deepEqual(cellCoords(cellKey([0.55, 0.05, 0.95], 10)), [5, 0, 9]);
    assert.throws(() => cellCoords('3,x'), /malformed/);
  });

  it('measures Chebyshev distance between cells', () => {
    assert.equal(cellDistance([3, 3], [4, 2]), 1);
    assert.equal(cellDistance([3, 3], [3, 6]), 3);
  });

  it('scales metrics by their bounds, clipped, and reports a missing metric as null', () => {
    const descriptors = [
      { metric: 'length', min: 0, max: 200 },
      { metric: 'speed', min: 10, max: 20 },
    ];
    assert.deepEqual(metricCoords({ length: 50, speed: 25 }, descriptors), [0.25, 1]);
    assert.deepEqual(metricCoords({ length: -5, speed: 15 }, descriptors), [0, 0.5]);
    assert.equal(metricCoords({ length: 50 }, descriptors), null);
    assert.equal(metricCoords({ length: 50, speed: Number.NaN }, descriptors), null);
  });
});
