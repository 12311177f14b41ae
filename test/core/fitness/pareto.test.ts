// Pareto order: dominance under per-objective directions, ranks checked against a naive peeling
// oracle, crowding distances by hand, the rank-then-crowding order, and the incrementally kept front
// (order-independent, duplicates, missing values), with one objective degenerating to the scalar order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareFitness } from '../../../src/core/fitness/compare.ts';
import {
  compareLexicographic,
  compareObjective,
  crowdingDistances,
  dominates,
  nonDominated,
  nonDominatedRanks,
  offerToFront,
  paretoOrder,
  paretoScores,
  spreadSubset,
  type FrontPoint,
} from '../../../src/core/fitness/pareto.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { Metrics, Objective } from '../../../src/core/types.ts';

const MAX_MIN: Objective[] = [
  { metric: 'a', direction: 'max' },
  { metric: 'b', direction: 'min' },
];
const MAX_MAX: Objective[] = [
  { metric: 'a', direction: 'max' },
  { metric: 'b', direction: 'max' },
];

/** Ranks by repeatedly peeling off the points no remaining point dominates. */
function naiveRanks(points: Metrics[], objectives: Objective[]): number[] {
  const ranks = points.map(() => -1);
  for (let rank = 0; ranks.includes(-1); rank++) {
    const left = points.flatMap((_, i) => (ranks[i] === -1 ? [i] : []));
    const level = left.filter((i) => !left.some((j) => dominates(points[j]!, points[i]!, objectives)));
    for (const i of level) ranks[i] = rank;
  }
  return ranks;
}

/** Small integer values so ties and duplicates are common; some values missing or NaN. */
function randomPoints(rng: Rng, count: number, objectives: Objective[]): Metrics[] {
  return Array.from({ length: count }, () => {
    const point: Metrics = { other: rng.next() };
    for (const { metric } of objectives) {
      const draw = rng.next();
      if (draw < 0.05) continue;
      point[metric] = draw < 0.1 ? Number.NaN : rng.int(6);
    }
    return point;
  });
}

const points = (seqs: Array<[number, number, number]>): FrontPoint[] => seqs.map(([seq, a, b]) => ({ seq, metrics: { a, b } }));

describe('dominance', () => {
  it('reads each objective in its own direction', () => {
    assert.equal(dominates({ a: 2, b: 1 }, { a: 1, b: 2 }, MAX_MIN), true);
    assert.equal(dominates({ a: 1, b: 2 }, { a: 2, b: 1 }, MAX_MIN), false);
    assert.equal(dominates({ a: 2, b: 2 }, { a: 1, b: 1 }, MAX_MIN), false, 'better in a, worse in b: neither');
    assert.equal(dominates({ a: 2, b: 2 }, { a: 1, b: 1 }, MAX_MAX), true);
  });

  it('needs one strict improvement: equal points do not dominate each other', () => {
    assert.equal(dominates({ a: 1, b: 1 }, { a: 1, b: 1 }, MAX_MIN), false);
    assert.equal(dominates({ a: 1, b: 0 }, { a: 1, b: 1 }, MAX_MIN), true);
    assert.equal(dominates({ a: 1, b: 1, other: 9 }, { a: 1, b: 1, other: 0 }, MAX_MIN), false, 'metrics outside the objectives do not count');
  });

  it('treats a missing or NaN objective as worse than any number, infinities included', () => {
    assert.equal(compareObjective(undefined, -Infinity, 'max'), 1);
    assert.equal(compareObjective(Number.NaN, Infinity, 'min'), 1);
    assert.equal(compareObjective(3, undefined, 'min'), -1);
    assert.equal(compareObjective(undefined, Number.NaN, 'max'), 0);
    assert.equal(dominates({ a: 1, b: 5 }, { a: 1 }, MAX_MIN), true);
    assert.equal(dominates({ a: 1, b: Number.NaN }, { a: 1, b: 5 }, MAX_MIN), false);
    assert.equal(dominates({ a: 2 }, { a: 1, b: 0 }, MAX_MIN), false, 'best in a keeps a point with a missing b undominated by it');
  });

  it('orders lexicographically in a way that never puts a dominated point first', () => {
    const rng = Rng.fromSeed('lexicographic');
    const sample = randomPoints(rng, 60, MAX_MIN);
    const sorted = sample.slice().sort((x, y) => compareLexicographic(x, y, MAX_MIN));
    sorted.forEach((p, i) => {
      for (const later of sorted.slice(i + 1)) assert.equal(dominates(later, p, MAX_MIN), false);
    });
  });
});

