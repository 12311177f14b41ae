// Ingest: turn a job's outcome into state, in ONE transaction — the evaluation, the individual's
// result, archive changes (elites, refits, migration), the job's end, run counters, loop state (its
// PCA projection only after a refit) and the ledger events describing all of it. Runs under the
// session mutex.
import type { ArchiveEntry } from '../core/archive/archive.ts';
import { isBetter } from '../core/fitness/compare.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { EliteRecord, EvaluationRecord, IndividualPatch, IndividualRecord, JobRecord, StoreTx } from '../store/port.ts';
import { bestBranch } from '../git/branches.ts';
import type { EvaluationResult } from '../evaluate/port.ts';
import { isCounted } from './evaluation-cache.ts';
import { updateFront } from './front.ts';
import { loopStateRecord } from './loop-state.ts';
import type { Session } from './session.ts';
import type { GateOutcome, JobOutcome } from './worker.ts';
import { pickReseed } from '../allocation/economy.ts';
import { noiseSd as noiseSdOf } from '../allocation/assimilation.ts';

/** Embeddings used to fit the PCA projection (the newest evaluated individuals). */
export const PCA_SAMPLE_LIMIT = 512;

export async function ingestJob(session: Session, job: JobRecord, outcome: JobOutcome): Promise<void> {
  const { deps, run, state } = session;
  const now = new Date(deps.clock.now());
  session.inFlight = Math.max(0, session.inFlight - 1);

  if (outcome.kind === 'interrupted') {
    if (session.haltReason) {
      // The run is ending (e.g. its LLM budget is spent): this job will not be retried.
      await deps.store.jobs.update(job.id, { status: 'abandoned', error: session.haltReason, finishedAt: now, costs: outcome.costs });
      return;
    }
    // Left open: the next start re-runs it (its individual, if committed, is evaluated again).
    await deps.store.jobs.update(job.id, { status: 'pending', costs: outcome.costs });
    return;
  }
  if (outcome.kind === 'futile') {
    state.futileJobs++;
    countOperatorFailure(session, outcome.operatorFailed ? outcome.reason : null);
    const events: LedgerEvent[] = [
      { type: 'job_failed', runId: run.id, jobId: job.id, operator: job.operator, reason: outcome.reason },
    ];
    // A rejected proposal earns nothing and costs what it spent.
    observeJob(session, job, 0, outcome.costs, events);
    await deps.store.transaction(async (tx) => {
      await tx.jobs.update(job.id, { status: 'failed', error: outcome.reason, finishedAt: now, costs: outcome.costs });
      await tx.runs.update(run.id, { individuals: run.individuals, loopState: loopStateRecord(state, session.rng.state(), { withProjection: false }), updatedAt: now });
      await tx.ledger.append(run.id, events);
    });
    deps.bus.publish(events);
    return;
  }
  countOperatorFailure(session, null);
  await ingestEvaluation(session, outcome.individual, outcome.result, outcome.embedding, {
    job,
    costs: outcome.costs,
    gate: outcome.gate ?? null,
  });
}

