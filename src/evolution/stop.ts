// Stop conditions, checked before each new job: evaluation budget, wall clock, target fitness,
// plateau, operators that keep producing nothing, and halts requested elsewhere (LLM budget). When no
// operator or evaluation can make progress (failures in a row), the run stops as `failed`.
import { isBetter } from '../core/fitness/compare.ts';
import type { Session } from './session.ts';

/** Jobs in a row without an evaluation (all rejected or duplicates) before the run gives up. */
export const MAX_FUTILE_JOBS = 200;

/** Jobs in a row whose operator could not work at all (every LLM call failed, the agent crashed). */
export const MAX_OPERATOR_FAILURES = 10;
/** Evaluations in a row that ended `infra_failed` (the evaluator could not be started or checked out). */
export const MAX_INFRA_FAILURES = 5;

/** `failed`: the run stops because it cannot make progress, not because it is done (it stays resumable). */
export type StopCheck = { stop: false } | { stop: true; reason: string; final: boolean; failed?: boolean };

/** Whether to schedule another job. `final: false` means "wait for jobs in flight, then decide". */
export function checkStop(session: Session): StopCheck {
  const { run, state, budget } = session;
  if (session.haltReason) return { stop: true, reason: session.haltReason, final: true };
  if (state.operatorFailures >= MAX_OPERATOR_FAILURES) {
    const cause = state.lastOperatorFailure ?? 'unknown';
    return { stop: true, reason: `the operators failed ${state.operatorFailures} jobs in a row; the last: ${cause}`, final: true, failed: true };
  }
  if (state.infraFailures >= MAX_INFRA_FAILURES) {
    const cause = state.lastInfraFailure ?? 'unknown';
    return { stop: true, reason: `${state.infraFailures} evaluations in a row ended infra_failed; the last: ${cause}`, final: true, failed: true };
  }
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
