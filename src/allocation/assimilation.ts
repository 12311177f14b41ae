// The assimilation gate (Evolora's, before a challenger becomes the run's best): one lucky
// measurement must not move the best branch.
//
// A child whose fitness beats the current best is re-measured beside the incumbent — fresh
// evaluations of both, interleaved, the original measurements left out (each was selected for being
// high, so both are biased) — and must pass a one-sided Welch t-test (p ≤ alpha) with an uplift of
// at least `minUplift`; then, when the evaluator has holdout stages, it must do no worse than the
// incumbent on them (within `holdoutTolerance`). Only a challenger that passed becomes the best.
//
// Adaptive mode keeps deterministic evaluators cheap: it first measures each side once; when both
// reproduce their recorded values exactly the measurement is exact (no further samples needed), and
// after two such gates the evaluator is taken as noiseless and later gates skip re-measurement
// (holdout stages still run). Any difference means noise: the gate then takes `samples` of each.
import type { Direction } from '../core/types.ts';
import { describe, welchGreater, type Sample } from './welch.ts';

export interface GateSettings {
  /** `adaptive`: detect exact evaluators and stop re-measuring them; `always`: every gate samples. */
  mode: 'adaptive' | 'always';
  samples: number;
  alpha: number;
  minUplift: number;
  holdoutTolerance: number;
}

export interface GateState {
  version: 1;
  attempts: number;
  passed: number;
  /** Gates at which both sides reproduced their recorded values exactly. */
  exactGates: number;
  noiseless: boolean;
  /** Evaluations the gate ran (re-measurements and holdout runs); not counted in the budget. */
  evaluations: number;
}

export function initialGateState(): GateState {
  return { version: 1, attempts: 0, passed: 0, exactGates: 0, noiseless: false, evaluations: 0 };
}

export function parseGateState(raw: unknown): GateState | null {
  if (raw === null || typeof raw !== 'object') return null;
  const s = raw as Partial<GateState>;
  if (s.version !== 1) return null;
  return {
    version: 1,
    attempts: s.attempts ?? 0,
    passed: s.passed ?? 0,
    exactGates: s.exactGates ?? 0,
    noiseless: s.noiseless === true,
    evaluations: s.evaluations ?? 0,
  };
}

/** Exact reproductions after which an evaluator is taken as noiseless. */
export const EXACT_GATES_FOR_NOISELESS = 2;

/** One fresh measurement of a side's fitness: a number, or why it could not be measured. */
export type Measure = (side: 'challenger' | 'incumbent', holdout: boolean) => Promise<{ fitness: number } | { failed: string }>;

export interface GateVerdict {
  passed: boolean;
  /** Why it passed or failed, one line each. */
  reasons: string[];
  challenger: Sample;
  incumbent: Sample;
  /** Challenger minus incumbent, in the fitness direction (positive = better). */
  uplift: number;
  p: number;
  holdout: { challenger: number | null; incumbent: number | null } | null;
  /** Evaluations this gate ran. */
  evaluations: number;
  /** The challenger's fitness to record as the best's: the mean of its fresh measurements. */
  fitness: number;
  /** How the gate measured: `exact` (reproduced once), `noiseless` (skipped), `sampled`. */
  method: 'exact' | 'noiseless' | 'sampled';
}

export async function runGate(
  settings: GateSettings,
  state: GateState,
  direction: Direction,
  recorded: { challenger: number; incumbent: number },
  measure: Measure,
  holdoutStages: boolean,
): Promise<GateVerdict> {
  const sign = direction === 'max' ? 1 : -1;
  const challenger: number[] = [];
  const incumbent: number[] = [];
  let evaluations = 0;
  const reasons: string[] = [];
  let failure: string | null = null;
  const take = async (side: 'challenger' | 'incumbent', holdout: boolean): Promise<number | null> => {
    evaluations++;
    const got = await measure(side, holdout);
    if ('failed' in got) {
      failure ??= `${holdout ? 'holdout' : 're-measurement'} of the ${side} failed: ${got.failed}`;
      return null;
    }
    return got.fitness;
  };
  /** Measures both sides `n` more times, interleaved; false when a measurement failed. */
  const sample = async (n: number): Promise<boolean> => {
    for (let i = 0; i < n; i++) {
      const c = await take('challenger', false);
      if (c === null) return false;
      challenger.push(c);
      const b = await take('incumbent', false);
      if (b === null) return false;
      incumbent.push(b);
    }
    return true;
  };

  let method: GateVerdict['method'] = 'sampled';
  let measured = true;
  if (settings.mode === 'adaptive' && state.noiseless) {
    method = 'noiseless';
    challenger.push(recorded.challenger);
    incumbent.push(recorded.incumbent);
  } else if (settings.mode === 'adaptive') {
    measured = await sample(1);
    if (measured && challenger[0] === recorded.challenger && incumbent[0] === recorded.incumbent) {
      method = 'exact';
      state.exactGates++;
      if (state.exactGates >= EXACT_GATES_FOR_NOISELESS) state.noiseless = true;
    } else if (measured) {
      measured = await sample(Math.max(1, settings.samples - 1));
    }
  } else {
    measured = await sample(Math.max(1, settings.samples));
  }

  const c = describe(challenger.map((v) => sign * v));
  const b = describe(incumbent.map((v) => sign * v));
  const uplift = c.mean - b.mean;
  const { p } = measured ? welchGreater(c, b) : { p: 1 };
  let passed = measured;
  if (!measured) reasons.push(failure ?? 'a measurement failed');
  if (measured) {
    if (p <= settings.alpha) reasons.push(`uplift significant: p = ${formatP(p)} ≤ alpha ${settings.alpha}`);
    else {
      passed = false;
      reasons.push(`uplift not significant: p = ${formatP(p)} > alpha ${settings.alpha} (${c.n} vs ${b.n} measurements)`);
    }
    if (uplift >= settings.minUplift && uplift > 0) reasons.push(`uplift ${round(uplift)} ≥ ${settings.minUplift}`);
    else {
      passed = false;
      reasons.push(uplift > 0 ? `uplift ${round(uplift)} < minUplift ${settings.minUplift}` : `no uplift (${round(uplift)})`);
    }
  }

  let holdout: GateVerdict['holdout'] = null;
  if (passed && holdoutStages) {
    const hc = await take('challenger', true);
    const hb = hc === null ? null : await take('incumbent', true);
    holdout = { challenger: hc, incumbent: hb };
    if (hc === null) {
      passed = false;
      reasons.push(failure ?? 'the holdout stage failed');
    } else if (hb === null) {
      // The incumbent cannot be measured on the holdout: the challenger, which can, is not worse.
      reasons.push(`holdout: challenger ${round(hc)}, incumbent could not be measured (${failure ?? 'failed'})`);
    } else if (sign * (hc - hb) >= -settings.holdoutTolerance) {
      reasons.push(`holdout: challenger ${round(hc)} vs incumbent ${round(hb)} (tolerance ${settings.holdoutTolerance})`);
    } else {
      passed = false;
      reasons.push(`holdout: challenger ${round(hc)} is worse than incumbent ${round(hb)} by more than ${settings.holdoutTolerance}`);
    }
  }

  state.attempts++;
  if (passed) state.passed++;
  state.evaluations += evaluations;
  return {
    passed,
    reasons,
    challenger: { ...c, mean: sign * c.mean },
    incumbent: { ...b, mean: sign * b.mean },
    uplift,
    p,
    holdout,
    evaluations,
    fitness: challenger.length > 0 ? sign * c.mean : recorded.challenger,
    method,
  };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
