// The assimilation gate with scripted measurements: a lucky challenger fails, a real uplift
// passes, exact evaluators are recognised and then skipped, the holdout stage can veto, and a failed
// measurement fails the gate; the minimisation direction is respected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialGateState, runGate, type GateSettings, type Measure } from '../../src/allocation/assimilation.ts';

const SETTINGS: GateSettings = { mode: 'adaptive', samples: 4, alpha: 0.05, minUplift: 0, holdoutTolerance: 0 };

function scripted(values: { challenger: number[]; incumbent: number[]; holdout?: { challenger: number; incumbent: number } }): Measure & { calls: string[] } {
  const calls: string[] = [];
  const at = { challenger: 0, incumbent: 0 };
  const measure = (async (side, holdout) => {
    calls.push(`${side}${holdout ? ':holdout' : ''}`);
    if (holdout) return { fitness: values.holdout![side] };
    const list = values[side];
    const value = list[at[side]++ % list.length]!;
    return Number.isNaN(value) ? { failed: 'exit code 1' } : { fitness: value };
  }) as Measure & { calls: string[] };
  measure.calls = calls;
  return measure;
}

describe('assimilation gate', () => {
  it('fails a challenger whose high score was luck', async () => {
    const state = initialGateState();
    const measure = scripted({ challenger: [0.9, 1.1, 1.0, 0.95], incumbent: [1.0, 1.05, 0.98, 1.02] });
    const verdict = await runGate(SETTINGS, state, 'max', { challenger: 1.6, incumbent: 1.1 }, measure, false);
    assert.equal(verdict.passed, false);
    assert.equal(verdict.method, 'sampled');
    assert.equal(verdict.challenger.n, 4);
    assert.equal(measure.calls.length, 8, 'both sides measured `samples` times, interleaved');
    assert.deepEqual(measure.calls.slice(0, 2), ['challenger', 'incumbent']);
    assert.match(verdict.reasons.join(' '), /not significant/);
    assert.deepEqual({ attempts: state.attempts, passed: state.passed, evaluations: state.evaluations }, { attempts: 1, passed: 0, evaluations: 8 });
  });

  it('passes a real uplift and records the mean of the fresh measurements as its fitness', async () => {
    const verdict = await runGate(SETTINGS, initialGateState(), 'max', { challenger: 2.2, incumbent: 1.1 }, scripted({ challenger: [2.0, 2.1, 1.9, 2.0], incumbent: [1.0, 1.1, 0.9, 1.0] }), false);
    assert.equal(verdict.passed, true, verdict.reasons.join('; '));
    assert.ok(Math.abs(verdict.fitness - 2.0) < 1e-12);
    assert.ok(verdict.p < 0.001);
  });

  it('respects a minimum uplift and the minimisation direction', async () => {
    const lower = scripted({ challenger: [0.5, 0.51, 0.49, 0.5], incumbent: [1.0, 1.01, 0.99, 1.0] });
    const min = await runGate(SETTINGS, initialGateState(), 'min', { challenger: 0.4, incumbent: 1 }, lower, false);
    assert.equal(min.passed, true, min.reasons.join('; '));
    assert.ok(min.uplift > 0.49);
    const small = await runGate({ ...SETTINGS, minUplift: 0.6 }, initialGateState(), 'min', { challenger: 0.4, incumbent: 1 }, scripted({ challenger: [0.5, 0.51, 0.49, 0.5], incumbent: [1.0, 1.01, 0.99, 1.0] }), false);
    assert.equal(small.passed, false);
    assert.match(small.reasons.join(' '), /minUplift/);
  });

  it('recognises an exact evaluator after two reproductions and stops re-measuring', async () => {
    const state = initialGateState();
    for (let i = 0; i < 2; i++) {
      const measure = scripted({ challenger: [3], incumbent: [2] });
      const verdict = await runGate(SETTINGS, state, 'max', { challenger: 3, incumbent: 2 }, measure, false);
      assert.equal(verdict.method, 'exact');
      assert.equal(verdict.passed, true);
      assert.equal(measure.calls.length, 2, 'one measurement of each side is enough when both reproduce');
    }
    assert.equal(state.noiseless, true);
    const measure = scripted({ challenger: [9], incumbent: [9] });
    const verdict = await runGate(SETTINGS, state, 'max', { challenger: 4, incumbent: 3 }, measure, false);
    assert.equal(verdict.method, 'noiseless');
    assert.equal(verdict.passed, true);
    assert.deepEqual(measure.calls, []);
    const always = await runGate({ ...SETTINGS, mode: 'always' }, state, 'max', { challenger: 4, incumbent: 3 }, scripted({ challenger: [4], incumbent: [3] }), false);
    assert.equal(always.method, 'sampled', '`always` re-measures even a noiseless evaluator');
  });

  it('lets the holdout stage veto a challenger, and still runs it for a noiseless evaluator', async () => {
    const state = { ...initialGateState(), noiseless: true };
    const worse = scripted({ challenger: [], incumbent: [], holdout: { challenger: 0.7, incumbent: 0.8 } });
    const vetoed = await runGate(SETTINGS, state, 'max', { challenger: 2, incumbent: 1 }, worse, true);
    assert.equal(vetoed.passed, false);
    assert.deepEqual(worse.calls, ['challenger:holdout', 'incumbent:holdout']);
    assert.match(vetoed.reasons.join(' '), /holdout: challenger 0.7 is worse/);
    const tolerated = await runGate({ ...SETTINGS, holdoutTolerance: 0.2 }, state, 'max', { challenger: 2, incumbent: 1 }, scripted({ challenger: [], incumbent: [], holdout: { challenger: 0.7, incumbent: 0.8 } }), true);
    assert.equal(tolerated.passed, true);
  });

  it('fails the gate when a measurement fails', async () => {
    const verdict = await runGate(SETTINGS, initialGateState(), 'max', { challenger: 2, incumbent: 1 }, scripted({ challenger: [NaN], incumbent: [1] }), false);
    assert.equal(verdict.passed, false);
    assert.match(verdict.reasons[0]!, /re-measurement of the challenger failed: exit code 1/);
  });

  it('learns the noise, remembers the incumbent, and screens challengers within the noise of the best', async () => {
    const settings: GateSettings = { ...SETTINGS, samples: 3, screen: 2 };
    const state = initialGateState();
    // First gate: noise unknown, so the challenger is re-measured whatever its margin.
    const first = await runGate(settings, state, 'max', { challenger: 10.3, incumbent: 10, challengerId: 'c1', incumbentId: 'i' },
      scripted({ challenger: [10.1, 9.9, 10.0], incumbent: [10.05, 9.95, 10.0] }), false);
    assert.equal(first.method, 'sampled');
    assert.equal(first.passed, false);
    // Pooled within-side deviations: 0.02 + 0.005 over 2 + 2 degrees of freedom.
    assert.equal(state.noise.df, 4);
    assert.ok(Math.abs(state.noise.ss - 0.025) < 1e-12);
    assert.deepEqual(state.incumbent, { id: 'i', values: [10.05, 9.95, 10.0] }, 'the incumbent keeps its fresh measurements');
    const sd = Math.sqrt(0.025 / 4);
    // A challenger measured once at less than 2 sds above the incumbent's remembered mean: not re-measured.
    const near = scripted({ challenger: [99], incumbent: [99] });
    const screened = await runGate(settings, state, 'max', { challenger: 10 + 1.5 * sd, incumbent: 10, challengerId: 'c2', incumbentId: 'i' }, near, false);
    assert.equal(screened.method, 'screened');
    assert.equal(screened.passed, false);
    assert.deepEqual(near.calls, []);
    assert.equal(state.screened, 1);
    assert.equal(state.attempts, 1, 'a screened challenger is not an attempt');
    assert.match(screened.reasons[0]!, /screened: one measurement beats the best by .* less than 2 × the noise sd/);
    // Above the screen it is tested, and against every remembered measurement of the incumbent.
    const tested = await runGate(settings, state, 'max', { challenger: 10.5, incumbent: 10, challengerId: 'c3', incumbentId: 'i' },
      scripted({ challenger: [10.3, 10.35, 10.25], incumbent: [10.0, 9.98, 10.02] }), false);
    assert.equal(tested.method, 'sampled');
    assert.equal(tested.incumbent.n, 6, 'three remembered and three fresh measurements of the incumbent');
    assert.equal(tested.passed, true, tested.reasons.join('; '));
    assert.deepEqual(state.incumbent, { id: 'c3', values: [10.3, 10.35, 10.25] }, 'the new best brings its own fresh measurements');
    // A different incumbent id: the memory is not used for it.
    const other = await runGate({ ...settings, screen: 0 }, state, 'max', { challenger: 11, incumbent: 10, challengerId: 'c4', incumbentId: 'j' },
      scripted({ challenger: [10, 10.01, 9.99], incumbent: [10, 10.01, 9.99] }), false);
    assert.equal(other.incumbent.n, 3);
  });

  it('tests with the pooled noise estimate once it is trusted: a small real uplift passes that Welch on 3 samples misses', async () => {
    const challenger = [10.2, 10.26, 10.14];
    const incumbent = [10.0, 10.1, 9.95];
    const fresh = await runGate({ ...SETTINGS, samples: 3 }, initialGateState(), 'max', { challenger: 10.3, incumbent: 10 }, scripted({ challenger, incumbent }), false);
    const state = { ...initialGateState(), noise: { ss: 0.0025 * 40, df: 40 } }; // sd 0.05, well measured
    const pooled = await runGate({ ...SETTINGS, samples: 3, screen: 0 }, state, 'max', { challenger: 10.3, incumbent: 10 }, scripted({ challenger, incumbent }), false);
    assert.ok(pooled.p < fresh.p, `pooled p ${pooled.p} < Welch p ${fresh.p}`);
    assert.ok(pooled.p < 0.01);
  });
});
