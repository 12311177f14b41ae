// The loop state as persisted: the projection is written only when it changed, and a resume takes
// the RNG from whichever was written for the later job (the loop state or a job's checkpoint).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialLoopState, loopStateRecord, parseLoopState, resumedRng } from '../../src/evolution/loop-state.ts';

describe('loop state', () => {
  const projection = { mean: [0], components: [[1]], scale: [1] };

  it('leaves the projection out of the record unless it changed', () => {
    const state = { ...initialLoopState([1, 2, 3, 4]), projection, nextJobSeq: 7 };
    assert.equal('projection' in loopStateRecord(state, [5, 6, 7, 8], { withProjection: false }), false);
    assert.deepEqual(loopStateRecord(state, [5, 6, 7, 8], { withProjection: true }), { ...state, rng: [5, 6, 7, 8] });
    // Read back without a projection (none fitted yet), it is null.
    assert.equal(parseLoopState(loopStateRecord(state, [5, 6, 7, 8], { withProjection: false })).projection, null);
  });

  it('resumes from a job checkpoint written after the loop state, else from the loop state', () => {
    const state = { ...initialLoopState([1, 1, 1, 1]), nextJobSeq: 10 };
    assert.deepEqual(resumedRng(state, null), { rng: [1, 1, 1, 1], nextJobSeq: 10 });
    assert.deepEqual(resumedRng(state, { seq: 9, rngState: [9, 9, 9, 9] }), { rng: [1, 1, 1, 1], nextJobSeq: 10 });
    assert.deepEqual(resumedRng(state, { seq: 10, rngState: [2, 2, 2, 2] }), { rng: [2, 2, 2, 2], nextJobSeq: 11 });
    assert.deepEqual(resumedRng(state, { seq: 12, rngState: [3, 3, 3, 3] }), { rng: [3, 3, 3, 3], nextJobSeq: 13 });
  });

  it('keeps the failure counters across a save, and reads a state saved before them as zero', () => {
    const state = { ...initialLoopState([1, 2, 3, 4]), operatorFailures: 7, lastOperatorFailure: 'llm-diff: could not connect' };
    const saved = parseLoopState(JSON.parse(JSON.stringify(loopStateRecord(state, [1, 2, 3, 4], { withProjection: false }))) as Record<string, unknown>);
    assert.equal(saved.operatorFailures, 7);
    assert.equal(saved.lastOperatorFailure, 'llm-diff: could not connect');
    const { operatorFailures: _o, infraFailures: _i, lastOperatorFailure: _lo, lastInfraFailure: _li, ...old } = initialLoopState([1, 2, 3, 4]);
    const parsed = parseLoopState(old as unknown as Record<string, unknown>);
    assert.equal(parsed.operatorFailures, 0);
    assert.equal(parsed.infraFailures, 0);
    assert.equal(parsed.lastInfraFailure, null);
  });
});
