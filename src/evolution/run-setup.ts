// Start a new run or pick up the newest unfinished one: restore the archive, RNG and counters from
// the store, reopen jobs that were in flight at a crash, and remove branches a crash left without a
// record. After this, scheduler/worker/ingest can carry on as if the process had never stopped.
import { Archive, type ArchiveEntry, type ArchiveOptions } from '../core/archive/archive.ts';
import { Rng } from '../core/rng.ts';
import { CuriosityStats } from '../core/sampler/curiosity.ts';
import { CambrianError } from '../errors.ts';
import { branchForIndividual } from '../git/branches.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { IndividualRecord, JobRecord, LeaseClaim, RunRecord, RunRepo } from '../store/port.ts';
import { searchConfigHash } from './config-hash.ts';
import { individualId, runIdFor } from './ids.ts';
import { acquireRunLease, leaseClaim, RunLeaseHeartbeat } from './run-lease.ts';
import type { Git } from '../git/port.ts';
import { initialLoopState, parseLoopState, resumedRng } from './loop-state.ts';
import { RecordCache } from './record-cache.ts';
import { Allocation, initialAllocationState, parseAllocationState } from '../allocation/allocation.ts';
import { parseBanditState, priorFrom, type PriorState } from '../allocation/bandit.ts';
import { enumerateStrategies } from '../allocation/strategies.ts';
import { allocationSettings, objectivesOf } from '../config/schema.ts';
import { FailureNotes } from './failure-notes.ts';
import { TreeIndex } from './tree-index.ts';
import { frontOf, loadFront, syncFrontBranches } from './front.ts';
import { ListingCache } from './listing-cache.ts';
import { Mutex } from './mutex.ts';
import { fitnessDirection, type Budget, type LoopDeps, type Session } from './session.ts';

export interface StartOptions {
  /** Start a fresh run even when an unfinished one exists. */
  forceNew: boolean;
  budget: Budget;
  /** A new run ignores earlier runs' strategy statistics (`--fresh-policy`). */
  freshPolicy?: boolean;
  /** The scheduler's claim on the run's lease (default: this host and process, RUN_LEASE_TTL_MS). */
  claim?: LeaseClaim;
}

export interface StartedSession {
  session: Session;
  resumed: boolean;
  reopenedJobs: JobRecord[];
  /** Renews the run's lease while the session drives it; the caller starts and releases it. */
  lease: RunLeaseHeartbeat;
}

export async function startSession(deps: LoopDeps, options: StartOptions): Promise<StartedSession> {
  const existing = options.forceNew ? null : await deps.store.runs.latestResumable(deps.repository);
  const claim = options.claim ?? leaseClaim();
  return existing ? resumeRun(deps, existing, options, claim) : createRun(deps, options, claim);
}

/**
 * A run id no run in the store and no branch in this repository uses. The ordinal comes from the
 * store's sequence (atomic across processes and repositories sharing it); branches left by a store
 * that was deleted keep their ordinals, so those are skipped.
 */
export async function allocateRunId(runs: Pick<RunRepo, 'nextOrdinal'>, git: Pick<Git, 'listRefs'>): Promise<string> {
  for (;;) {
    const runId = runIdFor(await runs.nextOrdinal());
    if ((await git.listRefs(`refs/heads/cambrian/${runId}/`)).length === 0) return runId;
  }
}

function heartbeat(deps: LoopDeps, session: Session, claim: LeaseClaim): RunLeaseHeartbeat {
  return new RunLeaseHeartbeat(deps.store.runs, session.run.id, claim, (reason) => {
    session.haltReason ??= reason;
  });
}

export function archiveOptions(deps: LoopDeps): ArchiveOptions {
  const a = deps.config.archive;
  return {
    islands: a.islands,
    bins: a.bins,
    dims: a.dims,
    warmup: a.warmup,
    direction: fitnessDirection(deps.config),
    objectives: objectivesOf(deps.config),
    descriptors: a.descriptors,
  };
}

