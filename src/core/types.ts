// Plain data shared by the core, the loop and the adapters: metrics, outcomes, file changes.
// No behaviour here; the meaning of each word is the same in code, database, CLI and docs.

export type Direction = 'min' | 'max';
export type Metrics = Record<string, number>;

/** One metric selection optimises, in its direction. A run has one (scalar fitness) or several (Pareto). */
export interface Objective {
  metric: string;
  direction: Direction;
}

/** How an evaluation ended. Failures are outcome values, never fitness numbers. */
export type OutcomeKind = 'ok' | 'candidate_failed' | 'evaluator_failed' | 'infra_failed' | 'inconclusive';

/** A change to one file of a commit. `content: null` deletes the file. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** What an operator and the sampler see of an individual. */
export interface IndividualView {
  id: string;
  commit: string;
  tree: string;
  parentId: string | null;
  generation: number;
  island: number;
  operator: string;
  fitness: number | null;
  metrics: Metrics;
  /** Operator-owned metadata carried from parent to child (e.g. numeric step sizes). */
  meta: Record<string, unknown>;
}

/**
 * Which repository a run belongs to, the same in every clone: the root commits of HEAD (sorted)
 * and the normalised `origin` URL when there is one (docs/adr/0017-run-ownership.md).
 */
export interface RepositoryIdentity {
  roots: string[];
  origin: string | null;
}
