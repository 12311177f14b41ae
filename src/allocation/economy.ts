// The energy economy over islands (Evolora's, applied to Cambrian's islands): which island gets the
// next job.
//
// Each island holds an energy balance. Every job debits its island a ticket (1, or the job's cost
// over the run's mean job cost when jobs have a price); an island earns `price × reward` when its
// child improves the island's best or fills a new cell, at a price that rises when the island's
// success is scarce against the run's (bounded). Job slots are drawn in proportion to energy × ROI.
// Guards keep it diverse: no island may take more than `maxShare` of the recent slots, and when the
// Gini coefficient of energy passes `giniCap`, part of the richest islands' surplus is spread over
// the poor. Every `checkEvery` evaluations each island pays its upkeep, and one at or below zero
// counts a bankrupt check (so an island starved of slots drains too, not only one that spends); after
// `cullAfter` of them in a row it is culled and reseeded from diverse elites of other islands (and
// starts again with its initial energy). Islands that earn well and are near the global best get a
// top-up. All state is plain numbers persisted with the loop state, so a resume continues exactly.
import type { Rng } from '../core/rng.ts';

export interface EconomySettings {
  initialEnergy: number;
  price: number;
  maxShare: number;
  giniCap: number;
  checkEvery: number;
  /** Tickets every island pays at each check (its upkeep): an island that gets no slots still drains. */
  upkeep: number;
  cullAfter: number;
  reseed: number;
  topUp: number;
}

export interface IslandAccount {
  energy: number;
  /** Undiscounted totals, for ROI and telemetry. */
  spent: number;
  earned: number;
  jobs: number;
  /** Discounted counts of jobs and of paying successes (the success rate the price follows). */
  recentJobs: number;
  recentSuccesses: number;
  /** Economy checks in a row at which the island was bankrupt (energy ≤ 0). */
  bankruptChecks: number;
  culls: number;
}

export interface EconomyState {
  version: 1;
  islands: IslandAccount[];
  /** Exponentially weighted mean job cost (null until a job had a price). */
  meanCost: number | null;
  /** Counted evaluations at the last check. */
  lastCheckAt: number;
  /** Times each guard bound (a slot refused by the share cap; a Gini levy), undiscounted. */
  guards: { share: number; gini: number };
}

/** Weight of the newest job in the decayed counts, per island count (≈ the last 10 jobs per island). */
const RECENT_WINDOW_PER_ISLAND = 10;
/** Bounds of the scarcity factor of an island's price. */
const PRICE_FACTOR_MIN = 0.5;
const PRICE_FACTOR_MAX = 4;
/** Share of an island's surplus over the mean taken by one Gini levy. */
const GINI_LEVY = 0.25;
/** Weight a bankrupt island keeps in the draw (in tickets), so it is not silent before its cull. */
const BANKRUPT_WEIGHT = 0.25;

export function initialEconomyState(islands: number, settings: EconomySettings): EconomyState {
  return {
    version: 1,
    islands: Array.from({ length: islands }, () => freshAccount(settings)),
    meanCost: null,
    lastCheckAt: 0,
    guards: { share: 0, gini: 0 },
  };
}

function freshAccount(settings: EconomySettings): IslandAccount {
  return { energy: settings.initialEnergy, spent: 0, earned: 0, jobs: 0, recentJobs: 0, recentSuccesses: 0, bankruptChecks: 0, culls: 0 };
}

/** A stored state fitted to the island count (islands added since start with fresh accounts), or null. */
export function parseEconomyState(raw: unknown, islands: number, settings: EconomySettings): EconomyState | null {
  if (raw === null || typeof raw !== 'object') return null;
  const state = raw as Partial<EconomyState>;
  if (state.version !== 1 || !Array.isArray(state.islands)) return null;
  return {
    version: 1,
    islands: Array.from({ length: islands }, (_, i) => ({ ...freshAccount(settings), ...(state.islands![i] ?? {}) })),
    meanCost: typeof state.meanCost === 'number' ? state.meanCost : null,
    lastCheckAt: state.lastCheckAt ?? 0,
    guards: { share: state.guards?.share ?? 0, gini: state.guards?.gini ?? 0 },
  };
}

/** One island's figures as shown in summaries and `status`. */
export interface IslandView {
  island: number;
  energy: number;
  roi: number | null;
  share: number;
  jobs: number;
  bankruptChecks: number;
  culls: number;
}

