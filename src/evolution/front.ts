// The run's Pareto front when `fitness` lists several metrics: the ok-evaluated individuals no other
// one dominates, kept in memory by ingest and mirrored as branches cambrian/<run>/front/i<seq> (at
// most MAX_FRONT_BRANCHES, the most spread out). The front has no state of its own in the store: it is
// recomputed from the individuals' metrics (okResults) at resume and by `cambrian best --front`.
import { compareLexicographic, nonDominated, offerToFront, spreadSubset } from '../core/fitness/pareto.ts';
import type { Objective } from '../core/types.ts';
import type { EvaluationResult } from '../evaluate/port.ts';
import { bestBranch, branchForIndividual, frontBranch, frontBranchPrefix, toRef } from '../git/branches.ts';
import type { Git } from '../git/port.ts';
import type { IndividualRecord, OkResult, RunRecord, Store } from '../store/port.ts';
import type { Session } from './session.ts';

/** Front branches kept at most; beyond it the front is thinned to its most crowded-apart members. */
export const MAX_FRONT_BRANCHES = 16;

export interface RunFront {
  objectives: Objective[];
  /** Every non-dominated individual (the oldest of equals), by seq. */
  members: OkResult[];
  /** The members that have a front branch, by seq. */
  branched: OkResult[];
}

/** The front of a set of ok results (any order). */
export function frontOf(results: readonly OkResult[], objectives: Objective[]): RunFront {
  const members = nonDominated(results, objectives);
  return { objectives, members, branched: spreadSubset(members, objectives, MAX_FRONT_BRANCHES) };
}

/** The run's front as the store has it now; null for a single objective (no front is kept). */
export async function loadFront(store: Store, runId: string, objectives: Objective[]): Promise<RunFront | null> {
  if (objectives.length < 2) return null;
  return frontOf(await store.individuals.okResults(runId), objectives);
}

/**
 * Ingest's step for the front, after the evaluation committed: offers the individual and moves the
 * front branches when the branched set changed. `before` is the record as it was before this
 * evaluation. A re-evaluated individual may have left the front or changed what it dominated, so
 * the front is then recomputed from the store.
 */
export async function updateFront(session: Session, before: IndividualRecord, result: EvaluationResult, fitness: number | null): Promise<void> {
  const front = session.front;
  if (front === null) return;
  const { deps, run } = session;
  if (before.status === 'evaluated') {
    session.front = (await loadFront(deps.store, run.id, front.objectives))!;
  } else {
    if (result.outcome !== 'ok' || fitness === null) return;
    const candidate: OkResult = { id: before.id, seq: before.seq, generation: before.generation, commit: before.commit, metrics: result.metrics };
    const offer = offerToFront(front.members, candidate, front.objectives);
    if (!offer.entered) return;
    session.front = { ...front, members: offer.front, branched: spreadSubset(offer.front, front.objectives, MAX_FRONT_BRANCHES) };
  }
  await moveFrontBranches(deps.git, run.id, front.branched, session.front.branched);
}

/** Makes the refs under cambrian/<run>/front/ exactly the session's branched members (after a crash, at the end). */
export async function syncFrontBranches(session: Session): Promise<void> {
  if (session.front === null) return;
  const { git } = session.deps;
  const existing = await git.listRefs(toRef(`${frontBranchPrefix(session.run.id)}/`));
  const wanted = new Map(session.front.branched.map((m) => [toRef(frontBranch(session.run.id, m.seq)), m.commit]));
  for (const [ref, commit] of wanted) {
    if (!existing.some((e) => e.ref === ref && e.commit === commit)) await git.updateRef(ref, commit);
  }
  for (const { ref } of existing) if (!wanted.has(ref)) await git.deleteRefs(ref);
}

/** New branches first, then the stale ones go, so the front never shows empty. */
async function moveFrontBranches(git: Git, runId: string, previous: readonly OkResult[], next: readonly OkResult[]): Promise<void> {
  const kept = new Set(previous.map((m) => m.seq));
  const wanted = new Set(next.map((m) => m.seq));
  for (const m of next) if (!kept.has(m.seq)) await git.updateRef(toRef(frontBranch(runId, m.seq)), m.commit);
  for (const m of previous) if (!wanted.has(m.seq)) await git.deleteRefs(toRef(frontBranch(runId, m.seq)));
}

export interface FrontListing {
  run: string;
  objectives: Objective[];
  /** Individuals on the whole front; `members` lists the branched ones. */
  size: number;
  members: Array<{ individual: string; branch: string; commit: string; generation: number; objectives: Record<string, number | null> }>;
}

/**
 * The front as `cambrian best --front` shows it, computed from the store: the branched members, best
 * first by the objectives in order. A member's branch is its front branch when that ref exists,
 * otherwise the best branch (a single-objective run's front is its best) or its own branch.
 */
export async function listFront(store: Store, git: Git, run: RunRecord, objectives: Objective[]): Promise<FrontListing> {
  const front = frontOf(await store.individuals.okResults(run.id), objectives);
  const refs = new Set((await git.listRefs(toRef(`${frontBranchPrefix(run.id)}/`))).map((r) => r.ref));
  const ordered = front.branched.slice().sort((a, b) => compareLexicographic(a.metrics, b.metrics, objectives) || a.seq - b.seq);
  return {
    run: run.id,
    objectives,
    size: front.members.length,
    members: ordered.map((m) => ({
      individual: m.id,
      branch: refs.has(toRef(frontBranch(run.id, m.seq)))
        ? frontBranch(run.id, m.seq)
        : m.id === run.bestIndividualId
          ? bestBranch(run.id)
          : branchForIndividual(run.id, m.generation, m.seq),
      commit: m.commit,
      generation: m.generation,
      objectives: Object.fromEntries(objectives.map(({ metric }) => [metric, m.metrics[metric] ?? null])),
    })),
  };
}
