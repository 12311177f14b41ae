import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Archive, type ArchiveEntry, type ArchiveOptions } from '../../../src/core/archive/archive.ts';
import { cellKey, metricCoords } from '../../../src/core/descriptors/binning.ts';
import { project } from '../../../src/core/descriptors/projection.ts';
import { compareFitness, isBetter } from '../../../src/core/fitness/compare.ts';
import { dominates } from '../../../src/core/fitness/pareto.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { Direction, Objective } from '../../../src/core/types.ts';
import { learnedEntry, metricEntry, structuredSamples, unitVector, type NewEntry } from '../fixtures.ts';

const DIM = 32;
const XY = [
  { metric: 'x', min: 0, max: 1 },
  { metric: 'y', min: 0, max: 1 },
];

function metricOptions(direction: Direction, islands = 2): ArchiveOptions {
  return { islands, bins: 5, dims: 2, warmup: 8, direction, descriptors: XY };
}

function learnedOptions(direction: Direction, islands = 2): ArchiveOptions {
  return { islands, bins: 6, dims: 2, warmup: 8, direction, descriptors: 'learned' };
}

/** The reference model: per island and cell, the first entry whose fitness no later one strictly beat. */
class BruteForce {
  readonly cells = new Map<string, NewEntry>();
  constructor(private readonly direction: Direction) {}
  offer(entry: NewEntry, cell: string): void {
    const key = `${entry.island}|${cell}`;
    const incumbent = this.cells.get(key);
    // Written out rather than via isBetter, so the model does not share the code under test.
    const better = incumbent === undefined || (this.direction === 'max' ? entry.fitness > incumbent.fitness : entry.fitness < incumbent.fitness);
    if (better) this.cells.set(key, entry);
  }
}

function eliteMap(archive: Archive, islands: number): Map<string, string> {
  const map = new Map<string, string>();
  for (let island = 0; island < islands; island++) for (const e of archive.elites(island)) map.set(`${island}|${e.cell}`, e.id);
  return map;
}

function embeddingsOf(entries: ArchiveEntry[]): number[][] {
  return entries.map((e) => e.embedding!);
}

