// Noisy sum: split 100 hours across 12 projects so that their total return is as large as possible.
// Evolution edits the shares inside the EVOLVE block; the evaluator scales them to the 100 hours and
// measures the return with noise, as a benchmark on a busy machine would. `node budget.js` prints
// the shares as JSON.
import { pathToFileURL } from 'node:url';

// EVOLVE-BLOCK-START
// One share per project, in the evaluator's order (eval/returns.mjs). Only their ratios matter;
// a negative share counts as 0. The seed splits the hours evenly.
export const SHARES = [
  1.0, // apiary
  1.0, // bridge
  1.0, // cistern
  1.0, // dovecote
  1.0, // orchard
  1.0, // forge
  1.0, // granary
  1.0, // herbarium
  1.0, // icehouse
  1.0, // jetty
  1.0, // kiln
  1.0, // loom
];
// EVOLVE-BLOCK-END

/** The shares, one per project (a copy, so the caller cannot change the constants). */
export function projectShares() {
  return SHARES.slice();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ shares: projectShares() }));
}
