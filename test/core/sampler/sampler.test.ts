import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Archive, type ArchiveEntry } from '../../../src/core/archive/archive.ts';
import { cellCoords, cellDistance } from '../../../src/core/descriptors/binning.ts';
import { Rng } from '../../../src/core/rng.ts';
import { CuriosityStats } from '../../../src/core/sampler/curiosity.ts';
import { sampleInspirations, sampleParent, type SamplerWeights } from '../../../src/core/sampler/sampler.ts';
import type { Objective } from '../../../src/core/types.ts';
import { learnedEntry, metricEntry, unitVector } from '../fixtures.ts';

/** Ten elites on island 0, one per cell along the diagonal, fitness 0..9. */
function diagonalArchive(): Archive {
  const archive = new Archive({ islands: 1, bins: 10, dims: 2, warmup: 2, direction: 'max', descriptors: [{ metric: 'x', min: 0, max: 1 }, { metric: 'y', min: 0, max: 1 }] });
  for (let i = 0; i < 10; i++) archive.insert(metricEntry(`e${i}`, 0, i, i / 10 + 0.05, i / 10 + 0.05));
  return archive;
}

function frequencies(draws: number, draw: () => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const key = draw();
    counts.set(key, (counts.get(key) ?? 0) + 1 / draws);
  }
  return counts;
}

describe('sampleParent', () => {
  const members = diagonalArchive().members(0);
  const curiosity = new CuriosityStats();
  curiosity.record('2,2', true);
  curiosity.record('7,7', false);

  it('chooses strategies in proportion to their weights', () => {
    const rng = Rng.fromSeed('strategies');
    const weights: SamplerWeights = { exploit: 0.6, explore: 0.3, curiosity: 0.1 };
    const freq = frequencies(6000, () => sampleParent(members, rng, weights, curiosity, 'max').strategy);
    assert.ok(Math.abs(freq.get('exploit')! - 0.6) < 0.03, `exploit ${freq.get('exploit')}`);
    assert.ok(Math.abs(freq.get('explore')! - 0.3) < 0.03, `explore ${freq.get('explore')}`);
    assert.ok(Math.abs(freq.get('curiosity')! - 0.1) < 0.02, `curiosity ${freq.get('curiosity')}`);
  });

  for (const direction of ['max', 'min'] as const) {
    it(`exploit favours better ranks (${direction})`, () => {
      const rng = Rng.fromSeed(`exploit ${direction}`);
      const freq = frequencies(6000, () => sampleParent(members, rng, { exploit: 1, explore: 0, curiosity: 0 }, curiosity, direction).entry.id);
      const [best, second, worst] = direction === 'max' ? ['e9', 'e8', 'e0'] : ['e0', 'e1', 'e9'];
      assert.ok(freq.get(best)! > freq.get(second)!);
      assert.ok(freq.get(best)! > 5 * freq.get(worst)!);
    });
  }

  it('explore is uniform over occupied cells', () => {
    const rng = Rng.fromSeed('explore');
    const freq = frequencies(6000, () => sampleParent(members, rng, { exploit: 0, explore: 1, curiosity: 0 }, curiosity, 'max').entry.id);
    for (const m of members) assert.ok(Math.abs(freq.get(m.id)! - 0.1) < 0.02, `${m.id} ${freq.get(m.id)}`);
  });

  it('curiosity picks only cells with stats, the improving ones more often, and falls back to explore without stats', () => {
    const rng = Rng.fromSeed('curiosity');
    const weights = { exploit: 0, explore: 0, curiosity: 1 };
    const freq = frequencies(3000, () => sampleParent(members, rng, weights, curiosity, 'max').entry.id);
    assert.deepEqual([...freq.keys()].sort(), ['e2', 'e7']);
    assert.ok(freq.get('e2')! > freq.get('e7')!);
    assert.equal(sampleParent(members, rng, weights, new CuriosityStats(), 'max').strategy, 'explore');
  });

  it('explores when every weight is zero and refuses an empty member list', () => {
    const rng = Rng.fromSeed('zero');
    assert.equal(sampleParent(members, rng, { exploit: 0, explore: 0, curiosity: 0 }, curiosity, 'max').strategy, 'explore');
    assert.throws(() => sampleParent([], rng, { exploit: 1, explore: 1, curiosity: 1 }, curiosity, 'max'), /at least one/);
  });

  it('with several objectives, exploit weights members by their place in Pareto order (rank, then crowding)', () => {
    const objectives: Objective[] = [
      { metric: 'a', direction: 'max' },
      { metric: 'b', direction: 'max' },
    ];
    // A front of three (two extremes and a crowded middle point) plus one dominated member that is
    // the best by `a` alone among the rest: scalar ranking would favour it over the front's middle.
    const pareto: ArchiveEntry[] = [
      { id: 'dominated', island: 0, fitness: 4, metrics: { a: 4, b: 0.5 }, embedding: null, coords: null, cell: null },
      { id: 'middle', island: 0, fitness: 2.9, metrics: { a: 2.9, b: 2 }, embedding: null, coords: null, cell: null },
      { id: 'high-a', island: 0, fitness: 5, metrics: { a: 5, b: 1 }, embedding: null, coords: null, cell: null },
      { id: 'high-b', island: 0, fitness: 1, metrics: { a: 1, b: 5 }, embedding: null, coords: null, cell: null },
    ];
    const rng = Rng.fromSeed('pareto exploit');
    const freq = frequencies(12000, () => sampleParent(pareto, rng, { exploit: 1, explore: 0, curiosity: 0 }, curiosity, 'max', objectives).entry.id);
    // paretoOrder: high-a, high-b (extremes, input order), middle, dominated → weights 1, 1/2, 1/3, 1/4.
    const total = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    const expected: Record<string, number> = { 'high-a': 1 / total, 'high-b': 1 / 2 / total, middle: 1 / 3 / total, dominated: 1 / 4 / total };
    for (const [id, p] of Object.entries(expected)) assert.ok(Math.abs(freq.get(id)! - p) < 0.02, `${id} ${freq.get(id)} vs ${p}`);
    // One objective listed: the scalar order, exactly as without objectives.
    const one = (seed: string, objectivesArg?: Objective[]) => {
      const r = Rng.fromSeed(seed);
      return Array.from({ length: 200 }, () => sampleParent(pareto, r, { exploit: 1, explore: 0, curiosity: 0 }, curiosity, 'max', objectivesArg).entry.id);
    };
    assert.deepEqual(one('single', [objectives[0]!]), one('single'));
  });

  it('gives the same sequence for the same seed', () => {
    const run = (seed: string): string[] => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 50 }, () => {
        const { entry, strategy } = sampleParent(members, rng, { exploit: 0.6, explore: 0.3, curiosity: 0.1 }, curiosity, 'max');
        return `${strategy}:${entry.id}`;
      });
    };
    assert.deepEqual(run('same'), run('same'));
    assert.notDeepEqual(run('same'), run('other'));
  });
});

