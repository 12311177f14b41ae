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
//
// On a noisy evaluator most challengers are noise: late in a run, half of the children of the best
// measure above it once by luck. Three things keep the gate from ever being talked into a worse
// challenger by sheer number of attempts (docs/adr/0015):
// - the gate learns the evaluator's noise (pooled within-individual variance of its fresh samples)
//   and tests against that pooled estimate with its degrees of freedom, not the 3-sample Welch
//   variance, which has almost none;
// - the incumbent's fresh measurements are remembered across gates (they are unbiased), so it is
//   known ever more precisely;
// - once the noise is known, a challenger whose single measurement beats the best by less than
//   `screen` noise standard deviations is not re-measured at all (`screened`): that is where
//   nearly all of the lucky measurements are, so a truly worse challenger rarely even gets a test.
import type { Direction } from '../core/types.ts';
import { describe, studentCdf, welchGreater, type Sample } from './welch.ts';

export interface GateSettings {
  /** `adaptive`: detect exact evaluators and stop re-measuring them; `always`: every gate samples. */
  mode: 'adaptive' | 'always';
  samples: number;
  alpha: number;
  minUplift: number;
  holdoutTolerance: number;
  /** Noise standard deviations by which a single measurement must beat the best to be re-measured (0: always). */
  screen?: number;
}

/** Fresh measurements of the incumbent kept across gates (oldest dropped first). */
export const INCUMBENT_MEMORY = 32;
/** Degrees of freedom of the pooled noise estimate before it is trusted (screen, pooled test). */
export const NOISE_DF_TRUSTED = 4;

export interface GateState {
  version: 1;
  attempts: number;
  passed: number;
  /** Gates at which both sides reproduced their recorded values exactly. */
  exactGates: number;
  noiseless: boolean;
  /** Evaluations the gate ran (re-measurements and holdout runs); not counted in the budget. */
  evaluations: number;
  /** Challengers not re-measured: their one measurement was within `screen` noise sds of the best. */
  screened: number;
  /** Pooled within-individual noise: sum of squared deviations from each gate side's mean, and its degrees of freedom. */
  noise: { ss: number; df: number };
  /** The incumbent's fresh measurements so far (newest last), by individual id. */
  incumbent: { id: string; values: number[] } | null;
}

export function initialGateState(): GateState {
  return { version: 1, attempts: 0, passed: 0, exactGates: 0, noiseless: false, evaluations: 0, screened: 0, noise: { ss: 0, df: 0 }, incumbent: null };
}

/** The evaluator's noise standard deviation as the gate has measured it, or null before it is trusted. */
export function noiseSd(state: GateState): number | null {
  return state.noise.df >= NOISE_DF_TRUSTED ? Math.sqrt(state.noise.ss / state.noise.df) : null;
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
    screened: s.screened ?? 0,
    noise: { ss: s.noise?.ss ?? 0, df: s.noise?.df ?? 0 },
    incumbent:
      s.incumbent && typeof s.incumbent.id === 'string' && Array.isArray(s.incumbent.values)
        ? { id: s.incumbent.id, values: s.incumbent.values.filter((v): v is number => typeof v === 'number') }
        : null,
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
  /**
   * How the gate measured: `exact` (reproduced once), `noiseless` (skipped), `sampled`, or
   * `screened` (not re-measured: its one measurement was too close to the best to be worth a test).
   */
  method: 'exact' | 'noiseless' | 'sampled' | 'screened';
}

export async function runGate(
  settings: GateSettings,
  state: GateState,
  direction: Direction,
  recorded: { challenger: number; incumbent: number; challengerId?: string; incumbentId?: string },
  measure: Measure,
  holdoutStages: boolean,
): Promise<GateVerdict> {
  const sign = direction === 'max' ? 1 : -1;
  const challenger: number[] = [];
  const incumbent: number[] = [];
  // The incumbent's remembered fresh measurements (only while it is the same individual).
  const memory = recorded.incumbentId !== undefined && state.incumbent?.id === recorded.incumbentId ? state.incumbent.values : [];
  const sigma = noiseSd(state);
  const screen = settings.screen ?? 0;
  if (settings.mode === 'adaptive' && !state.noiseless && sigma !== null && sigma > 0 && screen > 0) {
    const reference = memory.length > 0 ? memory.reduce((a, b) => a + b, 0) / memory.length : recorded.incumbent;
    const margin = sign * (recorded.challenger - reference);
    if (margin < screen * sigma) {
      state.screened++;
      const one = { n: 1, mean: recorded.challenger, sd: 0 };
      return {
        passed: false,
        reasons: [`screened: one measurement beats the best by ${round(margin)}, less than ${screen} × the noise sd ${round(sigma)}; not re-measured`],
        challenger: one,
        incumbent: { n: memory.length || 1, mean: reference, sd: 0 },
        uplift: margin,
        p: 1,
        holdout: null,
        evaluations: 0,
        fitness: recorded.challenger,
        method: 'screened',
      };
    }
  }
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

  if (method === 'sampled' && measured) learnNoise(state, challenger, incumbent);
  const incumbentAll = method === 'sampled' ? [...memory, ...incumbent] : incumbent;
  const c = describe(challenger.map((v) => sign * v));
  const b = describe(incumbentAll.map((v) => sign * v));
  const uplift = c.mean - b.mean;
  const { p } = measured ? upliftTest(c, b, method === 'sampled' ? noiseSd(state) : null, state.noise.df) : { p: 1 };
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
  if (method === 'sampled' && measured) {
    // Remember what the best's measurements are: the challenger's if it takes over, else the incumbent's.
    if (passed && recorded.challengerId !== undefined) state.incumbent = { id: recorded.challengerId, values: challenger.slice(-INCUMBENT_MEMORY) };
    else if (recorded.incumbentId !== undefined) state.incumbent = { id: recorded.incumbentId, values: incumbentAll.slice(-INCUMBENT_MEMORY) };
  }
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

/** Adds the within-side squared deviations of a gate's fresh samples to the pooled noise estimate. */
function learnNoise(state: GateState, ...sides: number[][]): void {
  for (const values of sides) {
    if (values.length < 2) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    state.noise.ss += values.reduce((s, v) => s + (v - mean) ** 2, 0);
    state.noise.df += values.length - 1;
  }
}

/**
 * One-sided test that the challenger's mean exceeds the incumbent's. With a trusted pooled noise
 * estimate, a t-test whose variances are the pooled one (or a side's own, when larger) and whose
 * degrees of freedom are the pooled estimate's; else Welch's test on the two samples alone.
 */
function upliftTest(c: Sample, b: Sample, sigma: number | null, df: number): { p: number } {
  if (sigma === null || sigma <= 0) return welchGreater(c, b);
  const vc = Math.max(sigma * sigma, c.sd * c.sd) / c.n;
  const vb = Math.max(sigma * sigma, b.sd * b.sd) / b.n;
  const t = (c.mean - b.mean) / Math.sqrt(vc + vb);
  return { p: 1 - studentCdf(t, df) };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
