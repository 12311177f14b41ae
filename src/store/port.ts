// The Store port: one repository per aggregate (runs, individuals, evaluations, jobs, elites, ledger,
// LLM calls). Every multi-row state change goes through `transaction`, so a crash leaves either the
// old state or the new one. Implemented once with drizzle for PGlite and Postgres.
import type { Metrics, OutcomeKind, RepositoryIdentity } from '../core/types.ts';

/** Outcomes that say something about the code, not about the machine: the evaluation cache reuses them. */
export const REUSABLE_OUTCOMES: readonly OutcomeKind[] = ['ok', 'candidate_failed'];
import type { LedgerEvent, LedgerEventType } from '../ledger/events.ts';
import type { LlmUsage } from '../llm/port.ts';

export type RunState = 'running' | 'stopped' | 'finished' | 'failed';

export interface RunRecord {
  id: string;
  state: RunState;
  /** The repository the run belongs to; null for runs created before runs carried one (visible to every repository). */
  repository: RepositoryIdentity | null;
  goal: string;
  baseCommit: string;
  baseTree: string;
  /** The validated config the run started with (plain JSON). */
  config: Record<string, unknown>;
  configHash: string;
  seed: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  stopReason: string | null;
  /** Evaluations counted against the budget (the seed included). */
  evaluations: number;
  individuals: number;
  bestIndividualId: string | null;
  bestFitness: number | null;
  seedFitness: number | null;
  usdSpent: number;
  tokensSpent: number;
  /**
   * Loop state persisted with every ingest: RNG state, PCA model, counters, sampler statistics.
   * Its `projection` key is stored apart (it changes only at a refit): a patch whose loop state has
   * no `projection` key leaves the stored projection as it is.
   */
  loopState: Record<string, unknown>;
}

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt'>>;

/**
 * Whose runs a query sees: a repository's (its own plus runs that carry no identity), or `'any'`
 * (every run in the store). The CLI always passes its repository's identity.
 */
export type RunOwner = RepositoryIdentity | 'any';

/** Who drives a run: the scheduler holding its lease (times are the database's clock). */
export interface RunLeaseHolder {
  /** The holder's claim token (what a takeover of a provably dead holder's lease names). */
  token: string;
  host: string;
  pid: number;
  since: Date;
  expiresAt: Date;
  /** The holder stopped renewing it: a new scheduler may take the run over. */
  expired: boolean;
}

/** A scheduler's claim on a run's lease: a random token per process, renewed every ttlMs / 3. */
export interface LeaseClaim {
  token: string;
  host: string;
  pid: number;
  ttlMs: number;
}

export type LeaseResult = { acquired: true } | { acquired: false; holder: RunLeaseHolder };

export type IndividualStatus = 'created' | 'evaluated';

export interface IndividualRecord {
  id: string;
  runId: string;
  /** Sequence number within the run (0 = seed); the branch is cambrian/<run>/g<generation>/i<seq>. */
  seq: number;
  commit: string;
  tree: string;
  parentId: string | null;
  alsoParentId: string | null;
  generation: number;
  island: number;
  operator: string;
  jobId: string | null;
  status: IndividualStatus;
  outcome: OutcomeKind | null;
  fitness: number | null;
  metrics: Metrics;
  meta: Record<string, unknown>;
  /** Hashed code embedding of the evolvable files (unit length), or null before it is computed. */
  embedding: number[] | null;
  /** Projected descriptor coordinates and cell key, once the archive has placed it. */
  descriptor: number[] | null;
  cell: string | null;
  description: string;
  createdAt: Date;
}

/** What the Pareto front needs of an evaluated individual. */
export type OkResult = Pick<IndividualRecord, 'id' | 'seq' | 'generation' | 'commit' | 'metrics'>;

export type IndividualPatch = Partial<
  Pick<IndividualRecord, 'status' | 'outcome' | 'fitness' | 'metrics' | 'meta' | 'embedding' | 'descriptor' | 'cell'>
>;

export interface StageRecord {
  name: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  cpuSeconds: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  metrics: Metrics | null;
}

