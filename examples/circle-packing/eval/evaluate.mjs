// Evaluator for the circle-packing example: loads pack.js in a worker thread (own globals, killed
// on timeout, its console output discarded), takes the circles from packCircles(), validates them
// strictly and prints ONE JSON line: {"sum_radii": <sum or 0>, "valid": 1|0, "num_circles": n}.
// An invalid packing exits 1 with the reason on stderr, so Cambrian records candidate_failed.
//
// Tolerance: 1e-9 (absolute). A circle may poke out of the unit square, and two circles may
// overlap, by at most 1e-9 — enough for floating-point rounding, far too little to gain from.
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const EXPECTED_CIRCLES = 26;
export const TOLERANCE = 1e-9;
const TIMEOUT_MS = 10_000;
const PACK_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'pack.js');

// CommonJS source for the worker (eval mode); the dynamic import loads the candidate as ESM.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url)
  .then((mod) => {
    if (typeof mod.packCircles !== 'function') throw new Error('pack.js does not export packCircles()');
    parentPort.postMessage({ circles: mod.packCircles() });
  })
  .catch((error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
`;

/** Run pack.js's packCircles() in a worker; resolves to its return value or throws the reason. */
function loadCircles(packPath, timeoutMs) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url: pathToFileURL(packPath).href },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`pack.js did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (fn) => (value) => {
      clearTimeout(timer);
      void worker.terminate();
      fn(value);
    };
    worker.once('message', settle((m) => (m.error !== undefined ? reject(new Error(m.error)) : resolve(m.circles))));
    worker.once('error', settle(reject));
    worker.once('exit', settle((code) => reject(new Error(`pack.js exited (code ${code}) before returning circles`))));
  });
}

/** The reason a packing is invalid, or null when it is valid. */
export function invalidReason(circles) {
  if (!Array.isArray(circles)) return 'packCircles() must return an array of [x, y, r] triples';
  if (circles.length !== EXPECTED_CIRCLES) return `expected exactly ${EXPECTED_CIRCLES} circles, got ${circles.length}`;
  for (const [i, c] of circles.entries()) {
    if (!Array.isArray(c) || c.length !== 3) return `circle ${i} is not an [x, y, r] triple`;
    if (!c.every((v) => typeof v === 'number' && Number.isFinite(v))) return `circle ${i} has a non-finite number: ${JSON.stringify(c)}`;
    const [x, y, r] = c;
    if (!(r > 0)) return `circle ${i} has radius ${r}; radii must be > 0`;
    if (x - r < -TOLERANCE || x + r > 1 + TOLERANCE || y - r < -TOLERANCE || y + r > 1 + TOLERANCE) {
      return `circle ${i} (${x}, ${y}, r=${r}) leaves the unit square`;
    }
  }
  for (let i = 0; i < circles.length; i++) {
    for (let j = i + 1; j < circles.length; j++) {
      const [xi, yi, ri] = circles[i];
      const [xj, yj, rj] = circles[j];
      const d = Math.hypot(xi - xj, yi - yj);
      if (d < ri + rj - TOLERANCE) return `circles ${i} and ${j} overlap by ${ri + rj - d}`;
    }
  }
  return null;
}

async function main() {
  let circles;
  try {
    circles = await loadCircles(PACK_PATH, TIMEOUT_MS);
  } catch (error) {
    return fail(0, error instanceof Error ? error.message : String(error));
  }
  const count = Array.isArray(circles) ? circles.length : 0;
  const reason = invalidReason(circles);
  if (reason !== null) return fail(count, reason);
  const sum = circles.reduce((s, c) => s + c[2], 0);
  console.log(JSON.stringify({ sum_radii: sum, valid: 1, num_circles: count }));
}

function fail(count, reason) {
  console.log(JSON.stringify({ sum_radii: 0, valid: 0, num_circles: count }));
  console.error(`invalid packing: ${reason}`);
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