async function createRun(deps: LoopDeps, options: StartOptions, claim: LeaseClaim): Promise<StartedSession> {
  const { store, git, config, clock } = deps;
  const earlierRuns = await store.runs.list(deps.repository);
  const runId = await allocateRunId(store.runs, git);
  const base = await git.resolve('HEAD');
  const baseTree = await git.treeOf(base);
  const rng = Rng.fromSeed(config.seed);
  const now = new Date(clock.now());
  const state = initialLoopState(rng.state());
  state.allocation = initialAllocationState(config, deps.operators);
  const prior = state.allocation.policy === 'bandit' && allocationSettings(config).memory && !options.freshPolicy ? earlierPolicy(deps, earlierRuns) : null;
  if (prior) state.allocation.bandit.prior = prior;
  const run: RunRecord = {
    id: runId,
    state: 'running',
    repository: deps.repository,
    goal: config.goal,
    baseCommit: base,
    baseTree,
    config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
    configHash: searchConfigHash(config),
    seed: config.seed,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    stopReason: null,
    evaluations: 0,
    individuals: 1,
    bestIndividualId: null,
    bestFitness: null,
    seedFitness: null,
    usdSpent: 0,
    tokensSpent: 0,
    loopState: { ...state },
  };
  const seed: IndividualRecord = {
    id: individualId(runId, 0),
    runId,
    seq: 0,
    commit: base,
    tree: baseTree,
    parentId: null,
    alsoParentId: null,
    generation: 0,
    island: 0,
    operator: 'seed',
    jobId: null,
    status: 'created',
    outcome: null,
    fitness: null,
    metrics: {},
    meta: {},
    embedding: null,
    descriptor: null,
    cell: null,
    description: 'seed',
    createdAt: now,
  };
  const events: LedgerEvent[] = [
    { type: 'run_started', runId, baseCommit: base, seed: config.seed, configHash: run.configHash, resumed: false },
    ...(prior ? [{ type: 'allocation_prior', runId, fromRun: prior.fromRun, status: prior.status, arms: Object.keys(prior.stats).length, checked: 0, armError: 0, flatError: 0 } satisfies LedgerEvent] : []),
    {
      type: 'individual_created',
      runId,
      individualId: seed.id,
      commit: base,
      parentId: null,
      alsoParentId: null,
      operator: 'seed',
      island: 0,
      generation: 0,
    },
  ];
  await git.updateRef(`refs/heads/${branchForIndividual(runId, 0, 0)}`, base);
  await store.transaction(async (tx) => {
    await tx.runs.insert(run);
    await acquireRunLease(tx.runs, runId, claim);
    await tx.individuals.insert(seed);
    await tx.ledger.append(runId, events);
  });
  deps.bus.publish(events);
  const records = new RecordCache(store.individuals);
  records.put(seed);
  const trees = await TreeIndex.load(store, runId, deps.evaluator.configHash);
  const session = newSession(deps, run, state, rng, new Archive(archiveOptions(deps)), new CuriosityStats(), seed, records, trees, options);
  session.baseTimestamp = await git.commitTime(base);
  return { session, resumed: false, reopenedJobs: [], lease: heartbeat(deps, session, claim) };
}

async function resumeRun(deps: LoopDeps, run: RunRecord, options: StartOptions, claim: LeaseClaim): Promise<StartedSession> {
  const { store, git, config } = deps;
  if (run.configHash !== searchConfigHash(config)) {
    throw new CambrianError('CAMBRIAN_CONFIG_INVALID', `cambrian.yaml changed since run ${run.id} started (only budget and workers may change between resumes)`, {
      hint: `run \`cambrian run --new\` to start a new run with this config, or restore the old config to resume ${run.id}`,
    });
  }
  try {
    await git.resolve(run.baseCommit);
  } catch (error) {
    throw new CambrianError('CAMBRIAN_BASE_MISSING', `the base commit ${run.baseCommit.slice(0, 12)} of run ${run.id} is missing from this repository`, {
      hint: 'the repository was re-cloned or garbage-collected; start a new run with `cambrian run --new`',
      cause: error,
    });
  }
  // Before anything is read for the resume: another scheduler may be driving this run right now.
  await acquireRunLease(store.runs, run.id, claim, { exclusiveStore: store.backend === 'pglite' });
  try {
    return await resumeLeasedRun(deps, run, options, claim);
  } catch (error) {
    await store.runs.releaseLease(run.id, claim.token).catch(() => undefined);
    throw error;
  }
}

