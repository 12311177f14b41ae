// Parent and inspiration selection. A parent comes from one of three strategies chosen by weight:
// exploit (rank-weighted, best most likely; with several objectives ranked by Pareto rank, then
// crowding), explore (uniform over cells), curiosity (cells whose children recently improved).
// Inspirations are the island's best plus elites of neighbouring cells.
import type { Archive, ArchiveEntry } from '../archive/archive.ts';
import { cellCoords, cellDistance } from '../descriptors/binning.ts';
import { compareFitness } from '../fitness/compare.ts';
import { paretoOrder } from '../fitness/pareto.ts';
import type { Rng } from '../rng.ts';
import type { Direction, Objective } from '../types.ts';
import type { CuriosityStats } from './curiosity.ts';

export interface SamplerWeights {
  exploit: number;
  explore: number;
  curiosity: number;
}

export type SamplerStrategy = 'exploit' | 'explore' | 'curiosity';

const STRATEGIES: readonly SamplerStrategy[] = ['exploit', 'explore', 'curiosity'];
/** Inspirations come from cells at most this far (Chebyshev, in bins) from the parent's. */
const MAX_NEIGHBOUR_DISTANCE = 3;

/**
 * `strategy` is the one actually used: curiosity without any recorded stats falls back to explore.
 * With more than one objective, exploit ranks by Pareto order instead of `direction`'s scalar order.
 */
export function sampleParent(
  members: ArchiveEntry[],
  rng: Rng,
  weights: SamplerWeights,
  curiosity: CuriosityStats,
  direction: Direction,
  objectives: readonly Objective[] = [],
): { entry: ArchiveEntry; strategy: SamplerStrategy } {
  if (members.length === 0) throw new Error('sampleParent needs at least one member');
  const strategyWeights = STRATEGIES.map((s) => weights[s]);
  // Always one draw for the strategy, so the random sequence does not depend on the weights' zeros.
  const draw = rng.next();
  const chosen = strategyWeights.some((w) => w > 0) ? STRATEGIES[pickByWeight(strategyWeights, draw)]! : 'explore';

  if (chosen === 'exploit') {
    const ranked =
      objectives.length > 1
        ? paretoOrder(members.map((m) => m.metrics), objectives).map((i) => members[i]!)
        : members.slice().sort((a, b) => compareFitness(a.fitness, b.fitness, direction));
    return { entry: ranked[rng.weightedIndex(ranked.map((_, rank) => 1 / (rank + 1)))]!, strategy: 'exploit' };
  }
  if (chosen === 'curiosity') {
    const scores = members.map((m) => (m.cell === null ? 0 : curiosity.score(m.cell)));
    if (scores.some((s) => s > 0)) return { entry: members[rng.weightedIndex(scores)]!, strategy: 'curiosity' };
  }
  return { entry: explore(members, rng), strategy: 'explore' };
}

/**
 * Up to `k` other entries to show an operator next to the parent: the island's best first (unless it is
 * the parent), then elites from cells at Chebyshev distance 1 from the parent's, widening to 2 and 3
 * when there are too few. Never the parent, no duplicates. Before the first fit (no cells) the rest
 * are drawn at random from the island's warm-up members.
 */
export function sampleInspirations(archive: Archive, parent: ArchiveEntry, k: number, rng: Rng): ArchiveEntry[] {
  if (k <= 0) return [];
  const candidates = archive.members(parent.island).filter((m) => m.id !== parent.id);
  if (candidates.length === 0) return [];
  const chosen: ArchiveEntry[] = [candidates[0]!]; // members are best-first
  const rest = candidates.slice(1);

  if (parent.cell === null) return chosen.concat(rng.shuffle(rest).slice(0, k - 1));
  const origin = cellCoords(parent.cell);
  const byDistance: ArchiveEntry[][] = Array.from({ length: MAX_NEIGHBOUR_DISTANCE + 1 }, () => []);
  for (const entry of rest) {
    if (entry.cell === null) continue;
    // Distance 0 happens when the parent is not its cell's elite (e.g. displaced by a refit).
    const distance = Math.max(1, cellDistance(origin, cellCoords(entry.cell)));
    if (distance <= MAX_NEIGHBOUR_DISTANCE) byDistance[distance]!.push(entry);
  }
  for (let distance = 1; distance <= MAX_NEIGHBOUR_DISTANCE && chosen.length < k; distance++) {
    chosen.push(...rng.shuffle(byDistance[distance]!).slice(0, k - chosen.length));
  }
  return chosen;
}

/** Uniform over occupied cells, then over the entries in the chosen cell (entries without a cell stand alone). */
function explore(members: ArchiveEntry[], rng: Rng): ArchiveEntry {
  const byCell = new Map<string, ArchiveEntry[]>();
  for (const m of members) {
    const key = m.cell === null ? `entry:${m.id}:${byCell.size}` : `cell:${m.cell}`;
    const group = byCell.get(key);
    if (group) group.push(m);
    else byCell.set(key, [m]);
  }
  return rng.pick(rng.pick([...byCell.values()]));
}

function pickByWeight(weights: number[], uniform: number): number {
  const total = weights.reduce((s, w) => s + Math.max(0, w), 0);
  let r = uniform * total;
  for (let i = 0; i < weights.length; i++) {
    const w = Math.max(0, weights[i]!);
    if (r < w) return i;
    r -= w;
  }
  // Only reachable through rounding: fall back to the last strategy that has any weight.
  return weights.findLastIndex((w) => w > 0);
}
