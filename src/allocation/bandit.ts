// The strategy bandit: which strategy (operator × model × temperature) gets the next job.
//
// Policy (docs/adr/0014-strategy-bandit.md): discounted Gaussian Thompson sampling on reward per
// unit of cost, contextual by a 4-bit job context with the arm's overall mean as the prior of each
// context cell, plus a uniform exploration floor so no arm starves. All state is plain numbers in
// `BanditState`, persisted with the loop state at every ingest: a resumed run makes exactly the
// choices the uninterrupted run would have made (the draws come from the run's persisted RNG).
//
// Memory across runs: a new run may start from an earlier run's arm statistics (decayed), kept
// apart as a prior. Its first GATE_OBSERVATIONS rewards test it: the prior's per-arm means must
// predict them no worse (mean squared error) than its pooled mean does — a flat prior. A prior that
// fails is dropped for the rest of the run.
import type { Rng } from '../core/rng.ts';

export interface Strategy {
  /** Stable id: `operator`, `operator@model`, `operator@model~temperature`. */
  arm: string;
  operator: string;
  model: string | null;
  temperature: number | null;
  /** `best`: the job's parent is the run's best (else the operator's own parent policy). */
  parent?: 'best' | null;
}

/** What the policy conditions on, one bit each (16 context cells). */
export interface JobContext {
  /** The job's island has not improved for a while. */
  stagnant: boolean;
  /** The parent is in the upper half of its island's elites by fitness. */
  topParent: boolean;
  /** Two or more of the parent's children failed (candidate_failed). */
  failingParent: boolean;
  /** More than half of the evaluation budget is spent. */
  pressed: boolean;
}

export function contextCell(context: JobContext): number {
  return Number(context.stagnant) | (Number(context.topParent) << 1) | (Number(context.failingParent) << 2) | (Number(context.pressed) << 3);
}

/** Discounted sums of one arm's (or one arm-in-context's) observations. */
export interface ArmStats {
  n: number;
  reward: number;
  reward2: number;
  cost: number;
}

export interface BanditSettings {
  /** Weight kept by past observations at each new one (1 = stationary). */
  discount: number;
  /** Share of jobs given to a uniformly random arm. */
  explorationFloor: number;
  /** How many observations' worth the arm's overall mean weighs in each context cell. */
  contextPrior: number;
}

export interface PriorState {
  /** The run the statistics came from. */
  fromRun: string;
  stats: Record<string, ArmStats>;
  status: 'pending' | 'accepted' | 'rejected';
  /** Gate evidence so far: squared errors of the per-arm and the pooled prediction. */
  checked: number;
  armError: number;
  flatError: number;
}

export interface BanditState {
  version: 1;
  /** This run's observations, discounted: per arm, and per `arm|cell`. */
  arms: Record<string, ArmStats>;
  cells: Record<string, ArmStats>;
  prior: PriorState | null;
  /** Undiscounted totals for telemetry: pulls, reward and cost per arm. */
  totals: Record<string, { pulls: number; reward: number; cost: number }>;
  observations: number;
}

/** Observations after which a prior from an earlier run is judged. */
export const GATE_OBSERVATIONS = 20;
/** Weight an earlier run's statistics keep when a new run starts from them. */
export const PRIOR_DECAY = 0.5;
/** The reward spread assumed before any observation (rewards are normalised to ~[0, 1]). */
const PRIOR_SD = 0.5;
const MIN_SD = 0.05;

export function initialBanditState(): BanditState {
  return { version: 1, arms: {}, cells: {}, prior: null, totals: {}, observations: 0 };
}

export function parseBanditState(raw: unknown): BanditState {
  if (raw === null || typeof raw !== 'object' || (raw as { version?: unknown }).version !== 1) return initialBanditState();
  const state = raw as BanditState;
  return { ...initialBanditState(), ...state };
}

/** An earlier run's statistics as a prior for a new run: decayed, context cells dropped. */
export function priorFrom(fromRun: string, earlier: BanditState, arms: readonly string[]): PriorState | null {
  const stats: Record<string, ArmStats> = {};
  for (const arm of arms) {
    const s = earlier.arms[arm];
    if (s && s.n > 0) stats[arm] = scale(s, PRIOR_DECAY);
  }
  if (Object.keys(stats).length === 0) return null;
  return { fromRun, stats, status: 'pending', checked: 0, armError: 0, flatError: 0 };
}

export interface ArmSummary {
  arm: string;
  pulls: number;
  meanReward: number;
  meanCost: number;
  roi: number | null;
}

/** Per-arm telemetry from a state: pulls, mean reward, mean cost and reward per unit cost, busiest first. */
export function armSummary(state: BanditState): ArmSummary[] {
  return Object.entries(state.totals)
    .map(([arm, t]) => ({
      arm,
      pulls: t.pulls,
      meanReward: t.pulls > 0 ? t.reward / t.pulls : 0,
      meanCost: t.pulls > 0 ? t.cost / t.pulls : 0,
      roi: t.cost > 0 ? t.reward / t.cost : null,
    }))
    .sort((a, b) => b.pulls - a.pulls || a.arm.localeCompare(b.arm));
}

export class StrategyBandit {
  constructor(
    readonly state: BanditState,
    private readonly settings: BanditSettings,
  ) {}

