// The loop's own state, persisted in runs.loop_state inside the same transaction as every schedule
// and ingest, so a resumed run continues the same random sequence and archive.
import type { RngState } from '../core/rng.ts';
import type { Projection } from '../core/descriptors/projection.ts';

export interface LoopState {
  version: 1;
  rng: RngState;
  projection: Projection | null;
  /** Individuals waiting in the archive's warm-up pool (before the first PCA fit). */
  warmupIds: string[];
  curiosity: unknown;
  /** Ingested individuals since the last PCA fit. */
  sinceRefit: number;
  /** Counted evaluations at the last ring migration. */
  lastMigrationAt: number;
  /** Counted evaluation number at which the best last improved. */
  lastImprovementAt: number;
  /** Jobs in a row that produced no evaluation (rejected proposals, duplicates). */
  futileJobs: number;
  nextJobSeq: number;
  /** Wall time spent running, summed over sessions (resumes do not reset it). */
  activeMs: number;
  /** Repair attempts per failed individual (bounded: only the newest failures are repaired). */
  repairs: Record<string, number>;
  /** The budget the latest session ran under (a resume may extend it). */
  budget: { maxEvaluations: number | null; maxWallClockMs: number | null; targetFitness: number | null; plateau: number | null } | null;
}

export function initialLoopState(rng: RngState): LoopState {
  return {
    version: 1,
    rng,
    projection: null,
    warmupIds: [],
    curiosity: null,
    sinceRefit: 0,
    lastMigrationAt: 0,
    lastImprovementAt: 1,
    futileJobs: 0,
    nextJobSeq: 0,
    activeMs: 0,
    budget: null,
    repairs: {},
  };
}

export function parseLoopState(raw: Record<string, unknown>): LoopState {
  if (raw['version'] !== 1 || !Array.isArray(raw['rng'])) {
    throw new Error('run has no loop state of a known version');
  }
  const state = raw as unknown as LoopState;
  return { ...state, repairs: state.repairs ?? {} };
}
