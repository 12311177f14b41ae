// The MAP-Elites archive: one grid per island, descriptors either learned (embedding → PCA → bins,
// after a warm-up pool fills) or read from metrics, ring migration, and a JSON snapshot for resume.
import { cellKey, metricCoords, type MetricDescriptor } from '../descriptors/binning.ts';
import { fitProjection, project, type Projection } from '../descriptors/projection.ts';
import { paretoOrder } from '../fitness/pareto.ts';
import type { Direction, Objective } from '../types.ts';
import { compareStored, entryPreference, IslandGrid, type ArchiveEntry, type EntryPreference, type StoredEntry } from './grid.ts';

export type { ArchiveEntry } from './grid.ts';

export interface ArchiveOptions {
  islands: number;
  bins: number;
  dims: number;
  warmup: number;
  direction: Direction;
  /** Several objectives: cells go to dominating newcomers and migrants are chosen in Pareto order. */
  objectives?: Objective[];
  descriptors: 'learned' | MetricDescriptor[];
}

export type InsertResult =
  | { status: 'warmup' }
  | { status: 'placed'; cell: string; replacedId: string | null }
  | { status: 'rejected'; cell: string; incumbentId: string }
  /** Metric descriptors only: the entry lacks a descriptor metric, so it has no cell. */
  | { status: 'unplaced'; missingMetric: string };

export interface RefitResult {
  /** The complete new elite set, island by island, each best-first. */
  elites: ArchiveEntry[];
  /** Ids that lost a cell collision (deduplicated); they remain individuals, just not elites there. */
  displacedIds: string[];
  /** The same, per island (an id may be displaced on one island and still an elite on another). */
  displaced: Array<{ id: string; island: number }>;
}

/** Plain data; elites and warm-up entries are listed oldest first, which is what restore relies on. */
export interface ArchiveSnapshot {
  projection: Projection | null;
  elites: ArchiveEntry[];
  warmup: ArchiveEntry[];
}

export class Archive {
  private readonly grids: IslandGrid[];
  private pool: StoredEntry[] = [];
  private currentProjection: Projection | null = null;
  private nextSeq = 0;
  private readonly preference: EntryPreference;

  constructor(private readonly options: ArchiveOptions) {
    if (!Number.isInteger(options.islands) || options.islands < 1) throw new Error(`islands must be a positive integer, got ${options.islands}`);
    this.preference = entryPreference(options.direction, options.objectives);
    this.grids = Array.from({ length: options.islands }, () => new IslandGrid(this.preference));
  }

  /** Rebuilds an archive from a snapshot. If the projection no longer fits the options (dims changed),
   *  every entry goes back to the warm-up pool and the next refit re-places it. */
  static restore(options: ArchiveOptions, snapshot: ArchiveSnapshot): Archive {
    const archive = new Archive(options);
    const p = snapshot.projection;
    if (options.descriptors === 'learned' && p !== null && p.components.length === options.dims) archive.currentProjection = p;
    for (const entry of [...snapshot.elites, ...snapshot.warmup]) archive.insert(entry);
    return archive;
  }

  get projection(): Projection | null {
    return this.currentProjection;
  }

  private get learned(): boolean {
    return this.options.descriptors === 'learned';
  }

  insert(entry: Omit<ArchiveEntry, 'coords' | 'cell'>): InsertResult {
    const { id, island, fitness, metrics, embedding } = entry;
    if (!Number.isInteger(island) || island < 0 || island >= this.grids.length) {
      throw new Error(`island ${island} is out of range (archive has ${this.grids.length})`);
    }
    if (Number.isNaN(fitness)) throw new Error(`entry ${id} has a NaN fitness`);
    if (this.learned && (embedding === null || embedding.length === 0)) {
      throw new Error(`entry ${id} has no embedding, which learned descriptors need`);
    }
    const seq = this.nextSeq++;
    const base: ArchiveEntry = { id, island, fitness, metrics, embedding, coords: null, cell: null };
    if (this.learned && this.currentProjection === null) {
      this.pool.push({ entry: Object.freeze(base), seq });
      return { status: 'warmup' };
    }
    const coords = this.coordsOf(base);
    if (coords === null) return { status: 'unplaced', missingMetric: this.missingMetric(base) };
    return this.place({ ...base, coords }, seq);
  }

  warmupSize(): number {
    return this.pool.length;
  }

  refit(samples: number[][]): RefitResult {
    if (!this.learned) throw new Error('refit is only meaningful with learned descriptors');
    this.currentProjection = fitProjection(samples, this.options.dims, this.currentProjection);
    const everyone = [...this.grids.flatMap((g) => g.stored()), ...this.pool];
    this.pool = [];
    for (const grid of this.grids) grid.clear();
    // Best first, so the first arrival in a cell is its winner and every later one is no better.
    everyone.sort((a, b) => compareStored(a, b, this.preference));
    const displaced: Array<{ id: string; island: number }> = [];
    for (const { entry, seq } of everyone) {
      const result = this.place({ ...entry, coords: this.coordsOf(entry) }, seq);
      if (result.status === 'rejected') displaced.push({ id: entry.id, island: entry.island });
    }
    return {
      elites: this.grids.flatMap((g) => g.elites()),
      displacedIds: [...new Set(displaced.map((d) => d.id))],
      displaced,
    };
  }

