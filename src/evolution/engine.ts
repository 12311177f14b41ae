// The evolution loop: evaluate the seed, then keep `workers` jobs in flight — schedule → propose →
// commit → evaluate → ingest — until a stop condition holds or the signal aborts (Ctrl-C), and
// leave the run finished, or cleanly resumable: `stopped` (interrupted) or `failed` (no operator or
// evaluation could make progress, see stop.ts; `cambrian run` resumes it once the cause is fixed).
import { CambrianError, isCambrianError } from '../errors.ts';
import { bestBranch } from '../git/branches.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { JobRecord, RunRecord } from '../store/port.ts';
import { cachedResult } from './evaluation-cache.ts';
import { ingestEvaluation, ingestJob } from './ingest.ts';
import { loopStateRecord } from './loop-state.ts';
import { startSession, type StartOptions } from './run-setup.ts';
import type { RunLeaseHeartbeat } from './run-lease.ts';
import { scheduleJob } from './scheduler.ts';
import type { LoopDeps, Session } from './session.ts';
import { checkStop, type StopCheck } from './stop.ts';
import { executeJob } from './worker.ts';
import { syncFrontBranches } from './front.ts';
import { timed } from './profile.ts';

export interface RunSummary {
  run: RunRecord;
  resumed: boolean;
  /**
   * 'finished' when a stop condition ended the run, 'stopped' when interrupted, 'failed' when it
   * could not make progress (the reason names the cause). Stopped and failed runs are resumable.
   */
  state: 'finished' | 'stopped' | 'failed';
  reason: string;
}

export async function runEvolution(deps: LoopDeps, options: StartOptions, signal: AbortSignal): Promise<RunSummary> {
  const { session, resumed, reopenedJobs, lease } = await startSession(deps, options);
  lease.start();
  try {
    return await driveRun(session, resumed, reopenedJobs, signal, lease);
  } finally {
    await lease.release();
  }
}

async function driveRun(session: Session, resumed: boolean, reopenedJobs: JobRecord[], signal: AbortSignal, lease: RunLeaseHeartbeat): Promise<RunSummary> {
  const { deps } = session;
  if (deps.config.evaluator.sandbox === 'none') {
    // The user opted out of containment: on record for every session of the run (status, report).
    const event: LedgerEvent = { type: 'sandbox_disabled', runId: session.run.id, reason: 'evaluator.sandbox: none (or --no-sandbox)' };
    await deps.store.ledger.append(session.run.id, [event]);
    deps.bus.publish([event]);
  }
  let decided: StopCheck | null = null;
  try {
    if (session.seed.status !== 'evaluated') await evaluateSeed(session, signal);
    if (!signal.aborted) decided = await runSlots(session, reopenedJobs, signal);
  } catch (error) {
    // A broken evaluator fails the run for good; anything else (a disk or database error, a bug)
    // leaves it stopped, so `cambrian run` resumes it once the cause is fixed.
    const broken = isCambrianError(error) && error.code === 'CAMBRIAN_EVALUATOR_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    await markRun(session, broken ? 'failed' : 'stopped', broken ? message : `error: ${message}`).catch(() => undefined);
    throw error;
  }
  // Another scheduler owns the run now: its state is theirs to write.
  if (lease.lost) {
    throw new CambrianError('CAMBRIAN_RUN_LEASED', `${session.haltReason ?? `lost the lease on run ${session.run.id}`}; this process stopped driving it`, {
      hint: 'see `cambrian status` for who drives it now',
    });
  }
  if (signal.aborted) {
    await markRun(session, 'stopped', 'interrupted');
    return { run: session.run, resumed, state: 'stopped', reason: 'interrupted' };
  }
  // The decision that ended scheduling stands: a job still in flight then may have reset a counter.
  const stop = decided?.stop ? decided : checkStop(session);
  const reason = stop.stop ? stop.reason : 'no more work';
  const state = stop.stop && stop.failed ? 'failed' : 'finished';
  await markRun(session, state, reason);
  return { run: session.run, resumed, state, reason };
}

