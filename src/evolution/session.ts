// What one process holds while it drives a run: the adapters it talks to (ports only) and the
// in-memory state rebuilt from the store (archive, RNG, loop state). Shared by scheduler, worker
// and ingest; the mutex guards everything mutable.
import type { CambrianConfig } from '../config/schema.ts';
import type { Archive } from '../core/archive/archive.ts';
import type { Rng } from '../core/rng.ts';
import type { CuriosityStats } from '../core/sampler/curiosity.ts';
import type { Direction, IndividualView, Objective, RepositoryIdentity } from '../core/types.ts';
import type { Evaluator } from '../evaluate/port.ts';
import type { Git } from '../git/port.ts';
import type { OperatorChooser } from '../operators/chooser.ts';
import type { OperatorEntry } from '../operators/registry.ts';
import type { EvolveScope } from '../operators/scope.ts';
import type { IndividualRecord, RunRecord, Store } from '../store/port.ts';
import type { CommitEmbedder } from './embeddings.ts';
import type { EventBus } from './event-bus.ts';
import type { ListingCache } from './listing-cache.ts';
import type { LoopState } from './loop-state.ts';
import type { Mutex } from './mutex.ts';
import type { Profiler } from './profile.ts';
import type { RecordCache } from './record-cache.ts';
import type { FailureNotes } from './failure-notes.ts';
import type { Allocation } from '../allocation/allocation.ts';
import type { TreeIndex } from './tree-index.ts';
import type { RunFront } from './front.ts';

export interface Clock {
  now(): number;
}

/** LLM costs charged to jobs by the router (the router records calls; the job row sums them). */
export interface JobCostLedger {
  take(jobId: string): { tokensIn: number; tokensOut: number; usd: number };
}

export interface LoopDeps {
  config: CambrianConfig;
  store: Store;
  git: Git;
  /** The repository the loop works on: new runs carry it, and only its runs are resumed. */
  repository: RepositoryIdentity;
  evaluator: Evaluator;
  operators: OperatorEntry[];
  chooser: OperatorChooser;
  scope: EvolveScope;
  bus: EventBus;
  clock: Clock;
  /** null when descriptors come from metrics (no embedding needed). */
  embedder: CommitEmbedder | null;
  workers: number;
  warn: (message: string) => void;
  jobCosts?: JobCostLedger;
  profiler?: Profiler;
}

export interface Budget {
  maxEvaluations: number | null;
  maxWallClockMs: number | null;
  targetFitness: number | null;
  plateau: number | null;
}

export interface Session {
  deps: LoopDeps;
  run: RunRecord;
  state: LoopState;
  rng: Rng;
  archive: Archive;
  curiosity: CuriosityStats;
  seed: IndividualRecord;
  direction: Direction;
  /** The fitness metrics, the primary first (one for a single-metric run). */
  objectives: Objective[];
  /** The run's Pareto front; null for a single objective. */
  front: RunFront | null;
  budget: Budget;
  mutex: Mutex;
  /** Commit time of the base commit; child commits are dated base + seq seconds. */
  baseTimestamp: number;
  nextIndividualSeq: number;
  /** Jobs scheduled or reopened but not yet ingested. */
  inFlight: number;
  /** Wall-clock start of this process's session (activeMs accumulates across sessions). */
  sessionStartedAt: number;
  /** Set when the run must stop for a reason other than a budget (LLM budget spent, fatal error). */
  haltReason: string | null;
  /** Tree listings of commits this session has read (operators and the embedder share them). */
  listings: ListingCache;
  /** Individual records by id, as committed (parents and inspirations are read from here). */
  records: RecordCache;
  /** The run's trees and the cache's, in memory (duplicate and cache checks without a statement). */
  trees: TreeIndex;
  /** Failed attempts shown in prompts, by parent. */
  failures: FailureNotes;
  /** Which strategy gets each job (its state is part of `state`). */
  allocation: Allocation;
}

export function viewOf(record: IndividualRecord): IndividualView {
  return {
    id: record.id,
    commit: record.commit,
    tree: record.tree,
    parentId: record.parentId,
    generation: record.generation,
    island: record.island,
    operator: record.operator,
    fitness: record.fitness,
    metrics: record.metrics,
    meta: record.meta,
  };
}

export function fitnessDirection(config: CambrianConfig): Direction {
  return config.metrics[config.fitness]!.direction;
}