export type CheckEvent =
  | { kind: 'gini'; before: number; after: number }
  | { kind: 'cull'; island: number }
  | { kind: 'top_up'; island: number; amount: number };

export class Economy {
  constructor(
    readonly state: EconomyState,
    readonly settings: EconomySettings,
  ) {}

  /** The island for the next job: drawn by energy × (1 + ROI), islands over the share cap left out. */
  pickIsland(rng: Rng): number {
    const accounts = this.state.islands;
    const shares = this.shares();
    const weights = accounts.map((a) => {
      const energy = a.energy > 0 ? a.energy : BANKRUPT_WEIGHT;
      return energy * (1 + Math.min(3, roiOf(a) ?? 0));
    });
    const capped = shares.map((s) => accounts.length > 1 && s >= this.settings.maxShare);
    if (capped.some(Boolean) && !capped.every(Boolean)) {
      // The guard binds only when the draw could otherwise have landed on a capped island.
      this.state.guards.share++;
      capped.forEach((c, i) => {
        if (c) weights[i] = 0;
      });
    }
    const total = weights.reduce((s, w) => s + w, 0);
    let draw = rng.next() * total;
    for (let i = 0; i < weights.length; i++) {
      draw -= weights[i]!;
      if (draw < 0) return i;
    }
    return weights.length - 1;
  }

  /** Each island's share of recent job slots. */
  shares(): number[] {
    const total = this.state.islands.reduce((s, a) => s + a.recentJobs, 0);
    return this.state.islands.map((a) => (total > 0 ? a.recentJobs / total : 1 / this.state.islands.length));
  }

  /** Debits a finished job's ticket (its `cost` in US dollars, 0 when nothing is priced). */
  debit(island: number, cost: number): number {
    const account = this.state.islands[island];
    if (!account) return 0;
    const mean = this.state.meanCost;
    const ticket = cost > 0 && mean !== null && mean > 0 ? Math.min(10, cost / mean) : 1;
    if (cost > 0) this.state.meanCost = mean === null ? cost : mean + 0.05 * (cost - mean);
    const decay = 1 - 1 / (RECENT_WINDOW_PER_ISLAND * this.state.islands.length);
    for (const a of this.state.islands) {
      a.recentJobs *= decay;
      a.recentSuccesses *= decay;
    }
    account.energy -= ticket;
    account.spent += ticket;
    account.jobs++;
    account.recentJobs++;
    return ticket;
  }

  /** Credits an island whose child improved its best or filled a new cell; returns the amount. */
  credit(island: number, reward: number): number {
    const account = this.state.islands[island];
    if (!account || !(reward > 0)) return 0;
    const amount = this.priceOf(island) * reward;
    account.energy += amount;
    account.earned += amount;
    account.recentSuccesses++;
    return amount;
  }

  /** The island's price: the base price times how scarce its success is against the run's. */
  priceOf(island: number): number {
    const accounts = this.state.islands;
    const rate = (a: { recentJobs: number; recentSuccesses: number }) => (a.recentSuccesses + 1) / (a.recentJobs + 2);
    const run = rate({
      recentJobs: accounts.reduce((s, a) => s + a.recentJobs, 0),
      recentSuccesses: accounts.reduce((s, a) => s + a.recentSuccesses, 0),
    });
    const own = rate(accounts[island]!);
    return this.settings.price * clamp(run / own, PRICE_FACTOR_MIN, PRICE_FACTOR_MAX);
  }

  /** Whether a check is due at this counted evaluation. */
  due(evaluations: number): boolean {
    return evaluations - this.state.lastCheckAt >= this.settings.checkEvery;
  }

