// Two halves, the right one: 8 dials whose settings add to the score independently of left.js.
// Evolution edits the numbers inside the EVOLVE block; the notches they are scored against live in
// the evaluator (eval/notches.mjs). `node right.js` prints the dials as JSON.
import { pathToFileURL } from 'node:url';

// EVOLVE-BLOCK-START
// One dial a line, each under its own label: a line that is not a number sits between any two
// dials, so edits to different dials never touch adjacent lines and git merges them cleanly.
export const RIGHT_DIALS = [
  // dial R1
  5.0,
  // dial R2
  5.0,
  // dial R3
  5.0,
  // dial R4
  5.0,
  // dial R5
  5.0,
  // dial R6
  5.0,
  // dial R7
  5.0,
  // dial R8
  5.0,
];
// EVOLVE-BLOCK-END

/** The right dials (a copy, so the caller cannot change the constants). */
export function rightDials() {
  return RIGHT_DIALS.slice();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ dials: rightDials() }));
}
