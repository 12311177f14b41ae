// Deceptive peaks: place 4 beacons in a 10 × 10 field so that the heights they stand on add up to
// as much as possible. Evolution edits the coordinates inside the EVOLVE block; the field itself
// lives in the evaluator (eval/terrain.mjs). `node beacons.js` prints the beacons as JSON.
import { pathToFileURL } from 'node:url';

// EVOLVE-BLOCK-START
// One beacon a line, [x, y], both in [0, 10]. A beacon closer than 1.0 to one listed above it is
// jammed and earns nothing. The seed is a small square in the middle of the field.
export const BEACONS = [
  [4.6, 4.6],
  [5.8, 4.6],
  [4.6, 5.8],
  [5.8, 5.8],
];
// EVOLVE-BLOCK-END

/** The beacons as [x, y] pairs (copies, so the caller cannot change the constants). */
export function placeBeacons() {
  return BEACONS.map(([x, y]) => [x, y]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ beacons: placeBeacons() }));
}
