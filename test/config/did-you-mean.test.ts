import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closestMatch, editDistance } from '../../src/config/did-you-mean.ts';

describe('did you mean', () => {
  it('measures edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  it('suggests keys across case, underscores, small typos and abbreviations', () => {
    const keys = ['timeoutMs', 'repeats', 'memoryMb', 'maxEvaluations', 'maxWallClockMs'];
    assert.equal(closestMatch('timeout_ms', keys), 'timeoutMs');
    assert.equal(closestMatch('repaets', keys), 'repeats');
    assert.equal(closestMatch('memory-mb', keys), 'memoryMb');
    assert.equal(closestMatch('maxEvals', keys), 'maxEvaluations');
  });

  it('stays quiet when nothing is plausibly meant', () => {
    assert.equal(closestMatch('colour', ['timeoutMs', 'repeats']), undefined);
    assert.equal(closestMatch('x', ['y', 'seed']), undefined);
    assert.equal(closestMatch('maxi', ['maxFiles', 'maxChangedLines']), undefined);
  });
});