/** Records one evaluation (a job's child, or the seed when `job` is null). */
export async function ingestEvaluation(
  session: Session,
  individual: IndividualRecord,
  result: EvaluationResult,
  embedding: number[] | null,
  origin: { job: JobRecord; costs: JobRecord['costs']; gate: GateOutcome | null } | null,
): Promise<{ counted: boolean; fitness: number | null }> {
  const { deps, run, state, archive } = session;
  const now = new Date(deps.clock.now());
  const counted = isCounted(result.outcome);
  const seq = counted ? run.evaluations + 1 : run.evaluations;
  const fitness = result.outcome === 'ok' ? (result.metrics[deps.config.fitness] ?? null) : null;
  const evaluation: EvaluationRecord = {
    id: `${individual.id}-e${individual.status === 'evaluated' ? 2 : 1}-${now.getTime()}`,
    runId: run.id,
    individualId: individual.id,
    seq,
    tree: individual.tree,
    evaluatorHash: deps.evaluator.configHash,
    outcome: result.outcome,
    reason: result.outcome === 'ok' ? null : result.reason,
    metrics: result.metrics ?? {},
    stdevs: result.outcome === 'ok' ? (result.stdevs ?? null) : null,
    stages: result.stages,
    durationMs: result.durationMs,
    cpuSeconds: result.cpuSeconds,
    cached: result.cached,
    createdAt: now,
  };

  const events: LedgerEvent[] = [
    {
      type: 'evaluation_finished',
      runId: run.id,
      individualId: individual.id,
      outcome: evaluation.outcome,
      fitness,
      metrics: evaluation.metrics,
      reason: evaluation.reason,
      durationMs: evaluation.durationMs,
      cpuSeconds: evaluation.cpuSeconds,
      cached: evaluation.cached,
    },
  ];

  countInfraFailure(session, result.outcome === 'infra_failed' ? result.reason : null, result.outcome === 'inconclusive');

  let improved = false;
  const previousBest = run.bestFitness;
  if (counted) {
    run.evaluations = seq;
    state.futileJobs = 0;
  }
  if (fitness !== null && isBetter(fitness, run.bestFitness, session.direction)) {
    const assimilated = assimilate(session, individual, fitness, origin, events);
    if (assimilated !== null) {
      improved = true;
      run.bestFitness = assimilated;
      run.bestIndividualId = individual.id;
      state.lastImprovementAt = seq;
      events.push({ type: 'best_improved', runId: run.id, individualId: individual.id, fitness: assimilated, previousFitness: previousBest });
    }
  }
  if (individual.seq === 0 && fitness !== null) run.seedFitness = fitness;

  if (origin && fitness !== null) {
    // Curiosity counts only parents that hold a cell on the child's island, and the archive entry
    // carries the parent's fitness: no need to read the parent's record.
    const parent = archive.elites(individual.island).find((e) => e.id === individual.parentId);
    if (parent?.cell) session.curiosity.record(parent.cell, isBetter(fitness, parent.fitness, session.direction));
    state.curiosity = session.curiosity.toJSON();
  }

  state.activeMs += deps.clock.now() - session.sessionStartedAt;
  session.sessionStartedAt = deps.clock.now();

  const resultPatch = await deps.store.transaction(async (tx): Promise<IndividualPatch> => {
    await tx.evaluations.insert(evaluation);
    let placement: Placement | null = null;
    if (fitness !== null) {
      const islands = individual.seq === 0 ? range(deps.config.archive.islands) : [individual.island];
      for (const island of islands) {
        placement = (await placeInArchive(session, tx, { ...individual, island }, fitness, result.metrics ?? {}, embedding, events)) ?? placement;
      }
    }
    // One write of the individual's result and cell, before a refit reads the newest embeddings.
    const patch: IndividualPatch = { status: 'evaluated', outcome: result.outcome, fitness, metrics: result.metrics ?? {}, embedding, ...placement };
    await tx.individuals.update(individual.id, patch);
    // The seed counts for every island (it is placed on all of them).
    let improvedIsland = false;
    if (fitness !== null && counted) {
      for (const island of individual.seq === 0 ? range(deps.config.archive.islands) : [individual.island]) {
        improvedIsland = session.allocation.noteIslandFitness(island, fitness, session.direction, run.evaluations) || improvedIsland;
      }
    }
    if (origin) {
      // What this job earned: the child's improvement over its parent (0 for a failed candidate),
      // plus the bonus when it filled a new cell; observed before the loop state is written. Its
      // island pays the job's ticket and earns when the child improved the island or filled a cell.
      const filled = events.some((e) => e.type === 'elite_replaced' && e.individualId === individual.id && e.previousId === null);
      const parent = individual.parentId === null ? null : await session.records.get(individual.parentId);
      const reward = fitness === null ? 0 : session.allocation.rewardFor(fitness, parent?.fitness ?? null, session.direction, filled, improved);
      observeJob(session, origin.job, reward, origin.costs, events);
      if (improvedIsland || filled) session.allocation.economy?.credit(origin.job.island, reward);
    }
    if (counted) await maybeCheckEconomy(session, tx, events);
    if (counted) maybeSummarise(session, events);
    const refitted = fitness !== null && (await maybeRefit(session, tx, events));
    if (counted) await maybeMigrate(session, tx, events);
    if (origin) {
      await tx.jobs.update(origin.job.id, { status: 'done', finishedAt: now, costs: origin.costs });
    }
    await tx.runs.update(run.id, {
      evaluations: run.evaluations,
      individuals: run.individuals,
      bestFitness: run.bestFitness,
      bestIndividualId: run.bestIndividualId,
      seedFitness: run.seedFitness,
      loopState: loopStateRecord(state, session.rng.state(), { withProjection: refitted }),
      updatedAt: now,
    });
    await tx.ledger.append(run.id, events);
    return patch;
  });
  // The session's cached copy follows the committed row (parents are read from it), and so do its
  // in-memory indexes of reusable results and failures.
  session.records.patch(individual.id, resultPatch);
  session.trees.addEvaluation(evaluation.tree, evaluation.outcome);
  session.failures.record(individual, evaluation);
  deps.bus.publish(events);
  if (improved) await deps.git.updateRef(`refs/heads/${bestBranch(run.id)}`, individual.commit);
  await updateFront(session, individual, result, fitness);
  return { counted, fitness };
}

