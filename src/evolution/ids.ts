// Identifiers that appear in commits and branches. They are derived, not random, so the same seed
// on the same repository reproduces the same commit SHAs (a replayed run can be compared by SHA).

export function runIdFor(ordinal: number): string {
  return `r${ordinal}`;
}

export function individualId(runId: string, seq: number): string {
  return `${runId}-i${seq}`;
}

export function jobId(runId: string, seq: number): string {
  return `${runId}-j${seq}`;
}