describe('Archive', () => {
  for (const direction of ['max', 'min'] as const) {
    it(`keeps per cell the best entry ever offered, ties to the first (${direction}, metric descriptors)`, () => {
      const rng = Rng.fromSeed(`brute force ${direction}`);
      const archive = new Archive(metricOptions(direction));
      const model = new BruteForce(direction);
      for (let i = 0; i < 3000; i++) {
        // Few distinct fitness values, so ties are common.
        const entry = metricEntry(`e${i}`, rng.int(2), rng.int(20), rng.next(), rng.next());
        const result = archive.insert(entry);
        model.offer(entry, cellKey(metricCoords(entry.metrics, XY)!, 5));
        assert.notEqual(result.status, 'warmup');
      }
      assert.deepEqual(eliteMap(archive, 2), new Map([...model.cells].map(([k, e]) => [k, e.id])));
      const all = archive.elites();
      for (let i = 1; i < all.length; i++) assert.ok(compareFitness(all[i - 1]!.fitness, all[i]!.fitness, direction) <= 0);
      assert.equal(archive.size(), model.cells.size);
    });

    it(`keeps per cell the best entry ever offered after a fit (${direction}, learned descriptors)`, () => {
      const rng = Rng.fromSeed(`learned brute force ${direction}`);
      const basis = [0, 1].map(() => unitVector(rng, DIM));
      const archive = new Archive(learnedOptions(direction));
      const warm = structuredSamples(rng, 8, DIM, basis).map((v, i) => learnedEntry(`w${i}`, i % 2, rng.int(20), v));
      for (const e of warm) assert.deepEqual(archive.insert(e), { status: 'warmup' });
      const model = new BruteForce(direction);
      const refit = archive.refit(warm.map((e) => e.embedding!));
      for (const e of refit.elites) model.offer(e, e.cell!);
      for (const [i, v] of structuredSamples(rng, 1500, DIM, basis).entries()) {
        const entry = learnedEntry(`e${i}`, rng.int(2), rng.int(20), v);
        archive.insert(entry);
        model.offer(entry, cellKey(project(archive.projection!, v), 6));
      }
      assert.deepEqual(eliteMap(archive, 2), new Map([...model.cells].map(([k, e]) => [k, e.id])));
    });
  }

  it('replaces an elite only with a strictly better fitness', () => {
    const archive = new Archive(metricOptions('min'));
    assert.deepEqual(archive.insert(metricEntry('a', 0, 5, 0.1, 0.1)), { status: 'placed', cell: '0,0', replacedId: null });
    assert.deepEqual(archive.insert(metricEntry('b', 0, 5, 0.15, 0.05)), { status: 'rejected', cell: '0,0', incumbentId: 'a' });
    assert.deepEqual(archive.insert(metricEntry('c', 0, 6, 0.1, 0.1)), { status: 'rejected', cell: '0,0', incumbentId: 'a' });
    assert.deepEqual(archive.insert(metricEntry('d', 0, 4, 0.1, 0.1)), { status: 'placed', cell: '0,0', replacedId: 'a' });
    assert.deepEqual(archive.insert(metricEntry('e', 1, 9, 0.1, 0.1)), { status: 'placed', cell: '0,0', replacedId: null });
    assert.equal(archive.best()?.id, 'd');
    assert.equal(archive.best(1)?.id, 'e');
  });

  it('reports an entry lacking a descriptor metric as unplaced', () => {
    const archive = new Archive(metricOptions('max'));
    assert.deepEqual(archive.insert({ id: 'a', island: 0, fitness: 1, metrics: { x: 0.5 }, embedding: null }), { status: 'unplaced', missingMetric: 'y' });
    assert.equal(archive.size(), 0);
  });

  it('rejects programming errors: no embedding with learned descriptors, a bad island, a NaN fitness', () => {
    const archive = new Archive(learnedOptions('max'));
    assert.throws(() => archive.insert({ id: 'a', island: 0, fitness: 1, metrics: {}, embedding: null }), /embedding/);
    assert.throws(() => archive.insert(learnedEntry('a', 2, 1, [1, 0])), /island 2/);
    assert.throws(() => archive.insert(learnedEntry('a', 0, Number.NaN, [1, 0])), /NaN/);
    assert.throws(() => new Archive(metricOptions('max')).refit([[1, 0]]), /learned/);
  });

  it('places nothing before the first fit and offers the warm-up pool instead', () => {
    const rng = Rng.fromSeed('warmup');
    const archive = new Archive(learnedOptions('max', 3));
    for (let i = 0; i < 6; i++) assert.deepEqual(archive.insert(learnedEntry(`w${i}`, i % 2, i, unitVector(rng, DIM))), { status: 'warmup' });
    assert.equal(archive.size(), 0);
    assert.equal(archive.warmupSize(), 6);
    assert.deepEqual(archive.elites(), []);
    assert.equal(archive.projection, null);
    assert.deepEqual(archive.members(1).map((e) => e.id), ['w5', 'w3', 'w1']);
    // Island 2 has no warm-up entries of its own: it may choose from all of them.
    assert.equal(archive.members(2).length, 6);
    assert.equal(archive.best()?.id, 'w5');
    assert.equal(archive.best(0)?.id, 'w4');
    assert.deepEqual(archive.migrate(1), []);
  });

  it('re-projects every elite on refit and loses none; the displaced are never better than their cell winner', () => {
    const rng = Rng.fromSeed('refit');
    const basis = [0, 1, 2].map(() => unitVector(rng, DIM));
    const archive = new Archive(learnedOptions('max'));
    const warm = structuredSamples(rng, 20, DIM, basis).map((v, i) => learnedEntry(`w${i}`, i % 2, rng.next(), v));
    for (const e of warm) archive.insert(e);
    const first = archive.refit(embeddingsOf(warm as ArchiveEntry[]));
    assert.equal(archive.warmupSize(), 0);
    const placedOrDisplaced = new Set([...first.elites.map((e) => `${e.island}|${e.id}`), ...first.displaced.map((d) => `${d.island}|${d.id}`)]);
    assert.equal(placedOrDisplaced.size, warm.length, 'every warm-up entry is placed or displaced');

    for (const [i, v] of structuredSamples(rng, 400, DIM, basis).entries()) archive.insert(learnedEntry(`e${i}`, rng.int(2), rng.next(), v));
    const before = archive.elites();
    // Refit on samples from a shifted distribution, so many elites change cells and collide.
    const shifted = structuredSamples(rng, 200, DIM, [basis[2]!, basis[0]!, unitVector(rng, DIM)]);
    const result = archive.refit(shifted);
    const projection = archive.projection!;

    const after = new Set(result.elites.map((e) => `${e.island}|${e.id}`));
    const displaced = new Set(result.displaced.map((d) => `${d.island}|${d.id}`));
    assert.ok(displaced.size > 0, 'the test should provoke collisions');
    for (const e of before) assert.ok(after.has(`${e.island}|${e.id}`) !== displaced.has(`${e.island}|${e.id}`), `${e.id} lost or double-counted`);
    assert.deepEqual(new Set(result.displacedIds), new Set(result.displaced.map((d) => d.id)));
    assert.equal(result.elites.length, archive.size());

    for (const e of result.elites) {
      assert.deepEqual(e.coords, project(projection, e.embedding!));
      assert.equal(e.cell, cellKey(e.coords!, 6));
    }
    const byId = new Map(before.map((e) => [`${e.island}|${e.id}`, e]));
    for (const d of result.displaced) {
      const loser = byId.get(`${d.island}|${d.id}`)!;
      const winner = archive.elites(d.island).find((e) => e.cell === cellKey(project(projection, loser.embedding!), 6))!;
      assert.ok(!isBetter(loser.fitness, winner.fitness, 'max'), `${loser.id} beats the winner ${winner.id}`);
    }
  });

  it('migrates the top elites around the ring, keeping their ids', () => {
    const archive = new Archive(metricOptions('max', 3));
    archive.insert(metricEntry('a', 0, 10, 0.1, 0.1));
    archive.insert(metricEntry('a2', 0, 1, 0.9, 0.9));
    archive.insert(metricEntry('b', 1, 5, 0.1, 0.1));
    archive.insert(metricEntry('c', 2, 7, 0.5, 0.5));
    // Migrants are chosen before any moves: b leaves island 1 even though a then displaces it there.
    const moves = archive.migrate(1);
    assert.deepEqual(moves, [
      { fromIsland: 0, toIsland: 1, ids: ['a'] },
      { fromIsland: 1, toIsland: 2, ids: ['b'] },
      { fromIsland: 2, toIsland: 0, ids: ['c'] },
    ]);
    assert.deepEqual(archive.elites(1).map((e) => [e.id, e.island]), [['a', 1]]);
    assert.deepEqual(archive.elites(2).map((e) => e.id), ['c', 'b']);
    assert.deepEqual(archive.elites(0).map((e) => [e.id, e.island]), [['a', 0], ['c', 0], ['a2', 0]]);
    // A second round offers a back to island 2 (placed over b) and a to island 0 again (a tie: rejected).
    assert.deepEqual(archive.migrate(1), [{ fromIsland: 1, toIsland: 2, ids: ['a'] }]);
    assert.equal(archive.elites().filter((e) => e.id === 'a').length, 3, 'the same id may be elite on several islands');
    assert.deepEqual(new Archive(metricOptions('max', 1)).migrate(3), []);
  });

  it('behaves identically after snapshot → JSON → restore', () => {
    const rng = Rng.fromSeed('snapshot');
    const basis = [0, 1].map(() => unitVector(rng, DIM));
    const options = learnedOptions('min', 3);
    const archive = new Archive(options);
    const stream = structuredSamples(rng, 600, DIM, basis).map((v, i) => learnedEntry(`e${i}`, rng.int(3), rng.int(50), v));
    for (const e of stream.slice(0, 10)) archive.insert(e);
    archive.refit(stream.slice(0, 10).map((e) => e.embedding!));
    for (const e of stream.slice(10, 300)) archive.insert(e);
    archive.migrate(2);

    const restored = Archive.restore(options, JSON.parse(JSON.stringify(archive.snapshot())));
    assert.deepEqual(restored.snapshot(), archive.snapshot());
    for (const e of stream.slice(300, 450)) assert.deepEqual(restored.insert(e), archive.insert(e));
    assert.deepEqual(restored.migrate(1), archive.migrate(1));
    const samples = stream.slice(200, 400).map((e) => e.embedding!);
    assert.deepEqual(restored.refit(samples), archive.refit(samples));
    for (const e of stream.slice(450)) assert.deepEqual(restored.insert(e), archive.insert(e));
    for (let island = 0; island < 3; island++) assert.deepEqual(restored.members(island), archive.members(island));
    assert.deepEqual(restored.best(), archive.best());
  });

  it('restores into the warm-up pool when the projection no longer matches the dims', () => {
    const rng = Rng.fromSeed('dims changed');
    const archive = new Archive(learnedOptions('max'));
    const entries = Array.from({ length: 12 }, (_, i) => learnedEntry(`e${i}`, i % 2, i, unitVector(rng, DIM)));
    for (const e of entries) archive.insert(e);
    archive.refit(entries.map((e) => e.embedding!));
    const restored = Archive.restore({ ...learnedOptions('max'), dims: 3 }, archive.snapshot());
    assert.equal(restored.projection, null);
    assert.equal(restored.size(), 0);
    assert.equal(restored.warmupSize(), archive.size());
  });
});

