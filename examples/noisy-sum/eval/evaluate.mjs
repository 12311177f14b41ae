// Evaluator for the noisy-sum example: runs budget.js's projectShares() in a worker thread (its own
// globals, a time and heap limit, its console output discarded), checks the shares and prints ONE
// JSON line: {"score", "true_score", "valid"}. `score` is the true score plus Gaussian noise drawn
// from the operating system's generator (never seeded by the candidate), so measuring the same
// program twice gives two different scores. Invalid shares print zeros, give the reason on stderr
// and exit 1, so Cambrian records the candidate as failed.
import { getRandomValues } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROJECTS, trueScore } from './returns.mjs';

/**
 * Standard deviation of the noise, in score points. The first improvements of a run are worth about
 * 0.1–0.8 points each; from the middle of a 300-evaluation run on they are mostly below 0.05, where
 * the noise is as large as the differences it hides. NOISY_SUM_SD overrides it (list it under
 * `evaluator.env` in cambrian.yaml so the sandbox passes it through).
 */
export const DEFAULT_NOISE_SD = 0.05;
const TIMEOUT_MS = 10_000;
const PROGRAM = join(dirname(fileURLToPath(import.meta.url)), '..', 'budget.js');

// CommonJS source for the worker (eval mode); the dynamic import loads the candidate as ESM.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url)
  .then((mod) => {
    if (typeof mod.projectShares !== 'function') throw new Error('budget.js does not export projectShares()');
    parentPort.postMessage({ value: mod.projectShares() });
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
      timer = setTimeout(() => reject(new Error(`budget.js did not finish within ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', (m) => (m && 'value' in m ? resolve(m.value) : reject(new Error(String(m && m.error)))));
      worker.once('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
      worker.once('exit', (code) => reject(new Error(`budget.js stopped (exit code ${code}) before returning shares`)));
    });
  } finally {
    clearTimeout(timer);
    // Awaited: nothing the candidate runs may write after the metrics line.
    await worker.terminate();
  }
}

/** The shares as a fresh array of numbers, or a string saying why the value is not usable. */
export function readShares(value) {
  if (!Array.isArray(value)) return 'projectShares() must return an array of numbers';
  if (value.length !== PROJECTS.length) return `expected exactly ${PROJECTS.length} shares, got ${value.length}`;
  const shares = [];
  for (let i = 0; i < PROJECTS.length; i++) {
    const s = value[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) return `share ${i} (${PROJECTS[i].name}) is not a finite number`;
    shares.push(s);
  }
  if (!shares.some((s) => s > 0)) return 'no share is positive: no hours would be spent';
  // Shares are scaled by their sum: a sum past ~1e300 would overflow to Infinity.
  if (!Number.isFinite(shares.reduce((sum, s) => sum + Math.max(0, s), 0))) return 'the shares are too large to add up';
  return shares;
}

/** One draw of N(0, 1) from the operating system's generator (Box–Muller). */
export function gaussian() {
  const [a, b] = getRandomValues(new Uint32Array(2));
  const u = (a + 1) / 4294967297; // in (0, 1): the logarithm stays finite
  const v = b / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The noise level in force: NOISY_SUM_SD when it is a finite number ≥ 0, else the default. */
export function noiseSd(env = process.env) {
  const raw = env.NOISY_SUM_SD;
  const parsed = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_NOISE_SD;
}

export const INVALID_METRICS = Object.freeze({ score: 0, true_score: 0, valid: 0 });

async function main() {
  let shares;
  try {
    shares = readShares(await runInWorker(PROGRAM));
  } catch (error) {
    shares = error instanceof Error ? error.message : String(error);
  }
  if (typeof shares === 'string') {
    console.log(JSON.stringify(INVALID_METRICS));
    console.error(`invalid shares: ${shares}`);
    process.exitCode = 1;
    return;
  }
  const truth = trueScore(shares);
  console.log(JSON.stringify({ score: truth + noiseSd() * gaussian(), true_score: truth, valid: 1 }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
