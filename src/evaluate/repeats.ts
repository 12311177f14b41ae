// Folds the metrics of repeated evaluator runs into a mean per metric and, with two or more runs,
// the sample standard deviation, so noisy evaluators can be averaged instead of trusted once.
import type { Metrics } from '../core/types.ts';

export function summarizeRepeats(runs: Metrics[]): { mean: Metrics; stdevs?: Metrics } {
  const values = new Map<string, number[]>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run)) {
      const list = values.get(key);
      if (list) list.push(value);
      else values.set(key, [value]);
    }
  }
  const mean: Metrics = {};
  const stdevs: Metrics = {};
  for (const [key, list] of values) {
    const avg = list.reduce((sum, v) => sum + v, 0) / list.length;
    mean[key] = avg;
    if (list.length > 1) {
      stdevs[key] = Math.sqrt(list.reduce((sum, v) => sum + (v - avg) ** 2, 0) / (list.length - 1));
    }
  }
  return runs.length > 1 ? { mean, stdevs } : { mean };
}
