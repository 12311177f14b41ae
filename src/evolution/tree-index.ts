// What the loop asks of every new child before evaluating it — is this code already in the run
// (a duplicate), and may its result already be known (the cross-run cache)? — answered from memory:
// the run's trees and the trees with a reusable result under this evaluator config are loaded once
// per session and kept current by the worker and ingest. The store is asked only when the cache may
// hold the tree, instead of one statement per child.
//
// One process drives a run (embedded mode): its index is complete. A scheduler sharing a run with
// other processes' workers (the fleet) sees their children only after a reload; a duplicate made
// there is evaluated once more, which wastes an evaluation but corrupts nothing.
import type { OutcomeKind } from '../core/types.ts';
import { REUSABLE_OUTCOMES, type Store } from '../store/port.ts';

export class TreeIndex {
  private readonly inRun = new Map<string, string>();
  private readonly reusable = new Set<string>();

  static async load(store: Store, runId: string, evaluatorHash: string): Promise<TreeIndex> {
    const index = new TreeIndex();
    const [trees, reusable] = await Promise.all([store.individuals.treesOfRun(runId), store.evaluations.reusableTrees(evaluatorHash)]);
    for (const { id, tree } of trees) index.addIndividual(tree, id);
    for (const tree of reusable) index.reusable.add(tree);
    return index;
  }

  /** The run's first individual with this tree, if any. */
  duplicateOf(tree: string): string | null {
    return this.inRun.get(tree) ?? null;
  }

  /** False when no reusable result for this tree exists (so the store need not be asked). */
  mayBeCached(tree: string): boolean {
    return this.reusable.has(tree);
  }

  addIndividual(tree: string, id: string): void {
    if (!this.inRun.has(tree)) this.inRun.set(tree, id);
  }

  addEvaluation(tree: string, outcome: OutcomeKind): void {
    if (REUSABLE_OUTCOMES.includes(outcome)) this.reusable.add(tree);
  }
}
