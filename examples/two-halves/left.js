// Two halves, the left one: 8 dials whose settings add to the score independently of right.js.
// Evolution edits the numbers inside the EVOLVE block; the notches they are scored against live in
// the evaluator (eval/notches.mjs). `node left.js` prints the dials as JSON.
import { pathToFileURL } from 'node:url';

// EVOLVE-BLOCK-START
// One dial a line, each under its own label: a line that is not a number sits between any two
// dials, so edits to different dials never touch adjacent lines and git merges them cleanly.
export const LEFT_DIALS = [
  // dial L1
  5.0,
  // dial L2
  5.0,
  // dial L3
  5.0,
  // dial L4
  5.0,
  // dial L5
  5.0,
  // dial L6
  5.0,
  // dial L7
  5.0,
  // dial L8
  5.0,
];
// EVOLVE-BLOCK-END

/** The left dials (a copy, so the caller cannot change the constants). */
export function leftDials() {
  return LEFT_DIALS.slice();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ dials: leftDials() }));
}
