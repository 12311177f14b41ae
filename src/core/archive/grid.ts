// One island's MAP-Elites grid: at most one elite per cell, replaced only by a strictly better one
// (with several objectives: one that dominates it). Insert is O(1); the best-first listing is cached
// until the grid changes.
import { compareFitness, isBetter } from '../fitness/compare.ts';
import { compareLexicographic, dominates } from '../fitness/pareto.ts';
import type { Direction, Metrics, Objective } from '../types.ts';

export interface ArchiveEntry {
  id: string;
  island: number;
  fitness: number;
  /** Every metric reported; with several objectives they are read from here (fitness is the first's value). */
  metrics: Metrics;
  embedding: number[] | null;
  coords: number[] | null;
  cell: string | null;
}

/** An entry plus its arrival order; the order breaks fitness ties in favour of the older entry. */
export interface StoredEntry {
  entry: ArchiveEntry;
  seq: number;
}

export type OfferResult =
  | { status: 'placed'; cell: string; replacedId: string | null }
  | { status: 'rejected'; cell: string; incumbentId: string };

/**
 * What "better" means to the archive. `beats` decides a cell; `compare` sorts best-first and must
 * never put an entry before one that beats it (so a best-first refit places each cell's winner first).
 */
export interface EntryPreference {
  compare(a: ArchiveEntry, b: ArchiveEntry): number;
  beats(newcomer: ArchiveEntry, incumbent: ArchiveEntry): boolean;
}

/**
 * One objective: the scalar fitness, strictly better wins. Several: a newcomer must dominate the
 * incumbent (neither dominating keeps the incumbent), and best-first is lexicographic in the listed
 * order, i.e. by the first objective with the others breaking its ties.
 */
export function entryPreference(direction: Direction, objectives: readonly Objective[] = []): EntryPreference {
  if (objectives.length <= 1) {
    return {
      compare: (a, b) => compareFitness(a.fitness, b.fitness, direction),
      beats: (newcomer, incumbent) => isBetter(newcomer.fitness, incumbent.fitness, direction),
    };
  }
  return {
    compare: (a, b) => compareLexicographic(a.metrics, b.metrics, objectives),
    beats: (newcomer, incumbent) => dominates(newcomer.metrics, incumbent.metrics, objectives),
  };
}

export function compareStored(a: StoredEntry, b: StoredEntry, preference: EntryPreference): number {
  return preference.compare(a.entry, b.entry) || a.seq - b.seq;
}

export class IslandGrid {
  private readonly cells = new Map<string, StoredEntry>();
  private bestStored: StoredEntry | null = null;
  private sortedCache: ArchiveEntry[] | null = null;

  constructor(private readonly preference: EntryPreference) {}

  /** `stored.entry.cell` must be set. */
  offer(stored: StoredEntry): OfferResult {
    const cell = stored.entry.cell;
    if (cell === null) throw new Error('an entry needs a cell to enter a grid');
    const incumbent = this.cells.get(cell);
    if (incumbent && !this.preference.beats(stored.entry, incumbent.entry)) {
      return { status: 'rejected', cell, incumbentId: incumbent.entry.id };
    }
    this.cells.set(cell, stored);
    this.sortedCache = null;
    // Elites only ever get better (a dominating newcomer also sorts first), so the best can be tracked
    // without rescanning.
    if (this.bestStored === null || compareStored(stored, this.bestStored, this.preference) < 0) this.bestStored = stored;
    return { status: 'placed', cell, replacedId: incumbent ? incumbent.entry.id : null };
  }

  at(cell: string): ArchiveEntry | undefined {
    return this.cells.get(cell)?.entry;
  }

  /** Best-first; ties go to the older entry. */
  elites(): ArchiveEntry[] {
    if (this.sortedCache === null) {
      this.sortedCache = [...this.cells.values()].sort((a, b) => compareStored(a, b, this.preference)).map((s) => s.entry);
    }
    return this.sortedCache.slice();
  }

  stored(): StoredEntry[] {
    return [...this.cells.values()];
  }

  best(): ArchiveEntry | null {
    return this.bestStored?.entry ?? null;
  }

  size(): number {
    return this.cells.size;
  }

  clear(): void {
    this.cells.clear();
    this.bestStored = null;
    this.sortedCache = null;
  }
}
