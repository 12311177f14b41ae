// Optional per-phase timing of jobs (for `npm run bench` and debugging slow runs): where the
// engine's own time goes between the evaluator's runs. Absent in normal runs: zero cost.
import type { WorktreePool } from '../git/port.ts';

export type Phase = 'sample' | 'propose' | 'commit' | 'checkout' | 'evaluate' | 'gate' | 'embed' | 'ingest';

export interface Profiler {
  record(phase: Phase, ms: number): void;
}

export async function timed<T>(profiler: Profiler | undefined, phase: Phase, fn: () => Promise<T>): Promise<T> {
  if (!profiler) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    profiler.record(phase, performance.now() - start);
  }
}

/** A worktree pool whose checkouts are timed as the 'checkout' phase. */
export function profiledPool(pool: WorktreePool, profiler: Profiler): WorktreePool {
  return {
    acquire: (commit, signal) => timed(profiler, 'checkout', () => pool.acquire(commit, signal)),
    close: () => pool.close(),
  };
}