describe('Archive with several objectives', () => {
  const OBJECTIVES: Objective[] = [
    { metric: 'a', direction: 'max' },
    { metric: 'b', direction: 'min' },
  ];
  const paretoOptions = (islands = 2): ArchiveOptions => ({ ...metricOptions('max', islands), objectives: OBJECTIVES });
  const entry = (id: string, island: number, a: number, b: number, x: number, y: number): NewEntry => ({
    id,
    island,
    fitness: a,
    metrics: { a, b, x, y },
    embedding: null,
  });

  it('keeps per cell the first entry no later one dominated (a brute-force model)', () => {
    const rng = Rng.fromSeed('pareto brute force');
    const archive = new Archive(paretoOptions());
    const cells = new Map<string, NewEntry>();
    for (let i = 0; i < 3000; i++) {
      const e = entry(`e${i}`, rng.int(2), rng.int(6), rng.int(6), rng.next(), rng.next());
      archive.insert(e);
      const key = `${e.island}|${cellKey(metricCoords(e.metrics, XY)!, 5)}`;
      const incumbent = cells.get(key);
      // Written out: no worse in both, better in one.
      const ia = incumbent?.metrics['a'] ?? 0;
      const ib = incumbent?.metrics['b'] ?? 0;
      const [ea, eb] = [e.metrics['a']!, e.metrics['b']!];
      if (incumbent === undefined || (ea >= ia && eb <= ib && (ea > ia || eb < ib))) cells.set(key, e);
    }
    assert.deepEqual(eliteMap(archive, 2), new Map([...cells].map(([k, e]) => [k, e.id])));
  });

  it('lets neither of two incomparable entries displace the other; best is by the first objective', () => {
    const archive = new Archive(paretoOptions());
    assert.equal(archive.insert(entry('p', 0, 5, 5, 0.1, 0.1)).status, 'placed');
    assert.deepEqual(archive.insert(entry('q', 0, 9, 9, 0.1, 0.1)), { status: 'rejected', cell: '0,0', incumbentId: 'p' });
    assert.deepEqual(archive.insert(entry('r', 0, 5, 4, 0.1, 0.1)), { status: 'placed', cell: '0,0', replacedId: 'p' });
    assert.deepEqual(archive.insert(entry('s', 0, 5, 4, 0.1, 0.1)), { status: 'rejected', cell: '0,0', incumbentId: 'r' }, 'an equal entry keeps the incumbent');
    archive.insert(entry('t', 0, 7, 9, 0.9, 0.9));
    archive.insert(entry('u', 0, 7, 1, 0.5, 0.5));
    assert.equal(archive.best()?.id, 'u', 'largest a, then smallest b');
    assert.deepEqual(archive.elites(0).map((e) => e.id), ['u', 't', 'r']);
  });

  it('migrates in Pareto order: a rank-0 entry before a dominated one with a better first objective', () => {
    // By the first objective alone the two migrants would be front-high and dominated.
    const archive = new Archive(paretoOptions());
    archive.insert(entry('front-low', 0, 1, 0, 0.1, 0.1));
    archive.insert(entry('front-high', 0, 9, 5, 0.5, 0.5));
    archive.insert(entry('dominated', 0, 8, 6, 0.9, 0.9));
    const moves = archive.migrate(2);
    assert.deepEqual(moves, [{ fromIsland: 0, toIsland: 1, ids: ['front-high', 'front-low'] }]);
  });

  it('refits without any cell winner being dominated by a loser', () => {
    const rng = Rng.fromSeed('pareto refit');
    const basis = [0, 1].map(() => unitVector(rng, DIM));
    const archive = new Archive({ ...learnedOptions('max'), objectives: OBJECTIVES });
    const stream = structuredSamples(rng, 300, DIM, basis).map((v, i): NewEntry => {
      const [a, b] = [rng.int(5), rng.int(5)];
      return { id: `e${i}`, island: rng.int(2), fitness: a, metrics: { a, b }, embedding: v };
    });
    for (const e of stream) archive.insert(e);
    const result = archive.refit(stream.map((e) => e.embedding!));
    assert.ok(result.displaced.length > 0);
    const byId = new Map(stream.map((e) => [e.id, e]));
    for (const d of result.displaced) {
      const loser = byId.get(d.id)!;
      const winner = archive.elites(d.island).find((e) => e.cell === cellKey(project(archive.projection!, loser.embedding!), 6))!;
      assert.equal(dominates(loser.metrics, winner.metrics, OBJECTIVES), false, `${loser.id} dominates the winner ${winner.id}`);
    }
  });
});