async function resumeLeasedRun(deps: LoopDeps, run: RunRecord, options: StartOptions, claim: LeaseClaim): Promise<StartedSession> {
  const { store, git, config, clock } = deps;
  // Re-read under the lease: the previous holder may have written since latestResumable.
  run = (await store.runs.get(run.id)) ?? run;
  const state = parseLoopState(run.loopState);
  state.allocation = parseAllocationState(state.allocation, config);
  if (run.state === 'failed') {
    // A failed run is resumed once its cause is fixed: its failures in a row start over. (A stopped
    // or crashed run keeps counting, so Ctrl-C cannot hide a failing provider.)
    state.operatorFailures = 0;
    state.infraFailures = 0;
  }
  // Jobs scheduled after the loop state was last written carry the newer RNG state.
  Object.assign(state, resumedRng(state, await store.jobs.newestRngCheckpoint(run.id, state.nextJobSeq)));
  const rng = Rng.fromState(state.rng);
  // The counter is persisted at ingest, a committed child's record earlier: trust the newest record.
  const [newest] = await store.individuals.listByRun(run.id, { limit: 1 });
  run.individuals = Math.max(run.individuals, (newest?.seq ?? 0) + 1);
  const records = new RecordCache(store.individuals);
  const seed = await records.get(individualId(run.id, 0));
  if (!seed) throw new Error(`run ${run.id} has no seed individual`);
  const archive = await restoreArchive(deps, run, records, state.projection, state.warmupIds);
  // Curiosity is first recorded when a child is ingested: a run stopped right after its seed has none.
  const curiosity = state.curiosity === null || state.curiosity === undefined ? new CuriosityStats() : CuriosityStats.fromJSON(state.curiosity);
  const trees = await TreeIndex.load(store, run.id, deps.evaluator.configHash);
  const session = newSession(deps, run, state, rng, archive, curiosity, seed, records, trees, options);
  session.baseTimestamp = await git.commitTime(run.baseCommit);
  session.nextIndividualSeq = run.individuals;

  await removeOrphanBranches(deps, run);
  session.front = await loadFront(store, run.id, session.objectives);
  await syncFrontBranches(session);
  // Reopened jobs are pending again (as written below): their worker claims them.
  const reopenedJobs = (await store.jobs.listOpen(run.id)).map((job): JobRecord => ({ ...job, status: 'pending' }));
  session.inFlight = 0;
  const now = new Date(clock.now());
  const events: LedgerEvent[] = [
    { type: 'run_resumed', runId: run.id, evaluations: run.evaluations, reopenedJobs: reopenedJobs.length },
  ];
  await store.transaction(async (tx) => {
    for (const job of reopenedJobs) await tx.jobs.update(job.id, { status: 'pending' });
    // A run from before runs carried their repository becomes this repository's when it resumes it.
    const claimed = run.repository === null ? { repository: deps.repository } : {};
    await tx.runs.update(run.id, { state: 'running', stopReason: null, finishedAt: null, updatedAt: now, ...claimed });
    await tx.ledger.append(run.id, events);
  });
  run.state = 'running';
  run.repository ??= deps.repository;
  deps.bus.publish(events);
  return { session, resumed: true, reopenedJobs, lease: heartbeat(deps, session, claim) };
}

