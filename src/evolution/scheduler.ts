// The scheduler role: decide the next job (island, operator, parent, inspirations, job seed) and
// write it as a row carrying the advanced RNG state (the run's loop state is written by ingest, and
// here only when repair counts changed). Workers only read jobs.
import { sampleInspirations, sampleParent } from '../core/sampler/sampler.ts';
import type { ArchiveEntry } from '../core/archive/archive.ts';
import type { JobRecord, JobStrategy } from '../store/port.ts';
import type { OperatorEntry } from '../operators/registry.ts';
import { contextCell, type JobContext } from '../allocation/bandit.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import { jobId } from './ids.ts';
import { loopStateRecord } from './loop-state.ts';
import type { Session } from './session.ts';

export interface ScheduleOptions {
  /**
   * Insert the job already claimed (running, first attempt) by this process's worker: in embedded
   * mode the scheduler and the worker are one process, which saves the worker's claiming UPDATE.
   * A scheduler feeding other processes' workers leaves it pending.
   */
  claim?: boolean;
}

export async function scheduleJob(session: Session, options: ScheduleOptions = {}): Promise<JobRecord> {
  const { deps, rng, state, run } = session;
  // The energy economy gives the slot to an island by energy and ROI; without it islands take turns.
  const economy = session.allocation.economy;
  const island = economy ? economy.pickIsland(rng) : state.nextJobSeq % deps.config.archive.islands;
  const picked = session.allocation.chooses ? await pickByBandit(session, island) : await pickByWeights(session, island);
  const { entry, parent, failedParentId, strategy } = picked;
  const operatorName = entry.name;
  const parentId = failedParentId ?? parent?.id ?? session.seed.id;
  const { archive } = session;

  let inspirationIds: string[] = [];
  const k = deps.config.sampler.inspirations;
  if (parent && k > 0 && entry.parentPolicy === 'archive' && parent.cell !== null) {
    inspirationIds = sampleInspirations(archive, parent, k, rng).map((e) => e.id);
  }
  if (entry.operator.needsInspirations && inspirationIds.length === 0 && parent) {
    // Before the archive has cells (warm-up) there are no neighbours: any other member will do.
    const others = archive.members(island).filter((m) => m.id !== parent.id);
    inspirationIds = rng.shuffle(others).slice(0, Math.max(1, k)).map((e) => e.id);
  }

  const repairsChanged = failedParentId !== null;
  if (failedParentId) {
    state.repairs[failedParentId] = (state.repairs[failedParentId] ?? 0) + 1;
    const tracked = Object.keys(state.repairs);
    for (const old of tracked.slice(0, Math.max(0, tracked.length - 200))) delete state.repairs[old];
  }
  const seq = state.nextJobSeq;
  const now = new Date(deps.clock.now());
  const job: JobRecord = {
    id: jobId(run.id, seq),
    runId: run.id,
    seq,
    status: options.claim ? 'running' : 'pending',
    operator: operatorName,
    island,
    parentId,
    inspirationIds,
    seed: rng.nextUint32(),
    attempts: options.claim ? 1 : 0,
    individualId: null,
    error: null,
    costs: { wallMs: 0, cpuSeconds: 0, tokensIn: 0, tokensOut: 0, usd: 0 },
    createdAt: now,
    startedAt: options.claim ? now : null,
    finishedAt: null,
    strategy,
  };
  state.nextJobSeq = seq + 1;
  state.rng = rng.state();
  const events: LedgerEvent[] = [
    { type: 'job_scheduled', runId: run.id, jobId: job.id, operator: operatorName, island, parentId },
  ];
  // The job row checkpoints the RNG (a resume takes the newest of it and the loop state), so the
  // ~1 KB loop state is rewritten here only when the repair counts, which live only there, changed.
  await deps.store.transaction(async (tx) => {
    await tx.jobs.insert(job, { rngState: state.rng });
    if (repairsChanged) {
      await tx.runs.update(run.id, { loopState: loopStateRecord(state, state.rng, { withProjection: false }), updatedAt: now });
    }
    await tx.ledger.append(run.id, events);
  });
  session.inFlight++;
  deps.bus.publish(events);
  return job;
}

interface Picked {
  entry: OperatorEntry;
  parent: ArchiveEntry | null;
  failedParentId: string | null;
  strategy: JobStrategy | null;
}

