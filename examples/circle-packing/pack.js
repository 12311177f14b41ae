// Circle packing: place 26 circles in the unit square so that the sum of their radii is as large
// as possible. Evolution edits the numbers inside the EVOLVE block (where the centres are); the
// radii are computed below, deterministically, as large as the centres allow. `node pack.js`
// prints the circles; the evaluator imports packCircles().
import { pathToFileURL } from 'node:url';

// EVOLVE-BLOCK-START
// Centre i is (0.5 + SPREAD * dx_i, 0.5 + SPREAD * dy_i): offsets from the middle of the square,
// one circle a line, and one scale that spreads or gathers them all. The seed is a cramped grid
// (spacing 0.12) in the middle, deliberately naive: its sum of radii is about 1.42.
export const SPREAD = 1.0;
export const OFFSETS = [
  [-0.3, -0.24],
  [-0.18, -0.24],
  [-0.06, -0.24],
  [0.06, -0.24],
  [0.18, -0.24],
  [0.3, -0.24],
  [-0.3, -0.12],
  [-0.18, -0.12],
  [-0.06, -0.12],
  [0.06, -0.12],
  [0.18, -0.12],
  [0.3, -0.12],
  [-0.3, 0.0],
  [-0.18, 0.0],
  [-0.06, 0.0],
  [0.06, 0.0],
  [0.18, 0.0],
  [0.3, 0.0],
  [-0.3, 0.12],
  [-0.18, 0.12],
  [-0.06, 0.12],
  [0.06, 0.12],
  [0.18, 0.12],
  [0.3, 0.12],
  [-0.3, 0.24],
  [-0.18, 0.24],
];
// EVOLVE-BLOCK-END

/** Relaxation sweeps that grow each radius into the slack its neighbours leave. */
const GROW_SWEEPS = 200;

/**
 * The radii for fixed centres, as large as this greedy scheme gets them:
 *  1. each radius starts at its centre's distance to the nearest wall;
 *  2. every overlapping pair shrinks proportionally until it just touches (one pass suffices:
 *     later shrinks only make radii smaller, so a fixed pair stays fixed);
 *  3. sweeps grow each radius to min(wall distance, distance to j − r_j) until nothing moves.
 * A centre outside the square gets radius 0, which the evaluator rejects.
 */
export function radiiFor(centres) {
  const n = centres.length;
  const wall = centres.map(([x, y]) => Math.max(0, Math.min(x, 1 - x, y, 1 - y)));
  const dist = (i, j) => Math.hypot(centres[i][0] - centres[j][0], centres[i][1] - centres[j][1]);
  const r = wall.slice();
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = dist(i, j);
      if (r[i] + r[j] > d) {
        const scale = d / (r[i] + r[j]);
        r[i] *= scale;
        r[j] *= scale;
      }
    }
  }
  for (let sweep = 0; sweep < GROW_SWEEPS; sweep++) {
    let grown = 0;
    for (let i = 0; i < n; i++) {
      let limit = wall[i];
      for (let j = 0; j < n; j++) if (j !== i) limit = Math.min(limit, dist(i, j) - r[j]);
      if (limit > r[i]) {
        grown += limit - r[i];
        r[i] = limit;
      }
    }
    if (grown < 1e-12) break;
  }
  return r;
}

/** The circles as [x, y, r] triples. */
export function packCircles() {
  const centres = OFFSETS.map(([dx, dy]) => [0.5 + SPREAD * dx, 0.5 + SPREAD * dy]);
  const radii = radiiFor(centres);
  return centres.map(([x, y], i) => [x, y, radii[i]]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const circles = packCircles();
  const sum = circles.reduce((s, c) => s + c[2], 0);
  console.log(JSON.stringify({ circles, sum_radii: sum }));
}
