// Pareto order over several objectives, each in its own direction: dominance, non-dominated ranks
// (NSGA-II's fast sort), crowding distance, the rank-then-crowding order, and an incrementally kept
// non-dominated set. A missing or NaN objective value is worse than any number, ±Infinity included.
import { compareFitness } from './compare.ts';
import type { Direction, Metrics, Objective } from '../types.ts';

/** Something with objective values and an age: a lower `seq` is older and wins exact ties. One point per seq. */
export interface FrontPoint {
  seq: number;
  metrics: Metrics;
}

function missing(value: number | undefined): boolean {
  return value === undefined || Number.isNaN(value);
}

/** Negative when `a` is better, positive when worse, 0 when equal (two missing values are equal). */
export function compareObjective(a: number | undefined, b: number | undefined, direction: Direction): number {
  const aMissing = missing(a);
  const bMissing = missing(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  return compareFitness(a!, b!, direction);
}

/** `a` is no worse than `b` in every objective and better in at least one. */
export function dominates(a: Metrics, b: Metrics, objectives: readonly Objective[]): boolean {
  let better = false;
  for (const { metric, direction } of objectives) {
    const c = compareObjective(a[metric], b[metric], direction);
    if (c > 0) return false;
    if (c < 0) better = true;
  }
  return better;
}

/** Equal in every objective (other metrics may differ). */
export function sameObjectives(a: Metrics, b: Metrics, objectives: readonly Objective[]): boolean {
  return objectives.every(({ metric, direction }) => compareObjective(a[metric], b[metric], direction) === 0);
}

/**
 * Objectives in the order listed, each in its direction: a total order that never puts a dominated
 * point before the point dominating it. With one objective it is the scalar order.
 */
export function compareLexicographic(a: Metrics, b: Metrics, objectives: readonly Objective[]): number {
  for (const { metric, direction } of objectives) {
    const c = compareObjective(a[metric], b[metric], direction);
    if (c !== 0) return c;
  }
  return 0;
}

/** Pareto rank of every point: 0 for the non-dominated ones, 1 for those dominated only by rank 0, … */
export function nonDominatedRanks(points: readonly Metrics[], objectives: readonly Objective[]): number[] {
  const n = points.length;
  const dominatedBy = Array.from({ length: n }, () => 0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!, objectives)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!, objectives)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const ranks = Array.from({ length: n }, () => -1);
  let level = dominatedBy.flatMap((count, i) => (count === 0 ? [i] : []));
  for (let rank = 0; level.length > 0; rank++) {
    const next: number[] = [];
    for (const i of level) {
      ranks[i] = rank;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    level = next;
  }
  return ranks;
}

/**
 * NSGA-II crowding distance of each point among `points` (meant to be one rank): per objective, the
 * gap between its two neighbours over the objective's range, summed; the two extremes of an objective
 * get Infinity. An objective on which all points agree adds nothing (no spurious extremes among
 * duplicates), and a point's missing or non-finite value takes no part in that objective's distance.
 * Ties in value are broken by position, so the result is deterministic.
 */
export function crowdingDistances(points: readonly Metrics[], objectives: readonly Objective[]): number[] {
  const distances = Array.from({ length: points.length }, () => 0);
  for (const { metric } of objectives) {
    const finite = points.flatMap((p, i) => (Number.isFinite(p[metric]) ? [i] : []));
    finite.sort((i, j) => points[i]![metric]! - points[j]![metric]! || i - j);
    if (finite.length === 0) continue;
    const low = points[finite[0]!]![metric]!;
    const high = points[finite[finite.length - 1]!]![metric]!;
    const range = high - low;
    if (!(range > 0)) continue;
    distances[finite[0]!] = Infinity;
    distances[finite[finite.length - 1]!] = Infinity;
    for (let k = 1; k < finite.length - 1; k++) {
      const gap = points[finite[k + 1]!]![metric]! - points[finite[k - 1]!]![metric]!;
      distances[finite[k]!]! += gap / range;
    }
  }
  return distances;
}

export interface ParetoScore {
  rank: number;
  crowding: number;
}

/** Better first: the lower rank, then the larger crowding distance (the less crowded point). */
export function compareParetoScore(a: ParetoScore, b: ParetoScore): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.crowding === b.crowding) return 0;
  return a.crowding > b.crowding ? -1 : 1;
}