export interface EvaluationRecord {
  id: string;
  runId: string;
  individualId: string;
  /** The run's evaluation number (1 = the seed): the x axis of every progress plot. */
  seq: number;
  tree: string;
  evaluatorHash: string;
  outcome: OutcomeKind;
  reason: string | null;
  metrics: Metrics;
  stdevs: Metrics | null;
  stages: StageRecord[];
  durationMs: number;
  cpuSeconds: number;
  cached: boolean;
  createdAt: Date;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'abandoned';

export interface JobCosts {
  wallMs: number;
  cpuSeconds: number;
  tokensIn: number;
  tokensOut: number;
  usd: number;
}

export interface JobRecord {
  id: string;
  runId: string;
  /** Order in which the scheduler created the job. */
  seq: number;
  status: JobStatus;
  operator: string;
  island: number;
  parentId: string;
  inspirationIds: string[];
  /** Seed for the job's own Rng, drawn from the run's Rng when the job was scheduled. */
  seed: number;
  attempts: number;
  individualId: string | null;
  /** Why a job failed or was abandoned (proposal rejected, duplicate tree, …). */
  error: string | null;
  costs: JobCosts;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** What the allocation bandit chose (null under fixed weights). */
  strategy: JobStrategy | null;
}

/** A job's strategy: the bandit's arm, the model and temperature its operator must use, its context. */
export interface JobStrategy {
  arm: string;
  model: string | null;
  temperature: number | null;
  /** The job's context cell (see allocation/bandit.ts). */
  cell: number;
  /** `best` when the strategy took the run's best as the parent (absent otherwise). */
  parent?: 'best';
}

export type JobPatch = Partial<Pick<JobRecord, 'status' | 'attempts' | 'individualId' | 'error' | 'costs' | 'startedAt' | 'finishedAt'>>;

export interface EliteRecord {
  runId: string;
  island: number;
  cell: string;
  individualId: string;
  fitness: number;
  descriptor: number[];
  updatedAt: Date;
}

export interface LedgerRow {
  id: number;
  runId: string | null;
  type: LedgerEventType;
  at: Date;
  data: LedgerEvent;
}

/** One persisted LLM attempt: its usage plus where it belongs. */
export interface LlmCallRecord extends Omit<LlmUsage, 'error'> {
  id: string;
  runId: string | null;
  jobId: string | null;
  error: string | null;
  createdAt: Date;
}

export interface LlmTotals {
  calls: number;
  tokensIn: number;
  tokensOut: number;
  usd: number;
}

export interface RunRepo {
  insert(run: RunRecord): Promise<void>;
  /** The run, or null when there is none or it belongs to another repository than `owner`. */
  get(id: string, owner?: RunOwner): Promise<RunRecord | null>;
  /**
   * The owner's newest run that is still `running` or `stopped`, or `failed` after its seed evaluated
   * (it could not make progress; a run whose seed failed is not resumed): what `cambrian run` resumes.
   */
  latestResumable(owner: RunOwner): Promise<RunRecord | null>;
  /** The owner's runs, newest first. */
  list(owner: RunOwner): Promise<RunRecord[]>;
  /** A fresh run ordinal (the n of `r<n>`), never handed out twice, even to concurrent callers. */
  nextOrdinal(): Promise<number>;
  /**
   * Takes the run's lease when it is free, expired, already this claim's, or still held by the
   * token `replacing` (a holder known to be dead); else names its holder.
   */
  acquireLease(id: string, claim: LeaseClaim, options?: { replacing?: string }): Promise<LeaseResult>;
  /** Extends this claim's lease by ttlMs; false when the lease is no longer this claim's. */
  renewLease(id: string, claim: LeaseClaim): Promise<boolean>;
  /** Gives the lease up if this claim still holds it. */
  releaseLease(id: string, token: string): Promise<void>;
  /** The lease's holder (expired or not), or null when nobody holds it. */
  leaseHolder(id: string): Promise<RunLeaseHolder | null>;
  update(id: string, patch: RunPatch): Promise<void>;
  /** Adds LLM spending to the run's totals in one statement (no read first). */
  addSpend(id: string, spend: { usd: number; tokens: number }): Promise<void>;
}

export interface IndividualRepo {
  insert(individual: IndividualRecord): Promise<void>;
  insertMany(individuals: IndividualRecord[]): Promise<void>;
  get(id: string): Promise<IndividualRecord | null>;
  getMany(ids: string[]): Promise<IndividualRecord[]>;
  findByTree(runId: string, tree: string): Promise<IndividualRecord | null>;
  update(id: string, patch: IndividualPatch): Promise<void>;
  /** Ordered by seq; `limit` keeps the newest. */
  listByRun(runId: string, options?: { status?: IndividualStatus; limit?: number }): Promise<IndividualRecord[]>;
  /** The individual, its parent, grandparent, … up to the seed (first element is `id`), at most `limit` long. */
  lineage(id: string, limit?: number): Promise<IndividualRecord[]>;
  /** Children of a parent whose evaluation failed as candidate_failed, newest first. */
  failedChildren(parentId: string, limit: number): Promise<IndividualRecord[]>;
  /** Embeddings of the newest evaluated individuals of a run (for PCA fitting), oldest first. */
  recentEmbeddings(runId: string, limit: number): Promise<Array<{ id: string; embedding: number[] }>>;
  countByRun(runId: string): Promise<number>;
  /** Every individual's tree in a run, by seq (the loop's in-memory duplicate index). */
  treesOfRun(runId: string): Promise<Array<{ id: string; tree: string }>>;
  /** Individuals of a run whose evaluation ended ok with a fitness, by seq, with their metrics (the Pareto front's input). */
  okResults(runId: string): Promise<OkResult[]>;
}

export interface EvaluationRepo {
  insert(evaluation: EvaluationRecord): Promise<void>;
  /** The newest reusable result (ok or candidate_failed) for this tree and evaluator config, any run. */
  findCached(tree: string, evaluatorHash: string): Promise<EvaluationRecord | null>;
  /**
   * `findCached` and, in the same statement, the first individual of `runId` with this tree. The
   * embedded loop answers both from memory (evolution/tree-index.ts); this is the store-side check
   * for processes that share a run (a fleet scheduler cannot see other workers' children in memory).
   */
  lookupTree(runId: string, tree: string, evaluatorHash: string): Promise<{ cached: EvaluationRecord | null; duplicateId: string | null }>;
  /** Trees with a reusable result under this evaluator config, any run (the loop's cache index). */
  reusableTrees(evaluatorHash: string): Promise<string[]>;
  listByIndividual(individualId: string): Promise<EvaluationRecord[]>;
  countByOutcome(runId: string): Promise<Partial<Record<OutcomeKind, number>>>;
  /** Newest failures of a run (for `status`), newest first. */
  recentFailures(runId: string, limit: number): Promise<EvaluationRecord[]>;
  /** (seq, fitness, outcome) of every evaluation of a run in seq order, for progress plots. */
  progress(runId: string): Promise<Array<{ seq: number; individualId: string; outcome: OutcomeKind; fitness: number | null }>>;
}

/** The run's RNG state right after the scheduler drew job `seq` (the schedule step's checkpoint). */
export interface RngCheckpoint {
  seq: number;
  rngState: number[];
}

export interface JobRepo {
  /** `rngState`: the scheduler's RNG checkpoint, stored with the job (see `newestRngCheckpoint`). */
  insert(job: JobRecord, options?: { rngState?: readonly number[] }): Promise<void>;
  /** The checkpoint of the run's newest job numbered `fromSeq` or later that carries one, or null. */
  newestRngCheckpoint(runId: string, fromSeq: number): Promise<RngCheckpoint | null>;
  get(id: string): Promise<JobRecord | null>;
  update(id: string, patch: JobPatch): Promise<void>;
  /** Jobs still pending or running, ordered by seq. */
  listOpen(runId: string): Promise<JobRecord[]>;
  countByStatus(runId: string): Promise<Partial<Record<JobStatus, number>>>;
  /** Newest failed or abandoned jobs with their error, newest first. */
  recentErrors(runId: string, limit: number): Promise<JobRecord[]>;
  /** Sum of costs over a run's jobs. */
  totals(runId: string): Promise<JobCosts>;
}

export interface EliteRepo {
  /** Insert or replace the elite of each (run, island, cell). */
  upsert(rows: EliteRecord[]): Promise<void>;
  /** Replace every elite of a run (after a PCA refit re-bins them). */
  replaceAll(runId: string, rows: EliteRecord[]): Promise<void>;
  list(runId: string): Promise<EliteRecord[]>;
}

export interface LedgerRepo {
  append(runId: string | null, events: LedgerEvent[]): Promise<void>;
  /** Events in append order, paged by id. */
  /** `owner`: leaves out the events of runs another repository owns (see RunRepo.list). */
  list(options?: { runId?: string; owner?: RunOwner; afterId?: number; limit?: number; types?: readonly LedgerEventType[] }): Promise<LedgerRow[]>;
  count(runId?: string): Promise<number>;
}

export interface LlmCallRepo {
  insert(call: LlmCallRecord): Promise<void>;
  totals(runId: string): Promise<LlmTotals>;
  list(runId: string, limit?: number): Promise<LlmCallRecord[]>;
}

export interface StoreTx {
  readonly runs: RunRepo;
  readonly individuals: IndividualRepo;
  readonly evaluations: EvaluationRepo;
  readonly jobs: JobRepo;
  readonly elites: EliteRepo;
  readonly ledger: LedgerRepo;
  readonly llmCalls: LlmCallRepo;
}

export interface Store extends StoreTx {
  readonly backend: 'pglite' | 'postgres';
  /** Run fn in one database transaction; everything it writes commits together or not at all. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
