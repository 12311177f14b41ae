// Stop conditions, checked before each new job: evaluation budget, wall clock, target fitness,
// plateau, operators that keep producing nothing, and halts requested elsewhere (LLM budget).
import { isBetter } from '../core/fitness/compare.ts';
import type { Session } from './session.ts';

/** Jobs in a row without an evaluation (all rejected or duplicates) before the run gives up. */
export const MAX_FUTILE_JOBS = 200;

export type StopCheck = { stop: false } | { stop: true; reason: string; final: boolean };

/** Whether to schedule another job. `final: false` means "wait for jobs in flight, then decide". */
export function checkStop(session: Session): StopCheck {
  const { run, state, budget } = session;
  if (session.haltReason) return { stop: true, reason: session.haltReason, final: true };
  if (budget.targetFitness !== null && run.bestFitness !== null) {
    const reached =
      run.bestFitness === budget.targetFitness || isBetter(run.bestFitness, budget.targetFitness, session.direction);
    if (reached) return { stop: true, reason: `target fitness ${budget.targetFitness} reached`, final: true };
  }
  if (budget.maxEvaluations !== null && run.evaluations + session.inFlight >= budget.maxEvaluations) {
    return { stop: true, reason: `evaluation budget of ${budget.maxEvaluations} spent`, final: true };
  }
  if (budget.maxWallClockMs !== null) {
    const active = state.activeMs + (session.deps.clock.now() - session.sessionStartedAt);
    if (active >= budget.maxWallClockMs) {
      return { stop: true, reason: `wall-clock budget of ${budget.maxWallClockMs} ms spent`, final: true };
    }
  }
  if (budget.plateau !== null && run.evaluations - state.lastImprovementAt >= budget.plateau) {
    return { stop: true, reason: `no improvement in ${budget.plateau} evaluations (plateau)`, final: true };
  }
  if (state.futileJobs >= MAX_FUTILE_JOBS) {
    return {
      stop: true,
      reason: `the operators produced no new candidate in ${MAX_FUTILE_JOBS} jobs in a row (see \`cambrian status\` for their reasons)`,
      final: true,
    };
  }
  return { stop: false };
}