/** Rank and crowding distance (within its rank) of every point. */
export function paretoScores(points: readonly Metrics[], objectives: readonly Objective[]): ParetoScore[] {
  const ranks = nonDominatedRanks(points, objectives);
  const scores: ParetoScore[] = ranks.map((rank) => ({ rank, crowding: 0 }));
  const levels = new Map<number, number[]>();
  ranks.forEach((rank, i) => levels.set(rank, [...(levels.get(rank) ?? []), i]));
  for (const members of levels.values()) {
    const crowding = crowdingDistances(members.map((i) => points[i]!), objectives);
    members.forEach((i, k) => (scores[i]!.crowding = crowding[k]!));
  }
  return scores;
}

/** Indices of `points` best-first by rank, then crowding; equal scores keep their input order. */
export function paretoOrder(points: readonly Metrics[], objectives: readonly Objective[]): number[] {
  const scores = paretoScores(points, objectives);
  return points.map((_, i) => i).sort((i, j) => compareParetoScore(scores[i]!, scores[j]!) || i - j);
}

export interface FrontOffer<T extends FrontPoint> {
  /** The non-dominated set afterwards, by seq. */
  front: T[];
  entered: boolean;
  /** Members the candidate dominates (or equals while older than them). */
  evicted: T[];
}

/**
 * Offers a point to a non-dominated set. It enters unless a member dominates it or equals it in every
 * objective while being older; entering evicts the members it dominates. Offering points in any order
 * ends in the same set: the non-dominated points, the oldest of each group of equals.
 */
export function offerToFront<T extends FrontPoint>(front: readonly T[], candidate: T, objectives: readonly Objective[]): FrontOffer<T> {
  for (const member of front) {
    if (dominates(member.metrics, candidate.metrics, objectives)) return { front: front.slice(), entered: false, evicted: [] };
    if (member.seq <= candidate.seq && sameObjectives(member.metrics, candidate.metrics, objectives)) {
      return { front: front.slice(), entered: false, evicted: [] };
    }
  }
  // An equal member left at this point is younger than the candidate (older ones returned above).
  const evicted = front.filter((m) => dominates(candidate.metrics, m.metrics, objectives) || sameObjectives(candidate.metrics, m.metrics, objectives));
  const gone = new Set(evicted);
  const kept = front.filter((m) => !gone.has(m));
  return { front: [...kept, candidate].sort((a, b) => a.seq - b.seq), entered: true, evicted };
}

/** The non-dominated set of `points` (the oldest of equals), by seq. */
export function nonDominated<T extends FrontPoint>(points: readonly T[], objectives: readonly Objective[]): T[] {
  let front: T[] = [];
  for (const point of points) front = offerToFront(front, point, objectives).front;
  return front;
}

/**
 * At most `limit` members of a front, chosen to spread along it: the largest crowding distances
 * (every objective's extremes first), older first among equals. Returned by seq.
 */
export function spreadSubset<T extends FrontPoint>(front: readonly T[], objectives: readonly Objective[], limit: number): T[] {
  if (front.length <= limit) return front.slice().sort((a, b) => a.seq - b.seq);
  const crowding = crowdingDistances(front.map((p) => p.metrics), objectives);
  const chosen = front
    .map((point, i) => ({ point, crowding: crowding[i]! }))
    .sort((a, b) => compareParetoScore({ rank: 0, crowding: a.crowding }, { rank: 0, crowding: b.crowding }) || a.point.seq - b.point.seq)
    .slice(0, Math.max(0, limit))
    .map((c) => c.point);
  return chosen.sort((a, b) => a.seq - b.seq);
}