describe('sampleInspirations', () => {
  /** A full 10×10 grid on island 0; fitness grows with x + y, so 9,9 is the best. */
  function fullGrid(): Archive {
    const archive = new Archive({ islands: 2, bins: 10, dims: 2, warmup: 2, direction: 'max', descriptors: [{ metric: 'x', min: 0, max: 1 }, { metric: 'y', min: 0, max: 1 }] });
    for (let x = 0; x < 10; x++) for (let y = 0; y < 10; y++) archive.insert(metricEntry(`${x},${y}`, 0, x + y + x / 100, x / 10 + 0.05, y / 10 + 0.05));
    return archive;
  }
  const at = (archive: Archive, cell: string): ArchiveEntry => archive.elites(0).find((e) => e.cell === cell)!;

  it('returns the island best, then neighbours at distance 1, never the parent, no duplicates', () => {
    const archive = fullGrid();
    const parent = at(archive, '4,4');
    const rng = Rng.fromSeed('neighbours');
    for (let round = 0; round < 50; round++) {
      const inspirations = sampleInspirations(archive, parent, 4, rng);
      assert.equal(inspirations.length, 4);
      assert.equal(inspirations[0]!.id, '9,9');
      assert.equal(new Set(inspirations.map((e) => e.id)).size, 4);
      assert.ok(inspirations.every((e) => e.id !== parent.id));
      for (const e of inspirations.slice(1)) assert.equal(cellDistance(cellCoords(e.cell!), [4, 4]), 1);
    }
  });

  it('widens to distance 2 and 3 when the nearer ring is too small, and never further', () => {
    const archive = new Archive({ islands: 1, bins: 10, dims: 2, warmup: 2, direction: 'min', descriptors: [{ metric: 'x', min: 0, max: 1 }, { metric: 'y', min: 0, max: 1 }] });
    const place = (id: string, fitness: number, x: number, y: number): void => void archive.insert(metricEntry(id, 0, fitness, x / 10 + 0.05, y / 10 + 0.05));
    place('parent', 5, 0, 0);
    place('best', 1, 9, 9);
    place('d1', 6, 1, 0);
    place('d2', 7, 2, 2);
    place('d3', 8, 0, 3);
    place('d4', 9, 4, 4);
    const parent = archive.elites(0).find((e) => e.id === 'parent')!;
    const ids = sampleInspirations(archive, parent, 10, Rng.fromSeed('widen')).map((e) => e.id);
    assert.deepEqual(ids, ['best', 'd1', 'd2', 'd3']);
  });

  it('leaves the best out when the parent is the best, and returns nothing for k = 0', () => {
    const archive = fullGrid();
    const best = at(archive, '9,9');
    const inspirations = sampleInspirations(archive, best, 3, Rng.fromSeed('best parent'));
    assert.equal(inspirations.length, 3);
    for (const e of inspirations) assert.equal(cellDistance(cellCoords(e.cell!), [9, 9]), 1);
    assert.deepEqual(sampleInspirations(archive, best, 0, Rng.fromSeed('k0')), []);
  });

  it('draws from the island warm-up pool before the first fit', () => {
    const rng = Rng.fromSeed('warm inspirations');
    const archive = new Archive({ islands: 2, bins: 10, dims: 2, warmup: 10, direction: 'max', descriptors: 'learned' });
    for (let i = 0; i < 8; i++) archive.insert(learnedEntry(`w${i}`, i % 2, i, unitVector(rng, 16)));
    const parent = archive.members(0).find((e) => e.id === 'w6')!;
    for (let round = 0; round < 20; round++) {
      const ids = sampleInspirations(archive, parent, 2, rng).map((e) => e.id);
      assert.equal(ids.length, 2);
      assert.equal(ids[0], 'w4');
      assert.ok(['w0', 'w2'].includes(ids[1]!));
    }
  });
});