  elites(island?: number): ArchiveEntry[] {
    if (island !== undefined) return this.grid(island).elites();
    return this.grids.flatMap((g) => g.elites()).sort((a, b) => this.preference.compare(a, b));
  }

  members(island: number): ArchiveEntry[] {
    if (this.learned && this.currentProjection === null) {
      const own = this.pool.filter((s) => s.entry.island === island);
      return (own.length > 0 ? own : this.pool.slice()).sort((a, b) => compareStored(a, b, this.preference)).map((s) => s.entry);
    }
    // An island nobody has reached yet (e.g. only island 0 was seeded) borrows from all islands.
    const own = this.grid(island).elites();
    return own.length > 0 ? own : this.elites();
  }

  /** The best elite (of an island, or overall); before the first fit, the best warm-up entry. */
  best(island?: number): ArchiveEntry | null {
    const candidates = island === undefined ? this.grids.map((g) => g.best()) : [this.grid(island).best()];
    for (const s of this.pool) if (island === undefined || s.entry.island === island) candidates.push(s.entry);
    let best: ArchiveEntry | null = null;
    for (const c of candidates) {
      if (c !== null && (best === null || this.preference.compare(c, best) < 0)) best = c;
    }
    return best;
  }

  migrate(count: number): Array<{ fromIsland: number; toIsland: number; ids: string[] }> {
    const islands = this.grids.length;
    if (islands < 2 || count < 1) return [];
    // Choose every island's migrants first, so one call never carries an elite around the whole ring.
    const migrants = this.grids.map((g) => this.forMigration(g.elites()).slice(0, count));
    const moves: Array<{ fromIsland: number; toIsland: number; ids: string[] }> = [];
    migrants.forEach((entries, fromIsland) => {
      const toIsland = (fromIsland + 1) % islands;
      const ids = entries.filter((e) => this.insert({ ...e, island: toIsland }).status === 'placed').map((e) => e.id);
      if (ids.length > 0) moves.push({ fromIsland, toIsland, ids });
    });
    return moves;
  }

  /** Whether entries have cells yet (metric descriptors always; learned ones after the first fit). */
  get placing(): boolean {
    return !this.learned || this.currentProjection !== null;
  }

  /**
   * Empties an island's grid and places the given entries there instead (a culled island's reseed);
   * returns the ids that took a cell. Only while placing (see `placing`).
   */
  reseedIsland(island: number, entries: readonly ArchiveEntry[]): string[] {
    if (!this.placing) throw new Error('an island cannot be reseeded before the archive places entries');
    this.grid(island).clear();
    return entries.filter((e) => this.insert({ id: e.id, island, fitness: e.fitness, metrics: e.metrics, embedding: e.embedding }).status === 'placed').map((e) => e.id);
  }

  snapshot(): ArchiveSnapshot {
    const elites = this.grids.flatMap((g) => g.stored()).sort((a, b) => a.seq - b.seq);
    return {
      projection: this.currentProjection,
      elites: elites.map((s) => s.entry),
      warmup: this.pool.map((s) => s.entry),
    };
  }

  size(): number {
    return this.grids.reduce((sum, g) => sum + g.size(), 0);
  }

  /** Best-first elites as migration sees them: in Pareto order (rank, then crowding) with several objectives. */
  private forMigration(elites: ArchiveEntry[]): ArchiveEntry[] {
    const objectives = this.options.objectives ?? [];
    if (objectives.length <= 1) return elites;
    return paretoOrder(elites.map((e) => e.metrics), objectives).map((i) => elites[i]!);
  }

  private grid(island: number): IslandGrid {
    const grid = this.grids[island];
    if (grid === undefined) throw new Error(`island ${island} is out of range (archive has ${this.grids.length})`);
    return grid;
  }

  private coordsOf(entry: ArchiveEntry): number[] | null {
    const descriptors = this.options.descriptors;
    if (descriptors === 'learned') return project(this.currentProjection!, entry.embedding!);
    return metricCoords(entry.metrics, descriptors);
  }

  private missingMetric(entry: ArchiveEntry): string {
    const descriptors = this.options.descriptors as MetricDescriptor[];
    return descriptors.find((d) => entry.metrics[d.metric] === undefined || Number.isNaN(entry.metrics[d.metric]))!.metric;
  }

  private place(entry: ArchiveEntry, seq: number): InsertResult {
    const cell = cellKey(entry.coords!, this.options.bins);
    return this.grid(entry.island).offer({ entry: Object.freeze({ ...entry, cell }), seq });
  }
}