describe('non-dominated ranks', () => {
  it('matches naive peeling on random points with ties, duplicates and missing values', () => {
    const rng = Rng.fromSeed('ranks');
    for (const objectives of [MAX_MIN, MAX_MAX, [...MAX_MIN, { metric: 'c', direction: 'min' as const }]]) {
      for (let trial = 0; trial < 20; trial++) {
        const sample = randomPoints(rng, 1 + rng.int(40), objectives);
        assert.deepEqual(nonDominatedRanks(sample, objectives), naiveRanks(sample, objectives));
      }
    }
  });

  it('gives duplicates the same rank and every point a rank', () => {
    const ranks = nonDominatedRanks([{ a: 1, b: 1 }, { a: 1, b: 1 }, { a: 0, b: 2 }, { a: 2, b: 0 }], MAX_MIN);
    assert.deepEqual(ranks, [1, 1, 2, 0]);
    assert.deepEqual(nonDominatedRanks([], MAX_MIN), []);
  });

  it('with one objective, ranks are the dense ranks of the scalar order', () => {
    const values = [3, 1, 3, Infinity, -2, 1];
    const ranks = nonDominatedRanks(values.map((a) => ({ a })), [{ metric: 'a', direction: 'max' }]);
    assert.deepEqual(ranks, [1, 2, 1, 0, 3, 2]);
    const minRanks = nonDominatedRanks(values.map((a) => ({ a })), [{ metric: 'a', direction: 'min' }]);
    assert.deepEqual(minRanks, [2, 1, 2, 3, 0, 1]);
  });
});

describe('crowding distance', () => {
  it('sums normalised neighbour gaps and gives each objective\'s extremes Infinity', () => {
    // a: 0, 1, 3, 4 (range 4); b: 4, 3, 1, 0 (range 4) — on a line, so both objectives agree.
    const d = crowdingDistances([{ a: 0, b: 4 }, { a: 1, b: 3 }, { a: 3, b: 1 }, { a: 4, b: 0 }], MAX_MIN);
    assert.deepEqual(d, [Infinity, (3 - 0) / 4 + (4 - 1) / 4, (4 - 1) / 4 + (3 - 0) / 4, Infinity]);
  });

  it('ignores an objective all points share, so duplicates get no spurious extremes', () => {
    assert.deepEqual(crowdingDistances([{ a: 1, b: 1 }, { a: 1, b: 1 }, { a: 1, b: 1 }], MAX_MIN), [0, 0, 0]);
    // Duplicated extremes: the first in input order takes the Infinity, its twin a finite gap.
    const d = crowdingDistances([{ a: 0, b: 0 }, { a: 0, b: 0 }, { a: 2, b: 0 }], MAX_MIN);
    assert.deepEqual(d, [Infinity, 1, Infinity]);
  });

  it('leaves missing and non-finite values out of an objective\'s distance', () => {
    const d = crowdingDistances([{ a: 0, b: 1 }, { a: 5 }, { a: 10, b: 3 }, { a: Infinity, b: 2 }], MAX_MIN);
    assert.equal(d[0], Infinity);
    assert.equal(d[2], Infinity);
    assert.equal(d[1], 1, 'interior in a (gap 10 over range 10), absent from b');
    assert.equal(d[3], (3 - 1) / 2, 'interior in b only (gap 2 over range 2); its infinite a takes no part');
  });

  it('is 0 for a single point with nothing to compare and Infinity for two distinct ones', () => {
    assert.deepEqual(crowdingDistances([{ a: 1, b: 1 }], MAX_MIN), [0]);
    assert.deepEqual(crowdingDistances([{ a: 1, b: 1 }, { a: 2, b: 2 }], MAX_MIN), [Infinity, Infinity]);
  });
});

describe('Pareto order', () => {
  it('puts lower ranks first and, within a rank, the less crowded points', () => {
    const sample: Metrics[] = [
      { a: 1, b: 2 }, // rank 1: dominated by { a: 2, b: 1.1 }
      { a: 0, b: 0 }, // rank 0, extreme
      { a: 2, b: 1.1 }, // rank 0, interior, crowded
      { a: 2.1, b: 1.2 }, // rank 0, interior, crowded
      { a: 5, b: 4 }, // rank 0, extreme
      { a: 3, b: 2 }, // rank 0, interior, spacious
    ];
    const scores = paretoScores(sample, MAX_MIN);
    assert.deepEqual(scores.map((s) => s.rank), [1, 0, 0, 0, 0, 0]);
    assert.deepEqual(paretoOrder(sample, MAX_MIN), [1, 4, 5, 2, 3, 0]);
  });

  it('with one objective, is the scalar best-first order', () => {
    const rng = Rng.fromSeed('scalar');
    for (const direction of ['max', 'min'] as const) {
      const values = Array.from({ length: 30 }, () => rng.int(10) - 3);
      const order = paretoOrder(values.map((a) => ({ a })), [{ metric: 'a', direction }]).map((i) => values[i]!);
      assert.deepEqual(order, values.slice().sort((x, y) => compareFitness(x, y, direction)));
    }
  });
});

