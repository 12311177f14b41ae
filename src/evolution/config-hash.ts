// A run remembers the hash of the config parts that shape its search (not budgets or worker counts,
// which a user may change between resumes), so resuming under a different search is refused.
import { createHash } from 'node:crypto';
import type { CambrianConfig } from '../config/schema.ts';

export function searchConfigHash(config: CambrianConfig): string {
  const { budget: _budget, workers: _workers, $schema: _schema, ...search } = config;
  // How candidates are contained does not shape the search: a user may add --no-sandbox or a
  // read-only path on resume (and runs started before these keys existed keep their hash).
  const { sandbox: _sandbox, readOnlyPaths: _readOnlyPaths, ...evaluator } = search.evaluator;
  return createHash('sha256').update(stableJson({ ...search, evaluator })).digest('hex').slice(0, 16);
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