async function evaluateSeed(session: Session, signal: AbortSignal): Promise<void> {
  const { deps, run, seed } = session;
  const cached = await deps.store.evaluations.findCached(seed.tree, deps.evaluator.configHash);
  const result = cached
    ? cachedResult(cached)
    : await deps.evaluator.evaluate({ commit: seed.commit, tree: seed.tree, runId: run.id, individualId: seed.id, signal });
  if (signal.aborted) return;
  if (result.outcome !== 'ok') {
    const stage = result.stages.at(-1);
    const output = [stage?.stderr.trim(), stage?.stdout.trim()].filter(Boolean).join('\n').slice(-4000);
    throw new CambrianError('CAMBRIAN_EVALUATOR_FAILED', `the evaluator failed on the seed commit ${seed.commit.slice(0, 12)}: ${result.reason}${output ? `\n--- evaluator output (tail) ---\n${output}` : ''}`, {
      hint: 'the seed must evaluate cleanly before evolution can start: run `cambrian eval` to debug the evaluator on HEAD',
    });
  }
  const embedding = deps.embedder ? await deps.embedder.embedListing(await session.listings.listFiles(seed.commit)) : null;
  await session.mutex.run(() => ingestEvaluation(session, seed, result, embedding, null));
  seed.status = 'evaluated';
}

/** Runs jobs until a stop condition holds; returns the first check that stopped scheduling. */
async function runSlots(session: Session, reopened: JobRecord[], signal: AbortSignal): Promise<StopCheck | null> {
  const queue = [...reopened];
  let decided: StopCheck | null = null;
  const nextJob = (): Promise<JobRecord | null> =>
    session.mutex.run(async () => {
      if (signal.aborted) return null;
      const reopenedJob = queue.shift();
      if (reopenedJob) {
        session.inFlight++;
        return reopenedJob;
      }
      const stop = checkStop(session);
      if (stop.stop) {
        decided ??= stop;
        return null;
      }
      // Scheduler and worker are this one process: the job is written already claimed.
      return timed(session.deps.profiler, 'sample', () => scheduleJob(session, { claim: true }));
    });

  const slot = async (): Promise<void> => {
    for (let job = await nextJob(); job; job = await nextJob()) {
      const outcome = await executeJob(session, job, signal);
      await session.mutex.run(() => timed(session.deps.profiler, 'ingest', () => ingestJob(session, job, outcome)));
    }
  };
  const slots = Array.from({ length: Math.max(1, session.deps.workers) }, slot);
  const results = await Promise.allSettled(slots);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return decided;
}

async function markRun(session: Session, state: 'finished' | 'stopped' | 'failed', reason: string): Promise<void> {
  const { deps, run } = session;
  const now = new Date(deps.clock.now());
  session.state.activeMs += deps.clock.now() - session.sessionStartedAt;
  session.sessionStartedAt = deps.clock.now();
  const event: LedgerEvent =
    state === 'finished'
      ? { type: 'run_finished', runId: run.id, reason, evaluations: run.evaluations, bestIndividualId: run.bestIndividualId, bestFitness: run.bestFitness }
      : { type: 'run_stopped', runId: run.id, reason, evaluations: run.evaluations };
  await deps.store.transaction(async (tx) => {
    await tx.runs.update(run.id, {
      state,
      stopReason: reason,
      finishedAt: state === 'finished' ? now : null,
      loopState: loopStateRecord(session.state, session.rng.state(), { withProjection: false }),
      updatedAt: now,
    });
    await tx.ledger.append(run.id, [event]);
  });
  run.state = state;
  run.stopReason = reason;
  deps.bus.publish([event]);
  if (run.bestIndividualId) {
    const best = await deps.store.individuals.get(run.bestIndividualId);
    if (best) await deps.git.updateRef(`refs/heads/${bestBranch(run.id)}`, best.commit);
  }
  await syncFrontBranches(session);
}
