// Classifies how one evaluator process ended (timeout, limit, crash, exit code) into an outcome
// and a reason a user can act on, and spots failures that point at the evaluator, not the candidate.
import type { EvaluationResult } from './port.ts';
import type { CommandResult } from './process.ts';

export interface StageLimits {
  timeoutMs: number;
  memoryMb: number;
  cpuSeconds?: number;
  diskMb?: number;
}

export type RunFailure = { outcome: 'candidate_failed' | 'infra_failed' | 'inconclusive'; reason: string };

const OUT_OF_MEMORY =
  /MemoryError|JavaScript heap out of memory|Fatal process out of memory|Array buffer allocation failed|Cannot allocate memory|std::bad_alloc|out of memory/i;

/** null when the process exited 0; otherwise why the run failed and whose fault it is. */
export function classifyRun(run: CommandResult, limits: StageLimits): RunFailure | null {
  if (run.spawnError) return { outcome: 'infra_failed', reason: `could not start the evaluator: ${run.spawnError.message}` };
  if (run.aborted) return { outcome: 'inconclusive', reason: 'evaluation aborted' };
  if (run.limitExceeded !== undefined) return { outcome: 'candidate_failed', reason: run.limitExceeded };
  if (run.timedOut) return { outcome: 'candidate_failed', reason: `timed out after ${limits.timeoutMs} ms` };
  if (run.exitCode === 0) return null;
  if (run.signal === 'SIGXCPU' || (run.signal === 'SIGKILL' && limits.cpuSeconds !== undefined && run.cpuSeconds >= limits.cpuSeconds)) {
    return { outcome: 'candidate_failed', reason: `exceeded the CPU limit (${limits.cpuSeconds} s)` };
  }
  if (run.signal === 'SIGXFSZ' || (limits.diskMb !== undefined && /File too large|EFBIG/.test(run.stderr))) {
    return { outcome: 'candidate_failed', reason: `wrote a file larger than the disk limit (${limits.diskMb} MB)` };
  }
  if (OUT_OF_MEMORY.test(run.stderr)) {
    return { outcome: 'candidate_failed', reason: `ran out of memory (limit ${limits.memoryMb} MB)` };
  }
  const detail = lastStderrLine(run.stderr);
  const suffix = detail === undefined ? '' : `: ${detail}`;
  if (run.signal !== null) {
    const hint = run.signal === 'SIGKILL' ? ' (possibly the kernel out-of-memory killer)' : '';
    return { outcome: 'candidate_failed', reason: `killed by ${run.signal}${hint}${suffix}` };
  }
  return { outcome: 'candidate_failed', reason: `exited with code ${run.exitCode}${suffix}` };
}

function lastStderrLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('[… '));
  const last = lines.at(-1);
  if (last === undefined) return undefined;
  return last.length > 200 ? `${last.slice(0, 200)}…` : last;
}

// Messages that mean the evaluator itself could not start its own script or tool.
const EVALUATOR_BUG = [
  /command not found/,
  /can't open file/, // python3 missing_script.py
  /Cannot find module/, // node missing_script.js
];

/**
 * True when a failed evaluation looks like a broken evaluator rather than a bad candidate: the
 * shell could not find or execute the command (exit 127 / 126), or the interpreter could not open
 * the evaluator script. Meaningful on the seed, whose failure the loop reports as evaluator_failed.
 */
export function looksLikeEvaluatorBug(result: EvaluationResult): boolean {
  if (result.outcome !== 'candidate_failed' && result.outcome !== 'evaluator_failed') return false;
  const last = result.stages.at(-1);
  if (last === undefined || last.timedOut) return false;
  if (last.exitCode === 127 || last.exitCode === 126) return true;
  if (last.exitCode === null || last.exitCode === 0) return false;
  return EVALUATOR_BUG.some((pattern) => pattern.test(last.stderr));
}