describe('the non-dominated set', () => {
  it('admits a point unless a member dominates it, and evicts the members it dominates', () => {
    let front = nonDominated(points([[1, 1, 5], [2, 3, 6]]), MAX_MIN);
    assert.deepEqual(front.map((p) => p.seq), [1, 2]);
    const dominated = offerToFront(front, { seq: 3, metrics: { a: 0, b: 6 } }, MAX_MIN);
    assert.equal(dominated.entered, false);
    assert.deepEqual(dominated.front, front);
    const strong = offerToFront(front, { seq: 4, metrics: { a: 3, b: 5 } }, MAX_MIN);
    assert.equal(strong.entered, true);
    assert.deepEqual(strong.evicted.map((p) => p.seq), [1, 2]);
    front = strong.front;
    assert.deepEqual(front.map((p) => p.seq), [4]);
  });

  it('keeps only the oldest of points equal in every objective', () => {
    const front = nonDominated(points([[5, 1, 1], [2, 1, 1], [9, 1, 1]]), MAX_MIN);
    assert.deepEqual(front.map((p) => p.seq), [2]);
    const younger = offerToFront(front, { seq: 7, metrics: { a: 1, b: 1, other: 3 } }, MAX_MIN);
    assert.equal(younger.entered, false);
  });

  it('ends in the same set whatever the order points arrive in', () => {
    const rng = Rng.fromSeed('front order');
    for (let trial = 0; trial < 20; trial++) {
      const sample: FrontPoint[] = randomPoints(rng, 30, MAX_MIN).map((metrics, seq) => ({ seq, metrics }));
      const inOrder = nonDominated(sample, MAX_MIN).map((p) => p.seq);
      const shuffled = nonDominated(rng.shuffle(sample.slice()), MAX_MIN).map((p) => p.seq);
      assert.deepEqual(shuffled, inOrder);
      // It is the rank-0 set, minus younger duplicates.
      const ranks = nonDominatedRanks(sample.map((p) => p.metrics), MAX_MIN);
      const expected = sample.filter((p, i) => ranks[i] === 0 && !sample.slice(0, i).some((q) => compareLexicographic(q.metrics, p.metrics, MAX_MIN) === 0));
      assert.deepEqual(inOrder, expected.map((p) => p.seq));
    }
  });

  it('keeps a point with a missing objective only while nothing beats it on the others', () => {
    let front = nonDominated(points([[1, 5, 5]]), MAX_MIN);
    front = offerToFront(front, { seq: 2, metrics: { a: 9 } }, MAX_MIN).front;
    assert.deepEqual(front.map((p) => p.seq), [1, 2], 'best a, missing b: both kept');
    front = offerToFront(front, { seq: 3, metrics: { a: 9, b: 100 } }, MAX_MIN).front;
    assert.deepEqual(front.map((p) => p.seq), [1, 3], 'the same a with any b dominates it');
  });

  it('with one objective, is the oldest of the best', () => {
    const front = nonDominated([3, 7, 7, 1].map((a, seq) => ({ seq, metrics: { a } })), [{ metric: 'a', direction: 'max' }]);
    assert.deepEqual(front.map((p) => p.seq), [1]);
  });

  it('bounds a front to its most spread members, extremes first, by seq', () => {
    const front = points([[1, 0, 0], [2, 1, 1], [3, 1.1, 1.1], [4, 5, 5], [5, 9, 9], [6, 10, 10]]);
    assert.deepEqual(spreadSubset(front, MAX_MIN, 10).map((p) => p.seq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(spreadSubset(front, MAX_MIN, 2).map((p) => p.seq), [1, 6]);
    assert.deepEqual(spreadSubset(front, MAX_MIN, 3).map((p) => p.seq), [1, 4, 6]);
    assert.deepEqual(spreadSubset(front, MAX_MIN, 0), []);
  });
});
