// Throughput against the ideal: a CPU-bound evaluator of ~200 ms (a fixed amount of work, calibrated
// here), 1 and 2 workers. Ideal = workers / evaluation time; ratio = achieved evaluations per second
// in the steady state / ideal. Each measurement runs in a fresh process resuming a run whose seed is
// already evaluated. Run: node --import tsx bench/throughput.ts
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Phase, Profiler } from '../src/evolution/profile.ts';
import { createBenchRepo, median, printTable, round, runBenchChild, runLoop, type BenchRepo } from './support.ts';

const SELF = fileURLToPath(import.meta.url);
const TARGET_EVALUATION_MS = 200;
/** Evaluations per measurement; the first WARMUP are left out of the rate. */
const EVALUATIONS: Record<number, number> = { 1: 45, 2: 90 };
const WARMUP = 5;

/** A fixed amount of arithmetic (not a fixed time: contention for the cores must show). */
const BURN_SOURCE = `// Benchmark evaluator: a fixed amount of CPU work, then one metric.
const rounds = Number(process.argv[2]);
let x = 0;
for (let i = 0; i < rounds; i++) x = (x + Math.sqrt(i) * 1.000001) % 1000003;
console.log(JSON.stringify({ score: 1 + (x % 1) * 1e-9 }));
`;

/** Times one run of the evaluator command outside the engine (a plain spawn, nothing else busy). */
async function timeEvaluator(repo: BenchRepo, rounds: number): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('node', ['burn.mjs', String(rounds)], { cwd: repo.dir, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`burn.mjs exited ${code}`))));
  });
  return performance.now() - started;
}

/** Rounds for ~TARGET_EVALUATION_MS of work. */
async function calibrate(repo: BenchRepo): Promise<number> {
  let rounds = 2_000_000;
  for (let i = 0; i < 4; i++) {
    const startupMs = await timeEvaluator(repo, 0);
    const ms = await timeEvaluator(repo, rounds);
    rounds = Math.round((rounds * Math.max(10, TARGET_EVALUATION_MS - startupMs)) / Math.max(1, ms - startupMs));
  }
  return rounds;
}

/** Plain runs of the evaluator (the ideal's unit), taken around each measurement: the machine is shared. */
async function sampleEvaluator(repo: BenchRepo, rounds: number, into: number[]): Promise<void> {
  for (let i = 0; i < 5; i++) into.push(await timeEvaluator(repo, rounds));
}

/** Records when each ingest ends: the run's completed evaluations over time. */
class IngestClock implements Profiler {
  readonly endsMs: number[] = [];
  record(phase: Phase): void {
    if (phase === 'ingest') this.endsMs.push(performance.now());
  }
}

/** Child mode: resume the run with `workers` and report the steady-state evaluations per second. */
async function measureHere(dir: string, workers: number, evaluations: number): Promise<{ perSecond: number; evaluations: number }> {
  const clock = new IngestClock();
  const summary = await runLoop(dir, { workers, maxEvals: 1 + evaluations, profiler: clock });
  if (summary.run.evaluations !== 1 + evaluations) throw new Error(`run stopped early: ${summary.reason}`);
  const ends = clock.endsMs.slice(WARMUP);
  return { perSecond: ((ends.length - 1) * 1000) / (ends.at(-1)! - ends[0]!), evaluations: ends.length };
}

async function measure(workers: number, rounds: number): Promise<{ perSecond: number; evaluations: number }> {
  const repo = await createBenchRepo({ evaluatorCommand: `node burn.mjs ${rounds}`, files: { 'burn.mjs': BURN_SOURCE }, workers });
  try {
    await runBenchChild(SELF, ['seed', repo.dir]);
    return await runBenchChild(SELF, ['measure', repo.dir, String(workers), String(EVALUATIONS[workers])]);
  } finally {
    await repo.cleanup();
  }
}

async function main(): Promise<void> {
  const probe = await createBenchRepo({ evaluatorCommand: 'true', files: { 'burn.mjs': BURN_SOURCE } });
  try {
    const rounds = await calibrate(probe);
    const plainMs: number[] = [];
    await sampleEvaluator(probe, rounds, plainMs);
    const measured: Array<{ workers: number; perSecond: number; evaluations: number }> = [];
    for (const workers of [1, 2]) {
      measured.push({ workers, ...(await measure(workers, rounds)) });
      await sampleEvaluator(probe, rounds, plainMs);
      process.stderr.write(`throughput: ${workers} worker(s): ${measured.at(-1)!.perSecond.toFixed(2)} evaluations/s\n`);
    }
    const evaluationMs = median(plainMs);
    const rows = measured.map((m) => {
      const ideal = (m.workers * 1000) / evaluationMs;
      return { ...m, ideal, ratio: m.perSecond / ideal };
    });
    console.log(`throughput with a CPU-bound evaluator of ${evaluationMs.toFixed(0)} ms (${rounds} rounds; median of ${plainMs.length} plain runs), steady state`);
    printTable(['workers', 'evals/s', 'ideal/s', 'ratio', 'measured'], rows.map((r) => [String(r.workers), r.perSecond, r.ideal, r.ratio, String(r.evaluations)]));
    const ratio = (workers: number): number => round(rows.find((r) => r.workers === workers)!.ratio, 3);
    console.log(JSON.stringify({ throughputRatio1: ratio(1), throughputRatio2: ratio(2), evaluationMs: round(evaluationMs, 1) }));
  } finally {
    await probe.cleanup();
  }
}

const [mode, dir, ...rest] = process.argv.slice(2);
if (mode === 'seed') {
  // Creates the store and evaluates the seed, so the measuring process only resumes.
  await runLoop(dir!, { workers: 1, maxEvals: 1 });
  console.log('{}');
} else if (mode === 'measure') {
  console.log(JSON.stringify(await measureHere(dir!, Number(rest[0]), Number(rest[1]))));
} else {
  await main();
}
