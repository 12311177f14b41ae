// Results are cached by (tree hash, evaluator config hash) in the evaluations table: the same code
// under the same evaluator is never run twice, across runs too.
import type { EvaluationResult } from '../evaluate/port.ts';
import type { EvaluationRecord } from '../store/port.ts';

export function cachedResult(record: EvaluationRecord): EvaluationResult {
  const base = { stages: record.stages, durationMs: 0, cpuSeconds: 0, cached: true };
  if (record.outcome === 'ok') {
    return record.stdevs ? { ...base, outcome: 'ok', metrics: record.metrics, stdevs: record.stdevs } : { ...base, outcome: 'ok', metrics: record.metrics };
  }
  return { ...base, outcome: record.outcome, reason: record.reason ?? 'failed', metrics: record.metrics };
}

/** Which outcomes count against the evaluation budget and can be reused from the cache. */
export function isCounted(outcome: EvaluationResult['outcome']): boolean {
  return outcome === 'ok' || outcome === 'candidate_failed';
}