  /**
   * The periodic check: the Gini levy, bankrupt counts (the islands to cull are returned; the caller
   * reseeds them and then calls `reseeded`), and top-ups for islands with a high ROI whose best is
   * within `nearBest` of the global best (close to an assimilation attempt).
   */
  check(evaluations: number, nearBest: readonly boolean[]): { events: CheckEvent[]; cull: number[] } {
    this.state.lastCheckAt = evaluations;
    const events: CheckEvent[] = [];
    const accounts = this.state.islands;
    for (const a of accounts) {
      a.energy -= this.settings.upkeep;
      a.spent += this.settings.upkeep;
    }
    const before = gini(accounts.map((a) => a.energy));
    if (accounts.length > 1 && before > this.settings.giniCap) {
      const mean = accounts.reduce((s, a) => s + a.energy, 0) / accounts.length;
      const poor = accounts.filter((a) => a.energy < mean);
      let pool = 0;
      for (const a of accounts) {
        if (a.energy > mean) {
          const levy = GINI_LEVY * (a.energy - mean);
          a.energy -= levy;
          pool += levy;
        }
      }
      for (const a of poor) a.energy += pool / poor.length;
      this.state.guards.gini++;
      events.push({ kind: 'gini', before, after: gini(accounts.map((a) => a.energy)) });
    }
    const cull: number[] = [];
    accounts.forEach((a, island) => {
      a.bankruptChecks = a.energy <= 0 ? a.bankruptChecks + 1 : 0;
      if (a.bankruptChecks >= this.settings.cullAfter) cull.push(island);
    });
    if (this.settings.topUp > 0) {
      const rois = accounts.map((a) => roiOf(a) ?? 0);
      const median = [...rois].sort((x, y) => x - y)[Math.floor(rois.length / 2)]!;
      accounts.forEach((a, island) => {
        if (cull.includes(island) || !nearBest[island] || rois[island]! < median || rois[island]! <= 0) return;
        if (a.energy >= this.settings.initialEnergy) return;
        a.energy += this.settings.topUp;
        events.push({ kind: 'top_up', island, amount: this.settings.topUp });
      });
    }
    return { events, cull };
  }

  /** After a cull: the island starts over with its initial energy (its history totals are kept). */
  reseeded(island: number): void {
    const account = this.state.islands[island];
    if (!account) return;
    account.energy = this.settings.initialEnergy;
    account.bankruptChecks = 0;
    account.recentSuccesses = 0;
    account.culls++;
  }

  views(): IslandView[] {
    const shares = this.shares();
    return this.state.islands.map((a, island) => ({
      island,
      energy: round(a.energy),
      roi: roiOf(a) === null ? null : round(roiOf(a)!),
      share: round(shares[island]!),
      jobs: a.jobs,
      bankruptChecks: a.bankruptChecks,
      culls: a.culls,
    }));
  }

  gini(): number {
    return gini(this.state.islands.map((a) => a.energy));
  }

  /** 1 / Σ share² of recent slots: how many islands the jobs effectively go to. */
  effectiveIslands(): number {
    const sum = this.shares().reduce((s, x) => s + x * x, 0);
    return sum > 0 ? 1 / sum : this.state.islands.length;
  }
}

/** Earned over spent, or null before the island spent anything. */
function roiOf(a: IslandAccount): number | null {
  return a.spent > 0 ? a.earned / a.spent : null;
}

/** Gini coefficient of non-negative amounts (negative balances count as 0); 0 when all are 0. */
export function gini(values: readonly number[]): number {
  const xs = values.map((v) => Math.max(0, v)).sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((s, x) => s + x, 0);
  if (n < 2 || total === 0) return 0;
  let weighted = 0;
  xs.forEach((x, i) => (weighted += (i + 1) * x));
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The entries a culled island is reseeded with: at most `k` elites of other islands, one per cell,
 * never the global best (`excludeId`: reseeding with copies of the best would only clone it), chosen
 * far apart — the best remaining first, then each time the one farthest from those already chosen.
 * `candidates` come best-first.
 */
export function pickReseed<T extends { id: string; cell: string | null; coords: number[] | null }>(candidates: readonly T[], excludeId: string | null, k: number): T[] {
  const byCell = new Map<string, T>();
  for (const c of candidates) {
    if (c.id === excludeId || c.cell === null || byCell.has(c.cell)) continue;
    byCell.set(c.cell, c);
  }
  const pool = [...byCell.values()];
  const chosen: T[] = [];
  while (chosen.length < k && pool.length > 0) {
    let at = 0;
    if (chosen.length > 0) {
      let farthest = -1;
      pool.forEach((c, i) => {
        const d = Math.min(...chosen.map((x) => distance(c.coords, x.coords)));
        if (d > farthest) {
          farthest = d;
          at = i;
        }
      });
    }
    chosen.push(pool.splice(at, 1)[0]!);
  }
  return chosen;
}

function distance(a: number[] | null, b: number[] | null): number {
  if (!a || !b || a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}
