// The loop's own state, persisted in runs.loop_state with every ingest (the PCA projection only when
// a refit changed it), so a resumed run continues the same random sequence and archive. Between
// ingests the scheduler checkpoints the RNG in each job row (see resumedRng).
import type { RngState } from '../core/rng.ts';
import type { Projection } from '../core/descriptors/projection.ts';
import type { AllocationState } from '../allocation/allocation.ts';

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
  /** Jobs in a row whose operator could not work (LLM unreachable, agent crashed); see stop.ts. */
  operatorFailures: number;
  /** Evaluations in a row that ended `infra_failed`; see stop.ts. */
  infraFailures: number;
  /** The newest operator failure and the newest infra failure: a failed run's stop reason names them. */
  lastOperatorFailure: string | null;
  lastInfraFailure: string | null;
  nextJobSeq: number;
  /** Wall time spent running, summed over sessions (resumes do not reset it). */
  activeMs: number;
  /** Repair attempts per failed individual (bounded: only the newest failures are repaired). */
  repairs: Record<string, number>;
  /** The allocation policy's state (null only until run setup fills it; absent in runs made before it). */
  allocation: AllocationState | null;
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
    operatorFailures: 0,
    infraFailures: 0,
    lastOperatorFailure: null,
    lastInfraFailure: null,
    nextJobSeq: 0,
    activeMs: 0,
    budget: null,
    repairs: {},
    allocation: null,
  };
}

export function parseLoopState(raw: Record<string, unknown>): LoopState {
  if (raw['version'] !== 1 || !Array.isArray(raw['rng'])) {
    throw new Error('run has no loop state of a known version');
  }
  const state = raw as unknown as LoopState;
  // The store leaves `projection` out while none is fitted (it keeps it apart from the rest).
  // Failure counters arrived later: a run saved before them starts counting at 0.
  return {
    ...state,
    projection: state.projection ?? null,
    repairs: state.repairs ?? {},
    operatorFailures: state.operatorFailures ?? 0,
    infraFailures: state.infraFailures ?? 0,
    lastOperatorFailure: state.lastOperatorFailure ?? null,
    lastInfraFailure: state.lastInfraFailure ?? null,
    allocation: state.allocation ?? null,
  };
}

/**
 * The loop state as written to the run row. The projection (~15 KB, most of the state) is only
 * included when it changed: the store keeps the stored one otherwise.
 */
export function loopStateRecord(state: LoopState, rng: RngState, options: { withProjection: boolean }): Record<string, unknown> {
  const { projection, ...rest } = state;
  return options.withProjection ? { ...rest, rng, projection } : { ...rest, rng };
}

/**
 * Where a resume picks up the RNG: the scheduler checkpoints it in each job row, the run's loop
 * state at each ingest; whichever was written for the later job wins. A job at or past the state's
 * `nextJobSeq` was scheduled after the state was last written.
 */
export function resumedRng(state: LoopState, checkpoint: { seq: number; rngState: readonly number[] } | null): { rng: RngState; nextJobSeq: number } {
  if (checkpoint && checkpoint.seq >= state.nextJobSeq) {
    const [a, b, c, d] = checkpoint.rngState;
    return { rng: [a!, b!, c!, d!], nextJobSeq: checkpoint.seq + 1 };
  }
  return { rng: state.rng, nextJobSeq: state.nextJobSeq };
}