/** Fixed weights (the policy before the bandit, and of runs started before it): operator, then parent. */
async function pickByWeights(session: Session, island: number): Promise<Picked> {
  const { deps, rng, archive } = session;
  let operatorName = deps.chooser.choose(deps.operators, rng);
  let entry = deps.operators.find((o) => o.name === operatorName)!;
  let failedParentId: string | null = null;
  if (entry.parentPolicy === 'failed') {
    failedParentId = await pickFailedParent(session);
    if (failedParentId === null) {
      // Nothing to repair right now: let another operator have this job.
      const others = deps.operators.filter((o) => o.parentPolicy !== 'failed');
      if (others.length === 0) failedParentId = session.seed.id;
      else {
        operatorName = deps.chooser.choose(others, rng);
        entry = others.find((o) => o.name === operatorName)!;
      }
    }
  }
  return { entry, parent: parentFor(session, entry, () => sampleFrom(session, island)), failedParentId, strategy: null };
}

/**
 * The strategy bandit: the archive parent is drawn first (the job's context describes it), then the
 * strategy among those that can work now (the repair operator only when there is a failure to
 * repair); an operator with another parent policy then takes its own parent.
 */
async function pickByBandit(session: Session, island: number): Promise<Picked> {
  const { deps, rng, allocation } = session;
  const sampled = sampleFrom(session, island);
  const repairs = deps.operators.some((o) => o.parentPolicy === 'failed');
  const failedParentId = repairs ? await pickFailedParent(session) : null;
  const canRun = (operator: string) => deps.operators.find((o) => o.name === operator)?.parentPolicy !== 'failed' || failedParentId !== null;
  const eligible = allocation.strategies.filter((s) => canRun(s.operator));
  const context = await jobContext(session, island, sampled);
  const strategy = allocation.bandit.choose(eligible.length > 0 ? eligible : allocation.strategies, context, rng);
  const entry = deps.operators.find((o) => o.name === strategy.operator)!;
  const repairing = entry.parentPolicy === 'failed';
  const climbing = strategy.parent === 'best';
  return {
    entry,
    parent: repairing ? null : climbing ? (session.archive.best() ?? sampled) : parentFor(session, entry, () => sampled),
    failedParentId: repairing ? (failedParentId ?? session.seed.id) : null,
    strategy: { arm: strategy.arm, model: strategy.model, temperature: strategy.temperature, cell: contextCell(context), ...(climbing && { parent: 'best' as const }) },
  };
}

function sampleFrom(session: Session, island: number): ArchiveEntry | null {
  const members = session.archive.members(island);
  if (members.length === 0) return null;
  return sampleParent(members, session.rng, session.deps.config.sampler, session.curiosity, session.direction, session.objectives).entry;
}

function parentFor(session: Session, entry: OperatorEntry, sampled: () => ArchiveEntry | null): ArchiveEntry | null {
  if (entry.parentPolicy === 'best') return session.archive.best();
  if (entry.parentPolicy === 'archive') return sampled();
  return null;
}

/** What the bandit conditions on (see JobContext). Deterministic given the persisted state. */
async function jobContext(session: Session, island: number, parent: ArchiveEntry | null): Promise<JobContext> {
  const { allocation, run, archive, direction, budget } = session;
  let topParent = false;
  let failingParent = false;
  if (parent) {
    const fitnesses = archive.members(island).map((m) => m.fitness).sort((a, b) => a - b);
    const median = fitnesses[Math.floor(fitnesses.length / 2)] ?? parent.fitness;
    topParent = direction === 'max' ? parent.fitness >= median : parent.fitness <= median;
    const record = await session.records.get(parent.id);
    if (record) failingParent = (await session.failures.forParent(record)).length >= 2;
  }
  const pressed = budget.maxEvaluations !== null && run.evaluations / budget.maxEvaluations > 0.5;
  return { stagnant: allocation.stagnant(island, run.evaluations), topParent, failingParent, pressed };
}

/** Repair attempts per failed individual before the repair operator gives up on it. */
export const MAX_REPAIRS_PER_INDIVIDUAL = 2;

/** The newest candidate_failed child of this run that has not had all its repair attempts. */
async function pickFailedParent(session: Session): Promise<string | null> {
  const failures = await session.deps.store.evaluations.recentFailures(session.run.id, 20);
  const repairs = session.state.repairs;
  const candidate = failures.find((f) => f.outcome === 'candidate_failed' && (repairs[f.individualId] ?? 0) < MAX_REPAIRS_PER_INDIVIDUAL);
  return candidate?.individualId ?? null;
}
