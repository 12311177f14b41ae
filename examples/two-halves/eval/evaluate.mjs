// Evaluator for the two-halves example: runs left.js's leftDials() and right.js's rightDials() in a
// worker thread (its own globals, a time and heap limit, its console output discarded), checks the
// dials and prints ONE JSON line: {"score", "left", "right", "valid"}. Invalid dials print zeros,
// give the reason on stderr and exit 1, so Cambrian records the candidate as failed. The notches
// are imported before the candidate runs, so nothing the candidate does can change them.
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIALS_PER_HALF, NOTCHES, halfPoints } from './notches.mjs';

const TIMEOUT_MS = 10_000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HALVES = Object.freeze([
  { side: 'left', file: 'left.js', entry: 'leftDials' },
  { side: 'right', file: 'right.js', entry: 'rightDials' },
]);

// CommonJS source for the worker (eval mode); the dynamic imports load the candidate as ESM.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const value = {};
  for (const { side, file, url, entry } of workerData.halves) {
    const mod = await import(url);
    if (typeof mod[entry] !== 'function') throw new Error(file + ' does not export ' + entry + '()');
    value[side] = mod[entry]();
  }
  parentPort.postMessage({ value });
})().catch((error) => parentPort.postMessage({ error: String((error && error.message) || error).slice(0, 500) }));
`;

/** Calls both halves' entry points in a worker; resolves to {left, right}, or rejects with why not. */
export async function runInWorker(root = ROOT, timeoutMs = TIMEOUT_MS) {
  const halves = HALVES.map((h) => ({ ...h, url: pathToFileURL(join(root, h.file)).href }));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { halves },
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
      timer = setTimeout(() => reject(new Error(`the halves did not finish within ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', (m) => (m && 'value' in m ? resolve(m.value) : reject(new Error(String(m && m.error)))));
      worker.once('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
      worker.once('exit', (code) => reject(new Error(`the halves stopped (exit code ${code}) before returning dials`)));
    });
  } finally {
    clearTimeout(timer);
    // Awaited: nothing the candidate runs may write after the metrics line.
    await worker.terminate();
  }
}

/** One half's dials as a fresh array of numbers, or a string saying why they are not usable. */
function readHalf(value, { file, entry }) {
  if (!Array.isArray(value)) return `${entry}() must return an array of numbers`;
  if (value.length !== DIALS_PER_HALF) return `${file}: expected exactly ${DIALS_PER_HALF} dials, got ${value.length}`;
  const dials = [];
  for (let i = 0; i < DIALS_PER_HALF; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${file}: dial ${i + 1} is not a finite number`;
    dials.push(v);
  }
  return dials;
}

/** Both halves' dials, or a string saying why not. */
export function readDials(value) {
  if (value === null || typeof value !== 'object') return 'the halves returned nothing';
  const out = {};
  for (const half of HALVES) {
    const dials = readHalf(value[half.side], half);
    if (typeof dials === 'string') return dials;
    out[half.side] = dials;
  }
  return out;
}

/** Metrics of valid dials. */
export function measure(dials) {
  const left = halfPoints(dials.left, NOTCHES.left);
  const right = halfPoints(dials.right, NOTCHES.right);
  return { score: left + right, left, right, valid: 1 };
}

export const INVALID_METRICS = Object.freeze({ score: 0, left: 0, right: 0, valid: 0 });

async function main() {
  let dials;
  try {
    dials = readDials(await runInWorker());
  } catch (error) {
    dials = error instanceof Error ? error.message : String(error);
  }
  if (typeof dials === 'string') {
    console.log(JSON.stringify(INVALID_METRICS));
    console.error(`invalid dials: ${dials}`);
    process.exitCode = 1;
    return;
  }
  console.log(JSON.stringify(measure(dials)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