/**
 * Whether a child that beat the best becomes the best, and at what fitness: with the gate on, only
 * if it passed (at the mean of its fresh measurements) and still beats the best, which another
 * child may have raised meanwhile; without the gate (or for the seed), on its one measurement.
 */
function assimilate(
  session: Session,
  individual: IndividualRecord,
  fitness: number,
  origin: { gate: GateOutcome | null } | null,
  events: LedgerEvent[],
): number | null {
  const { run, allocation } = session;
  if (!origin || !allocation.gate || run.bestIndividualId === null) return fitness;
  const gate = origin.gate;
  if (gate === null) {
    // The worker gates every child that beats the best it saw, and the best only rises: a child
    // without a verdict was not better then. It does not move the best ungated.
    return null;
  }
  let passed = gate.passed;
  const reasons = [...gate.reasons];
  if (passed && gate.incumbentId !== run.bestIndividualId && !isBetter(gate.fitness, run.bestFitness, session.direction)) {
    passed = false;
    reasons.push(`overtaken: the best moved to ${run.bestIndividualId} (${run.bestFitness}) while this challenger was measured`);
  }
  events.push({
    type: 'assimilation',
    runId: run.id,
    atEvaluation: run.evaluations,
    individualId: individual.id,
    incumbentId: gate.incumbentId,
    passed,
    method: gate.method,
    reasons,
    challenger: gate.challenger,
    incumbent: gate.incumbent,
    uplift: gate.uplift,
    p: gate.p,
    holdout: gate.holdout,
    evaluations: gate.evaluations,
  });
  return passed ? gate.fitness : null;
}

/**
 * The economy's periodic check (every `economy.checkEvery` counted evaluations): the Gini levy,
 * top-ups for islands near the global best, and culling islands bankrupt for `cullAfter` checks —
 * emptied and reseeded from diverse elites of the other islands (not before the archive places).
 */
