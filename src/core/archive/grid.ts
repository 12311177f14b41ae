// One island's MAP-Elites grid: at most one elite per cell, replaced only by a strictly better one.
// Insert is O(1); the best-first listing is cached until the grid changes.
import { compareFitness, isBetter } from '../fitness/compare.ts';
import type { Direction, Metrics } from '../types.ts';

export interface ArchiveEntry {
  id: string;
  island: number;
  fitness: number;
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

export function compareStored(a: StoredEntry, b: StoredEntry, direction: Direction): number {
  return compareFitness(a.entry.fitness, b.entry.fitness, direction) || a.seq - b.seq;
}

export class IslandGrid {
  private readonly cells = new Map<string, StoredEntry>();
  private bestStored: StoredEntry | null = null;
  private sortedCache: ArchiveEntry[] | null = null;

  constructor(private readonly direction: Direction) {}

  /** `stored.entry.cell` must be set. */
  offer(stored: StoredEntry): OfferResult {
    const cell = stored.entry.cell;
    if (cell === null) throw new Error('an entry needs a cell to enter a grid');
    const incumbent = this.cells.get(cell);
    if (incumbent && !isBetter(stored.entry.fitness, incumbent.entry.fitness, this.direction)) {
      return { status: 'rejected', cell, incumbentId: incumbent.entry.id };
    }
    this.cells.set(cell, stored);
    this.sortedCache = null;
    // Elites only ever get better, so the best can be tracked without rescanning.
    if (this.bestStored === null || compareStored(stored, this.bestStored, this.direction) < 0) this.bestStored = stored;
    return { status: 'placed', cell, replacedId: incumbent ? incumbent.entry.id : null };
  }

  at(cell: string): ArchiveEntry | undefined {
    return this.cells.get(cell)?.entry;
  }

  /** Best-first; ties go to the older entry. */
  elites(): ArchiveEntry[] {
    if (this.sortedCache === null) {
      this.sortedCache = [...this.cells.values()].sort((a, b) => compareStored(a, b, this.direction)).map((s) => s.entry);
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
