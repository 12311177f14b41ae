// The run's allocation: its policy (the strategy bandit, or the fixed weights of before), the
// strategies, and the bookkeeping the bandit's context and reward need — per-island best and the
// evaluation it was reached at, and the spread that normalises improvements. All of it lives in the
// loop state (`LoopState.allocation`), so a resume restores it exactly.
import type { AllocationConfig, CambrianConfig } from '../config/schema.ts';
import { allocationSettings } from '../config/schema.ts';
import type { Direction } from '../core/types.ts';
import { initialBanditState, parseBanditState, StrategyBandit, type BanditState, type JobContext, type Strategy } from './bandit.ts';
import { enumerateStrategies, usesBandit } from './strategies.ts';
import { Economy, initialEconomyState, parseEconomyState, type EconomySettings, type EconomyState } from './economy.ts';
import { initialGateState, parseGateState, type GateSettings, type GateState } from './assimilation.ts';

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
  /** The energy economy over islands (null: islands take turns, as before it). */
  economy: EconomyState | null;
  /** The assimilation gate's counters (null: one measurement decides the best, as before it). */
  gate: GateState | null;
}

/** Weight of the newest |Δ| in the spread's moving average. */
const SPREAD_ALPHA = 0.1;

export function initialAllocationState(config: CambrianConfig, operators: ReadonlyArray<{ name: string; parentPolicy?: string }>): AllocationState {
  const strategies = enumerateStrategies(config, operators);
  const settings = allocationSettings(config);
  const islands = config.archive.islands;
  const economyOn = settings.economy.enabled === 'on' || (settings.economy.enabled === 'auto' && islands > 1 && settings.policy !== 'fixed');
  const gateOn = settings.assimilation.gate === 'on' || (settings.assimilation.gate === 'auto' && settings.policy !== 'fixed');
  return {
    policy: usesBandit(config, strategies) ? 'bandit' : 'fixed',
    bandit: initialBanditState(),
    spread: null,
    islandBest: Array.from({ length: islands }, () => null),
    islandImprovedAt: Array.from({ length: islands }, () => 0),
    lastSummaryAt: 0,
    economy: economyOn ? initialEconomyState(islands, economySettings(settings)) : null,
    gate: gateOn ? initialGateState() : null,
  };
}

function economySettings(settings: AllocationConfig): EconomySettings {
  const { enabled: _enabled, ...rest } = settings.economy;
  return rest;
}

function gateSettings(settings: AllocationConfig): GateSettings {
  const { gate, ...rest } = settings.assimilation;
  return { ...rest, mode: gate === 'on' ? 'always' : 'adaptive' };
}

/** A stored state, or — for runs started before allocation existed — the fixed policy they ran under. */
export function parseAllocationState(raw: unknown, config: CambrianConfig): AllocationState {
  const islands = config.archive.islands;
  if (raw === null || typeof raw !== 'object') {
    return { ...initialAllocationState(config, []), policy: 'fixed', economy: null, gate: null };
  }
  const state = raw as Partial<AllocationState>;
  return {
    policy: state.policy === 'bandit' ? 'bandit' : 'fixed',
    bandit: parseBanditState(state.bandit),
    spread: typeof state.spread === 'number' ? state.spread : null,
    islandBest: Array.from({ length: islands }, (_, i) => state.islandBest?.[i] ?? null),
    islandImprovedAt: Array.from({ length: islands }, (_, i) => state.islandImprovedAt?.[i] ?? 0),
    lastSummaryAt: state.lastSummaryAt ?? 0,
    // Runs started before the economy and the gate keep round-robin islands and ungated bests.
    economy: parseEconomyState(state.economy, islands, economySettings(allocationSettings(config))),
    gate: parseGateState(state.gate),
  };
}

export class Allocation {
  readonly settings: AllocationConfig;
  readonly strategies: Strategy[];
  /** Always kept (its totals are the allocation telemetry); it chooses only under the bandit policy. */
  readonly bandit: StrategyBandit;
  /** Whether the bandit chooses each job's strategy (else the fixed weights do). */
  readonly chooses: boolean;
  /** The energy economy that picks each job's island (null: round-robin). */
  readonly economy: Economy | null;
  /** The assimilation gate's settings (null: no gate). */
  readonly gate: GateSettings | null;

  constructor(
    config: CambrianConfig,
    operators: ReadonlyArray<{ name: string; parentPolicy?: string }>,
    readonly state: AllocationState,
  ) {
    this.settings = allocationSettings(config);
    this.strategies = enumerateStrategies(config, operators);
    this.chooses = state.policy === 'bandit';
    this.economy = state.economy ? new Economy(state.economy, economySettings(this.settings)) : null;
    this.gate = state.gate ? gateSettings(this.settings) : null;
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
   * recent spread of improvements (positive part, capped at 1), plus the new-cell bonus and the
   * bonus for becoming the run's best (past the assimilation gate). A child of
   * a parent without fitness (a repair) that measures at all earns 1. Updates the spread.
   */
  rewardFor(child: number, parent: number | null, direction: Direction, filledNewCell: boolean, becameBest = false): number {
    const bonus = (filledNewCell ? this.settings.cellBonus : 0) + (becameBest ? this.settings.bestBonus : 0);
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

  /** Records a counted evaluation's fitness for its island's best; true when it improved it. */
  noteIslandFitness(island: number, fitness: number, direction: Direction, evaluation: number): boolean {
    const best = this.state.islandBest[island] ?? null;
    if (best === null || (direction === 'max' ? fitness > best : fitness < best)) {
      this.state.islandBest[island] = fitness;
      this.state.islandImprovedAt[island] = evaluation;
      return true;
    }
    return false;
  }
}

export type { JobContext, Strategy };