async function maybeCheckEconomy(session: Session, tx: StoreTx, events: LedgerEvent[]): Promise<void> {
  const { allocation, archive, run, deps } = session;
  const economy = allocation.economy;
  if (!economy || !economy.due(run.evaluations)) return;
  const spread = allocation.state.spread ?? 0;
  const global = run.bestFitness;
  const nearBest = allocation.state.islandBest.map((best) => best !== null && global !== null && Math.abs(global - best) <= 2 * spread);
  const { events: actions, cull } = economy.check(run.evaluations, nearBest);
  const logged = actions.filter((a): a is Exclude<typeof a, { kind: 'cull' }> => a.kind !== 'cull');
  if (logged.length > 0) events.push({ type: 'economy_check', runId: run.id, evaluations: run.evaluations, actions: logged });
  if (cull.length === 0 || !archive.placing) return;
  for (const island of cull) {
    const others = archive.elites().filter((e) => e.island !== island);
    const reseed = pickReseed(others, run.bestIndividualId, economy.settings.reseed);
    if (reseed.length === 0) continue;
    const placed = archive.reseedIsland(island, reseed);
    economy.reseeded(island);
    allocation.state.islandBest[island] = archive.best(island)?.fitness ?? null;
    allocation.state.islandImprovedAt[island] = run.evaluations;
    events.push({ type: 'island_culled', runId: run.id, island, evaluations: run.evaluations, reseededIds: placed });
  }
  const now = deps.clock.now();
  await tx.elites.replaceAll(run.id, archive.elites().map((e) => eliteRecord(run.id, e, now)));
}

/** Feeds the allocation one job's reward and cost (under the bandit or the fixed weights alike). */
function observeJob(session: Session, job: JobRecord, reward: number, costs: JobRecord['costs'], events: LedgerEvent[]): void {
  const { allocation, deps, run } = session;
  allocation.economy?.debit(job.island, allocation.costOf(costs));
  // Under fixed weights (no strategy recorded) the operator is the arm, in the plain context.
  const decided = allocation.bandit.observe(job.strategy?.arm ?? job.operator, job.strategy?.cell ?? 0, reward, allocation.costOf(costs));
  if (decided) {
    const { prior } = decided;
    const event: LedgerEvent = {
      type: 'allocation_prior',
      runId: run.id,
      fromRun: prior.fromRun,
      status: prior.status,
      arms: Object.keys(prior.stats).length,
      checked: prior.checked,
      armError: prior.armError,
      flatError: prior.flatError,
    };
    events.push(event);
    if (prior.status === 'rejected') deps.warn(`the strategy statistics of ${prior.fromRun} predicted this run worse than a flat prior: dropped`);
  }
}

/** Every `allocation.reportEvery` counted evaluations: where jobs went, what they earned, the islands. */
function maybeSummarise(session: Session, events: LedgerEvent[]): void {
  const { allocation, run, archive, deps } = session;
  if (run.evaluations - allocation.state.lastSummaryAt < allocation.settings.reportEvery) return;
  allocation.state.lastSummaryAt = run.evaluations;
  const economy = allocation.economy;
  const views = economy?.views() ?? null;
  const gate = allocation.state.gate;
  events.push({
    type: 'allocation_summary',
    runId: run.id,
    evaluations: run.evaluations,
    arms: allocation.bandit.summary().slice(0, 12),
    islands: Array.from({ length: deps.config.archive.islands }, (_, island) => ({
      island,
      best: allocation.state.islandBest[island] ?? null,
      stagnantFor: run.evaluations - (allocation.state.islandImprovedAt[island] ?? 0),
      elites: archive.elites(island).length,
      ...(views && { energy: views[island]!.energy, roi: views[island]!.roi, share: views[island]!.share, culls: views[island]!.culls }),
    })),
    ...(economy && {
      gini: Math.round(economy.gini() * 1000) / 1000,
      effectiveIslands: Math.round(economy.effectiveIslands() * 100) / 100,
      guards: { ...economy.state.guards },
    }),
    ...(gate && {
      assimilation: {
        attempts: gate.attempts,
        passed: gate.passed,
        evaluations: gate.evaluations,
        noiseless: gate.noiseless,
        screened: gate.screened,
        noiseSd: noiseSdOf(gate),
      },
    }),
  });
}

/** Consecutive jobs whose operator could not work: `reason` for one more, null when one worked. */
function countOperatorFailure(session: Session, reason: string | null): void {
  const { state } = session;
  if (reason === null) {
    state.operatorFailures = 0;
    return;
  }
  state.operatorFailures++;
  state.lastOperatorFailure = reason;
}

