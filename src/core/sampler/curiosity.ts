// Curiosity: how often children of a cell's parent recently improved the archive. Counts decay
// exponentially with every recorded child, and only the most recently used cells are kept.
// Keep one instance per island (cell keys are per-island grids).

export interface CuriosityOptions {
  /** Records after which old evidence counts half (default 100). */
  halfLife?: number;
  /** Most cells tracked; the least recently recorded are forgotten (default 2048). */
  maxCells?: number;
}

interface CellStats {
  improved: number;
  trials: number;
  /** The clock value when the counts were last brought up to date. */
  at: number;
}

interface CuriosityJson {
  halfLife: number;
  maxCells: number;
  clock: number;
  cells: Array<[cell: string, improved: number, trials: number, at: number]>;
}

/** A Beta(½, ½)-style prior: a cell tried once without success still scores above zero, and evidence
 *  that has decayed away drifts back towards ½. */
const PRIOR_IMPROVED = 0.5;
const PRIOR_TRIALS = 1;

export class CuriosityStats {
  readonly halfLife: number;
  readonly maxCells: number;
  private readonly decayPerRecord: number;
  private clock = 0;
  /** Insertion order is recency order: a recorded cell is moved to the end. */
  private readonly cells = new Map<string, CellStats>();

  constructor(options: CuriosityOptions = {}) {
    this.halfLife = options.halfLife ?? 100;
    this.maxCells = options.maxCells ?? 2048;
    if (!(this.halfLife > 0)) throw new Error(`curiosity halfLife must be positive, got ${this.halfLife}`);
    if (!(Number.isInteger(this.maxCells) && this.maxCells > 0)) throw new Error(`curiosity maxCells must be a positive integer, got ${this.maxCells}`);
    this.decayPerRecord = Math.pow(0.5, 1 / this.halfLife);
  }

  record(cell: string, improved: boolean): void {
    this.clock++;
    const stats = this.current(cell) ?? { improved: 0, trials: 0, at: this.clock };
    stats.improved += improved ? 1 : 0;
    stats.trials += 1;
    this.cells.delete(cell);
    this.cells.set(cell, stats);
    // Map iteration starts at the least recently recorded cell, so eviction is O(1).
    for (const oldest of this.cells.keys()) {
      if (this.cells.size <= this.maxCells) break;
      this.cells.delete(oldest);
    }
  }

  /** 0 for a cell with no recorded children; otherwise the decayed improvement rate in (0, 1). */
  score(cell: string): number {
    const stats = this.cells.get(cell);
    if (stats === undefined) return 0;
    // Read-only on purpose: scoring must not change what a later record or snapshot sees.
    const factor = this.decaySince(stats.at);
    return (stats.improved * factor + PRIOR_IMPROVED) / (stats.trials * factor + PRIOR_TRIALS);
  }

  toJSON(): CuriosityJson {
    return {
      halfLife: this.halfLife,
      maxCells: this.maxCells,
      clock: this.clock,
      cells: [...this.cells].map(([cell, s]) => [cell, s.improved, s.trials, s.at]),
    };
  }

  static fromJSON(json: unknown): CuriosityStats {
    const data = json as Partial<CuriosityJson> | null;
    if (
      data === null ||
      typeof data !== 'object' ||
      typeof data.halfLife !== 'number' ||
      typeof data.maxCells !== 'number' ||
      typeof data.clock !== 'number' ||
      !Array.isArray(data.cells)
    ) {
      throw new Error('invalid CuriosityStats JSON');
    }
    const stats = new CuriosityStats({ halfLife: data.halfLife, maxCells: data.maxCells });
    stats.clock = data.clock;
    for (const row of data.cells) {
      const [cell, improved, trials, at] = row;
      if (typeof cell !== 'string' || ![improved, trials, at].every((v) => typeof v === 'number')) {
        throw new Error('invalid CuriosityStats JSON cell');
      }
      stats.cells.set(cell, { improved, trials, at });
    }
    return stats;
  }

  /** The cell's counts decayed to the current clock (updated in place; only `record` calls this). */
  private current(cell: string): CellStats | undefined {
    const stats = this.cells.get(cell);
    if (stats !== undefined && stats.at !== this.clock) {
      const factor = this.decaySince(stats.at);
      stats.improved *= factor;
      stats.trials *= factor;
      stats.at = this.clock;
    }
    return stats;
  }

  private decaySince(at: number): number {
    return Math.pow(this.decayPerRecord, this.clock - at);
  }
}
