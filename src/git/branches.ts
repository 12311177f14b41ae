// Branch naming for a run's individuals: every commit Cambrian makes lives under cambrian/<run>/,
// so one prefix lists or deletes a whole run and never touches the user's own branches.

/** Namespace of all of a run's branches (without refs/heads/). */
export function runBranchPrefix(runId: string): string {
  return `cambrian/${runId}`;
}

/** `cambrian/<run>/g<generation>/i<seq>`: the branch holding one individual. */
export function branchForIndividual(runId: string, generation: number, seq: number): string {
  return `${runBranchPrefix(runId)}/g${generation}/i${seq}`;
}

/** `cambrian/<run>/best`: moved to the best individual so far. */
export function bestBranch(runId: string): string {
  return `${runBranchPrefix(runId)}/best`;
}

/** `cambrian/<run>/front`: namespace of the branches on the run's Pareto front (several fitness metrics). */
export function frontBranchPrefix(runId: string): string {
  return `${runBranchPrefix(runId)}/front`;
}

/** `cambrian/<run>/front/i<seq>`: one individual on the run's Pareto front. */
export function frontBranch(runId: string, seq: number): string {
  return `${frontBranchPrefix(runId)}/i${seq}`;
}

/** Full ref name: `refs/...` is kept, anything else is a branch under refs/heads/. */
export function toRef(nameOrRef: string): string {
  return nameOrRef.startsWith('refs/') ? nameOrRef : `refs/heads/${nameOrRef}`;
}