/** Consecutive `infra_failed` evaluations; an inconclusive (aborted) one neither counts nor resets. */
function countInfraFailure(session: Session, reason: string | null, inconclusive: boolean): void {
  const { state } = session;
  if (inconclusive) return;
  if (reason === null) {
    state.infraFailures = 0;
    return;
  }
  state.infraFailures++;
  state.lastInfraFailure = reason;
}

/** Where an individual landed in the archive, for its record. */
type Placement = { descriptor: number[] | null; cell: string | null };

/** Offers the individual to its island's grid; returns its cell when it became the elite there. */
async function placeInArchive(
  session: Session,
  tx: StoreTx,
  individual: IndividualRecord,
  fitness: number,
  metrics: Record<string, number>,
  embedding: number[] | null,
  events: LedgerEvent[],
): Promise<Placement | null> {
  const { archive, state, run, deps } = session;
  const result = archive.insert({ id: individual.id, island: individual.island, fitness, metrics, embedding });
  if (result.status === 'warmup') {
    if (!state.warmupIds.includes(individual.id)) state.warmupIds.push(individual.id);
    return null;
  }
  state.sinceRefit++;
  if (result.status !== 'placed') return null;
  const placed = archive.elites(individual.island).find((e) => e.id === individual.id && e.cell === result.cell)!;
  await tx.elites.upsert([eliteRecord(run.id, placed, deps.clock.now())]);
  events.push({
    type: 'elite_replaced',
    runId: run.id,
    island: individual.island,
    cell: result.cell,
    individualId: individual.id,
    previousId: result.replacedId,
    fitness,
  });
  return { descriptor: placed.coords, cell: placed.cell };
}

/** Refits the PCA projection when due; true when it did (the projection must then be persisted). */
async function maybeRefit(session: Session, tx: StoreTx, events: LedgerEvent[]): Promise<boolean> {
  const { archive, state, run, deps } = session;
  if (deps.config.archive.descriptors !== 'learned') return false;
  const first = archive.projection === null && archive.warmupSize() >= deps.config.archive.warmup;
  const due = archive.projection !== null && state.sinceRefit >= deps.config.archive.refitEvery;
  if (!first && !due) return false;
  const samples = (await tx.individuals.recentEmbeddings(run.id, PCA_SAMPLE_LIMIT)).map((s) => s.embedding);
  const refit = archive.refit(samples);
  state.projection = archive.projection;
  state.warmupIds = [];
  state.sinceRefit = 0;
  const now = deps.clock.now();
  await tx.elites.replaceAll(run.id, refit.elites.map((e) => eliteRecord(run.id, e, now)));
  const elitesPerIsland = Array.from({ length: deps.config.archive.islands }, (_, i) => refit.elites.filter((e) => e.island === i).length);
  events.push({ type: 'archive_refit', runId: run.id, samples: samples.length, elites: refit.elites.length, elitesPerIsland });
  return true;
}

async function maybeMigrate(session: Session, tx: StoreTx, events: LedgerEvent[]): Promise<void> {
  const { archive, state, run, deps } = session;
  const { islands, migrationEvery, migrants } = deps.config.archive;
  if (islands < 2 || migrants === 0 || run.evaluations - state.lastMigrationAt < migrationEvery) return;
  state.lastMigrationAt = run.evaluations;
  const moves = archive.migrate(migrants);
  const now = deps.clock.now();
  for (const move of moves) {
    if (move.ids.length === 0) continue;
    const placed = archive.elites(move.toIsland).filter((e) => move.ids.includes(e.id));
    await tx.elites.upsert(placed.map((e) => eliteRecord(run.id, e, now)));
    events.push({ type: 'migration', runId: run.id, fromIsland: move.fromIsland, toIsland: move.toIsland, individualIds: move.ids });
  }
}

function eliteRecord(runId: string, entry: ArchiveEntry, nowMs: number): EliteRecord {
  return {
    runId,
    island: entry.island,
    cell: entry.cell!,
    individualId: entry.id,
    fitness: entry.fitness,
    descriptor: entry.coords ?? [],
    updatedAt: new Date(nowMs),
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
