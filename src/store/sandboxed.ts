// Whether a run contained its candidates: the user may opt out (evaluator.sandbox: none or
// --no-sandbox), and every session that did is on record as a `sandbox_disabled` ledger event.
import type { RunRecord, Store } from './port.ts';

/** Whether every session of a run contained its candidates (no `sandbox_disabled` event). */
export async function runWasSandboxed(store: Store, run: RunRecord): Promise<boolean> {
  const evaluator = run.config['evaluator'] as { sandbox?: string } | undefined;
  if (evaluator?.sandbox === 'none') return false;
  return (await store.ledger.list({ runId: run.id, types: ['sandbox_disabled'], limit: 1 })).length === 0;
}