  /** One of `strategies` (never empty) for a job in `context`; consumes a fixed number of draws. */
  choose(strategies: readonly Strategy[], context: JobContext, rng: Rng): Strategy {
    if (strategies.length === 0) throw new Error('StrategyBandit.choose needs at least one strategy');
    // Always the same draws whatever the branch: a resumed run replays the same stream.
    const explore = rng.next() < this.settings.explorationFloor;
    const uniform = rng.int(strategies.length);
    const noise = strategies.map(() => rng.normal());
    if (strategies.length === 1) return strategies[0]!;
    if (explore) return strategies[uniform]!;
    const pool = this.pooled();
    const cell = contextCell(context);
    let best = 0;
    let bestScore = -Infinity;
    strategies.forEach((strategy, index) => {
      const { mean, n, sd, cost } = this.estimate(strategy.arm, cell, pool);
      const sampled = mean + (sd / Math.sqrt(n + 1)) * noise[index]!;
      const relativeCost = pool.cost > 0 ? clamp(cost / pool.cost, 0.05, 20) : 1;
      const score = sampled / relativeCost;
      if (score > bestScore) {
        bestScore = score;
        best = index;
      }
    });
    return strategies[best]!;
  }

  /**
   * Records a job's reward and cost in its context cell (as contextCell gave it when the job was
   * scheduled); returns the prior's verdict when this observation decided it.
   */
  observe(arm: string, cell: number, reward: number, cost: number): { prior: PriorState } | null {
    const { state } = this;
    let decided: { prior: PriorState } | null = null;
    const prior = state.prior;
    if (prior && prior.status === 'pending') {
      const pooledPrior = pooledMean(Object.values(prior.stats));
      const own = prior.stats[arm];
      const predicted = own && own.n > 0 ? own.reward / own.n : pooledPrior;
      prior.armError += (reward - predicted) ** 2;
      prior.flatError += (reward - pooledPrior) ** 2;
      prior.checked++;
      if (prior.checked >= GATE_OBSERVATIONS) {
        prior.status = prior.armError <= prior.flatError ? 'accepted' : 'rejected';
        decided = { prior };
      }
    }
    const gamma = this.settings.discount;
    if (gamma < 1) {
      for (const stats of Object.values(state.arms)) scaleInPlace(stats, gamma);
      for (const stats of Object.values(state.cells)) scaleInPlace(stats, gamma);
    }
    add((state.arms[arm] ??= emptyStats()), reward, cost);
    add((state.cells[`${arm}|${cell}`] ??= emptyStats()), reward, cost);
    const total = (state.totals[arm] ??= { pulls: 0, reward: 0, cost: 0 });
    total.pulls++;
    total.reward += reward;
    total.cost += cost;
    state.observations++;
    return decided;
  }

  summary(): ArmSummary[] {
    return armSummary(this.state);
  }

  /** The arm's statistics this run, plus the earlier run's when its prior has not been rejected. */
  private armStats(arm: string): ArmStats {
    const own = this.state.arms[arm] ?? emptyStats();
    const prior = this.state.prior;
    if (!prior || prior.status === 'rejected') return own;
    const earlier = prior.stats[arm];
    return earlier ? sum(own, earlier) : own;
  }

  /** Pooled over every arm: the prior mean and spread of an arm never tried, and the mean cost. */
  private pooled(): { mean: number; sd: number; cost: number } {
    const all = Object.keys({ ...this.state.arms, ...(this.state.prior?.stats ?? {}) }).map((arm) => this.armStats(arm));
    const n = all.reduce((s, a) => s + a.n, 0);
    if (n <= 0) return { mean: 0.5, sd: PRIOR_SD, cost: 0 };
    const reward = all.reduce((s, a) => s + a.reward, 0);
    const reward2 = all.reduce((s, a) => s + a.reward2, 0);
    const cost = all.reduce((s, a) => s + a.cost, 0);
    const mean = reward / n;
    const variance = Math.max(0, reward2 / n - mean * mean);
    return { mean, sd: Math.max(MIN_SD, Math.sqrt(variance), n < 5 ? PRIOR_SD : 0), cost: cost / n };
  }

  /** Posterior-style estimate in a context cell, shrunk toward the arm's overall mean. */
  private estimate(arm: string, cell: number, pool: { mean: number; sd: number; cost: number }): { mean: number; n: number; sd: number; cost: number } {
    const overall = this.armStats(arm);
    const overallMean = overall.n > 0 ? (overall.reward + pool.mean) / (overall.n + 1) : pool.mean;
    const weight = Math.min(Math.max(overall.n, 1), this.settings.contextPrior);
    const here = this.state.cells[`${arm}|${cell}`] ?? emptyStats();
    const n = here.n + weight;
    const mean = (here.reward + weight * overallMean) / n;
    const cost = overall.n > 0 ? overall.cost / overall.n : pool.cost;
    return { mean, n, sd: pool.sd, cost };
  }
}

function emptyStats(): ArmStats {
  return { n: 0, reward: 0, reward2: 0, cost: 0 };
}

function add(stats: ArmStats, reward: number, cost: number): void {
  stats.n += 1;
  stats.reward += reward;
  stats.reward2 += reward * reward;
  stats.cost += cost;
}

function scaleInPlace(stats: ArmStats, factor: number): void {
  stats.n *= factor;
  stats.reward *= factor;
  stats.reward2 *= factor;
  stats.cost *= factor;
}

function scale(stats: ArmStats, factor: number): ArmStats {
  const copy = { ...stats };
  scaleInPlace(copy, factor);
  return copy;
}

function sum(a: ArmStats, b: ArmStats): ArmStats {
  return { n: a.n + b.n, reward: a.reward + b.reward, reward2: a.reward2 + b.reward2, cost: a.cost + b.cost };
}

function pooledMean(stats: readonly ArmStats[]): number {
  const n = stats.reduce((s, a) => s + a.n, 0);
  return n > 0 ? stats.reduce((s, a) => s + a.reward, 0) / n : 0.5;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