function newSession(
  deps: LoopDeps,
  run: RunRecord,
  state: ReturnType<typeof initialLoopState>,
  rng: Rng,
  archive: Archive,
  curiosity: CuriosityStats,
  seed: IndividualRecord,
  records: RecordCache,
  trees: TreeIndex,
  options: StartOptions,
): Session {
  state.budget = options.budget;
  const objectives = objectivesOf(deps.config);
  return {
    deps,
    run,
    state,
    rng,
    archive,
    curiosity,
    seed,
    direction: fitnessDirection(deps.config),
    objectives,
    // A new run's front starts empty; a resumed run's is loaded from the store right after.
    front: objectives.length > 1 ? frontOf([], objectives) : null,
    budget: options.budget,
    mutex: new Mutex(),
    baseTimestamp: 0,
    nextIndividualSeq: run.individuals,
    inFlight: 0,
    sessionStartedAt: deps.clock.now(),
    haltReason: null,
    listings: new ListingCache(deps.git),
    records,
    trees,
    failures: new FailureNotes(deps.store),
    allocation: new Allocation(deps.config, deps.operators, (state.allocation ??= initialAllocationState(deps.config, deps.operators))),
  };
}

/**
 * The newest earlier run's strategy statistics, as a prior for a new run (decayed; judged by the
 * gate in bandit.ts). Only runs that allocated with the bandit have any.
 */
function earlierPolicy(deps: LoopDeps, runs: readonly RunRecord[]): PriorState | null {
  const arms = enumerateStrategies(deps.config, deps.operators).map((s) => s.arm);
  const newestFirst = [...runs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  for (const run of newestFirst) {
    const allocation = (run.loopState as { allocation?: { policy?: string; bandit?: unknown } } | null)?.allocation;
    if (allocation?.policy !== 'bandit') continue;
    const bandit = parseBanditState(allocation.bandit);
    if (bandit.observations === 0) continue;
    return priorFrom(run.id, bandit, arms);
  }
  return null;
}

/** Rebuilds the archive from the elites table; its members' records also warm the record cache. */
async function restoreArchive(
  deps: LoopDeps,
  run: RunRecord,
  records: RecordCache,
  projection: ReturnType<typeof parseLoopState>['projection'],
  warmupIds: string[],
): Promise<Archive> {
  const elites = await deps.store.elites.list(run.id);
  const ids = [...new Set([...elites.map((e) => e.individualId), ...warmupIds])];
  const individuals = new Map((await records.getMany(ids)).map((i) => [i.id, i]));
  const entry = (id: string, island: number, cell: string | null, coords: number[] | null): ArchiveEntry => {
    const individual = individuals.get(id);
    if (!individual || individual.fitness === null) throw new Error(`archive member ${id} has no evaluated record`);
    return { id, island, fitness: individual.fitness, metrics: individual.metrics, embedding: individual.embedding, coords, cell };
  };
  return Archive.restore(archiveOptions(deps), {
    projection,
    elites: elites.map((e) => entry(e.individualId, e.island, e.cell, e.descriptor)),
    warmup: warmupIds.filter((id) => individuals.has(id)).map((id) => entry(id, individuals.get(id)!.island, null, null)),
  });
}

/** Orphans can only come from jobs in flight at a crash, i.e. the newest sequence numbers. */
const ORPHAN_WINDOW = 256;

/** Branches of individuals whose record never committed (a crash between `update-ref` and the insert). */
async function removeOrphanBranches(deps: LoopDeps, run: RunRecord): Promise<void> {
  const refs = await deps.git.listRefs(`refs/heads/cambrian/${run.id}/`);
  const candidates = new Map<string, string>();
  for (const { ref } of refs) {
    const match = /\/g\d+\/i(\d+)$/.exec(ref);
    if (match && Number(match[1]) >= run.individuals - ORPHAN_WINDOW) {
      candidates.set(individualId(run.id, Number(match[1])), ref);
    }
  }
  if (candidates.size === 0) return;
  const known = new Set((await deps.store.individuals.getMany([...candidates.keys()])).map((i) => i.id));
  for (const [id, ref] of candidates) {
    if (!known.has(id)) await deps.git.deleteRefs(ref);
  }
}
