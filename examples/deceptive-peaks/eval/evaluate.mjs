// Evaluator for the deceptive-peaks example: runs beacons.js's placeBeacons() in a worker thread
// (its own globals, a time and heap limit, its console output discarded), checks the placement and
// prints ONE JSON line: {"score", "valid", "jammed", "peaks_claimed"}. An invalid placement prints
// zeros, gives the reason on stderr and exits 1, so Cambrian records the candidate as failed.
// The field is imported before the candidate runs, so nothing the candidate does can change it.
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BEACON_COUNT, HILLS, earnings, isJammed } from './terrain.mjs';

const TIMEOUT_MS = 10_000;
const PROGRAM = join(dirname(fileURLToPath(import.meta.url)), '..', 'beacons.js');

// CommonJS source for the worker (eval mode); the dynamic import loads the candidate as ESM.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url)
  .then((mod) => {
    if (typeof mod.placeBeacons !== 'function') throw new Error('beacons.js does not export placeBeacons()');
    parentPort.postMessage({ value: mod.placeBeacons() });
  })
  .catch((error) => parentPort.postMessage({ error: String((error && error.message) || error).slice(0, 500) }));
`;

/** Calls the program's entry point in a worker; resolves to what it returned, or rejects with why not. */
export async function runInWorker(programPath, timeoutMs = TIMEOUT_MS) {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { url: pathToFileURL(programPath).href },
    env: {},
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32 },
  });
  worker.stdout.resume();
  worker.stderr.resume();
  let timer;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`beacons.js did not finish within ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', (m) => (m && 'value' in m ? resolve(m.value) : reject(new Error(String(m && m.error)))));
      worker.once('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
      worker.once('exit', (code) => reject(new Error(`beacons.js stopped (exit code ${code}) before returning beacons`)));
    });
  } finally {
    clearTimeout(timer);
    // Awaited: nothing the candidate runs may write after the metrics line.
    await worker.terminate();
  }
}

/** The beacons as fresh [x, y] number pairs, or a string saying why the value is not a placement. */
export function readPlacement(value) {
  if (!Array.isArray(value)) return 'placeBeacons() must return an array of [x, y] pairs';
  if (value.length !== BEACON_COUNT) return `expected exactly ${BEACON_COUNT} beacons, got ${value.length}`;
  const beacons = [];
  for (let i = 0; i < BEACON_COUNT; i++) {
    const b = value[i];
    if (!Array.isArray(b) || b.length !== 2) return `beacon ${i} is not an [x, y] pair`;
    const [x, y] = b;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      return `beacon ${i} has a coordinate that is not a finite number`;
    }
    beacons.push([x, y]);
  }
  return beacons;
}

/** Metrics of a valid placement. */
export function measure(beacons) {
  const earned = earnings(beacons);
  const claimed = new Set();
  beacons.forEach(([x, y], i) => {
    if (earned[i] === 0) return;
    for (const h of HILLS.slice(1)) if (Math.hypot(x - h.x, y - h.y) <= h.spread) claimed.add(h.name);
  });
  return {
    score: earned.reduce((sum, e) => sum + e, 0),
    valid: 1,
    jammed: beacons.filter((_, i) => isJammed(beacons, i)).length,
    peaks_claimed: claimed.size,
    reach_x: Math.max(...beacons.map(([x]) => x)),
    reach_y: Math.max(...beacons.map(([, y]) => y)),
  };
}

export const INVALID_METRICS = Object.freeze({ score: 0, valid: 0, jammed: 0, peaks_claimed: 0, reach_x: 0, reach_y: 0 });

async function main() {
  let placement;
  try {
    placement = readPlacement(await runInWorker(PROGRAM));
  } catch (error) {
    placement = error instanceof Error ? error.message : String(error);
  }
  if (typeof placement === 'string') {
    console.log(JSON.stringify(INVALID_METRICS));
    console.error(`invalid placement: ${placement}`);
    process.exitCode = 1;
    return;
  }
  console.log(JSON.stringify(measure(placement)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
