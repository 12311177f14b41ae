// The run's allocation: its policy (the strategy bandit, or the fixed weights of before), the
// strategies, and the bookkeeping the bandit's context and reward need — per-island best and the
// evaluation it was reached at, and the spread that normalises improvements. All of it lives in the
// loop state (`LoopState.allocation`), so a resume restores it exactly.
import type { AllocationConfig, CambrianConfig } from '../config/schema.ts';
import { allocationSettings } from '../config/schema.ts';
import type { Direction } from '../core/types.ts';
import { initialBanditState, parseBanditState, StrategyBandit, type BanditState, type JobContext, type Strategy } from './bandit.ts';
import { enumerateStrategies, usesBandit } from './strategies.ts';

export interface AllocationState {
  policy: 'bandit' | 'fixed';
  bandit: BanditState;
  /** Exponentially weighted mean |child − parent| of evaluated children (null before the first). */
  spread: number | null;
  /** Best fitness per island, and the counted evaluation at which it was reached. */
  islandBest: Array<number | null>;
  islandImprovedAt: number[];
  /** Counted evaluations at the last allocation summary event. */
  lastSummaryAt: number;
}

/** Weight of the newest |Δ| in the spread's moving average. */
const SPREAD_ALPHA = 0.1;

export function initialAllocationState(config: CambrianConfig, operators: ReadonlyArray<{ name: string }>): AllocationState {
  const strategies = enumerateStrategies(config, operators);
  return {
    policy: usesBandit(config, strategies) ? 'bandit' : 'fixed',
    bandit: initialBanditState(),
    spread: null,
    islandBest: Array.from({ length: config.archive.islands }, () => null),
    islandImprovedAt: Array.from({ length: config.archive.islands }, () => 0),
    lastSummaryAt: 0,
  };
}

/** A stored state, or — for runs started before allocation existed — the fixed policy they ran under. */
export function parseAllocationState(raw: unknown, config: CambrianConfig): AllocationState {
  const islands = config.archive.islands;
  if (raw === null || typeof raw !== 'object') {
    return { ...initialAllocationState(config, []), policy: 'fixed' };
  }
  const state = raw as Partial<AllocationState>;
  return {
    policy: state.policy === 'bandit' ? 'bandit' : 'fixed',
    bandit: parseBanditState(state.bandit),
    spread: typeof state.spread === 'number' ? state.spread : null,
    islandBest: Array.from({ length: islands }, (_, i) => state.islandBest?.[i] ?? null),
    islandImprovedAt: Array.from({ length: islands }, (_, i) => state.islandImprovedAt?.[i] ?? 0),
    lastSummaryAt: state.lastSummaryAt ?? 0,
  };
}

export class Allocation {
  readonly settings: AllocationConfig;
  readonly strategies: Strategy[];
  /** Always kept (its totals are the allocation telemetry); it chooses only under the bandit policy. */
  readonly bandit: StrategyBandit;
  /** Whether the bandit chooses each job's strategy (else the fixed weights do). */
  readonly chooses: boolean;

  constructor(
    config: CambrianConfig,
    operators: ReadonlyArray<{ name: string }>,
    readonly state: AllocationState,
  ) {
    this.settings = allocationSettings(config);
    this.strategies = enumerateStrategies(config, operators);
    this.chooses = state.policy === 'bandit';
    this.bandit = new StrategyBandit(state.bandit, {
      discount: this.settings.discount,
      explorationFloor: this.settings.explorationFloor,
      contextPrior: this.settings.contextPrior,
    });
  }

  /** Whether the island has gone `stagnation` counted evaluations without improving. */
  stagnant(island: number, evaluations: number): boolean {
    return evaluations - (this.state.islandImprovedAt[island] ?? 0) >= this.settings.stagnation;
  }

  /**
   * The reward of an evaluated child: its improvement over the parent, normalised by the run's
   * recent spread of improvements (positive part, capped at 1), plus the new-cell bonus. A child of
   * a parent without fitness (a repair) that measures at all earns 1. Updates the spread.
   */
  rewardFor(child: number, parent: number | null, direction: Direction, filledNewCell: boolean): number {
    const bonus = filledNewCell ? this.settings.cellBonus : 0;
    if (parent === null) return 1 + bonus;
    const delta = direction === 'max' ? child - parent : parent - child;
    const magnitude = Math.abs(child - parent);
    const spread = this.state.spread;
    this.state.spread = spread === null ? magnitude : spread + SPREAD_ALPHA * (magnitude - spread);
    const scale = Math.max(this.state.spread, 1e-12);
    return Math.min(1, Math.max(0, delta) / (2 * scale)) + bonus;
  }

  /** A job's cost in US dollars: LLM spending plus priced CPU and wall time. */
  costOf(costs: { usd: number; cpuSeconds: number; wallMs: number }): number {
    return costs.usd + costs.cpuSeconds * this.settings.usdPerCpuSecond + (costs.wallMs / 1000) * this.settings.usdPerWallSecond;
  }

  /** Records a counted evaluation's fitness for its island's best. */
  noteIslandFitness(island: number, fitness: number, direction: Direction, evaluation: number): void {
    const best = this.state.islandBest[island] ?? null;
    if (best === null || (direction === 'max' ? fitness > best : fitness < best)) {
      this.state.islandBest[island] = fitness;
      this.state.islandImprovedAt[island] = evaluation;
    }
  }
}

export type { JobContext, Strategy };
