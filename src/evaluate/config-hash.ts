// The evaluator's cache key: a sha256 over everything that changes what it would report (the
// evaluator config, the declared metrics and the fitness metric), independent of key order.
import { createHash } from 'node:crypto';
import type { EvaluatorConfig, MetricSpec } from '../config/schema.ts';

/** Bump when the runner's semantics change, so old cached results stop matching. */
const RUNNER_VERSION = 1;

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function evaluatorConfigHash(config: EvaluatorConfig, metrics: Record<string, MetricSpec>, fitness: string): string {
  const key = stableStringify({ runner: RUNNER_VERSION, evaluator: config, metrics, fitness });
  return createHash('sha256').update(key).digest('hex');
}
