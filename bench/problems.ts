// How the engine fares on every bundled example problem against its own baselines, through the real
// CLI. For each example (as `cambrian example` lists them) and seeds 1..BENCH_SEEDS, four runs of
// BENCH_MAX_EVALS evaluations, one at a time (a 2-core machine; each run uses the engine's default
// workers), each in a fresh copy of the example:
//   default      the example's cambrian.yaml as shipped
//   uniform      the same with `allocation: { policy: fixed }` (the operators' configured weights)
//   hillclimb    `--baseline hillclimb`    (numeric mutation of the best so far)
//   independent  `--baseline independent` (numeric mutation of the seed, every time)
// From each run's ledger: the best fitness and the best-so-far curve (the engine's best after each
// counted evaluation_finished event, in order), hence the evaluations the default run needed to
// reach the uniform run's final best (same seed). Where the best individual reports `true_score`
// (noisy-sum), that too. Prints a table per problem, then one JSON line with every figure.
// Run: node --import tsx bench/problems.ts   (BENCH_SEEDS=5 BENCH_PROBLEMS=noisy-sum,deceptive-peaks
//      BENCH_MAX_EVALS=300 BENCH_VARIANTS=default,hillclimb). All problems × 5 seeds × 4 variants take
//      about an hour on 2 cores; comparisons with a variant that was not run print as "—".
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseDocument } from 'yaml';
import { listExamples, materialiseExample } from '../src/cli/example.ts';
import { BENCH_ROOT, git, printTable, round } from './support.ts';

const exec = promisify(execFile);
const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 5);
const MAX_EVALS = Number(process.env['BENCH_MAX_EVALS'] ?? 300);
const FILTER = (process.env['BENCH_PROBLEMS'] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const CLI = join(BENCH_ROOT, 'bin', 'cambrian.js');

export const VARIANTS = ['default', 'uniform', 'hillclimb', 'independent'] as const;
export type Variant = (typeof VARIANTS)[number];
/** The variants this invocation runs (BENCH_VARIANTS=default,hillclimb; all by default). */
const RUN_VARIANTS: Variant[] = (() => {
  const wanted = (process.env['BENCH_VARIANTS'] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = wanted.filter((v) => !(VARIANTS as readonly string[]).includes(v));
  if (unknown.length > 0) throw new Error(`BENCH_VARIANTS names unknown variants: ${unknown.join(', ')} (variants: ${VARIANTS.join(', ')})`);
  return wanted.length > 0 ? VARIANTS.filter((v) => wanted.includes(v)) : [...VARIANTS];
})();
type Direction = 'min' | 'max';

interface RunResult {
  best: number;
  /** Best fitness so far after each evaluation (null until the first scored one). */
  curve: Array<number | null>;
  trueScore: number | null;
  /** Where the evaluator reports `true_score`: times the best moved to a challenger truly worse than the incumbent. */
  badMoves: number | null;
  wallSeconds: number;
  cpuSeconds: number;
}

/** CPU seconds of this process's waited-for children (and theirs): /proc/self/stat cutime + cstime. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17 of proc(5), in USER_HZ ticks
}

function cli(args: string[]): Promise<string> {
  return exec(process.execPath, [CLI, ...args], { cwd: BENCH_ROOT, maxBuffer: 512 * 1024 * 1024 }).then((r) => r.stdout);
}

/** The run in progress, stopped (gracefully: it is a `cambrian run`) if the bench itself is stopped. */
let current: ChildProcess | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`problems: stopped by ${signal}`);
    current?.kill('SIGTERM');
    process.exit(130);
  });
}

/** One `cambrian run` to completion; its stderr tail is kept for the error message. */
function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: BENCH_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    current = child;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      current = null;
      if (code === 0) resolve();
      else reject(new Error(`cambrian ${args.join(' ')} exited with ${code}:\n${stderr}`));
    });
  });
}

/** `allocation.policy: fixed` in the repository's cambrian.yaml (other keys kept), committed. */
async function fixAllocation(dir: string): Promise<void> {
  const path = join(dir, 'cambrian.yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  doc.setIn(['allocation', 'policy'], 'fixed');
  await writeFile(path, doc.toString());
  await git(dir, 'commit', '--quiet', '-am', 'bench: fixed allocation');
}

function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'max' ? a > b : a < b;
}

function reaches(value: number, target: number, direction: Direction): boolean {
  return direction === 'max' ? value >= target : value <= target;
}

/** Outcomes that count against the evaluation budget (as the engine counts them). */
const COUNTED_OUTCOMES = new Set(['ok', 'candidate_failed']);

/**
 * The best-so-far curve of a run: one entry per counted evaluation (evaluation_finished events in
 * ledger order), holding the run's best fitness after it. The best is what the engine chose
 * (best_improved events): with the assimilation gate on a noisy evaluator that is the gate's
 * re-measured value, not the highest single measurement. A ledger without best_improved events
 * (older engines) falls back to the best measured fitness.
 */
export function bestSoFar(ledgerLines: string[], direction: Direction): Array<number | null> {
  const events = ledgerLines
    .filter((line) => line.includes('"evaluation_finished"') || line.includes('"best_improved"'))
    .map((line) => JSON.parse(line) as { type: string; outcome?: string; fitness: number | null });
  const chosen = events.some((e) => e.type === 'best_improved');
  const curve: Array<number | null> = [];
  let best: number | null = null;
  for (const event of events) {
    if (event.type === 'best_improved' && chosen && typeof event.fitness === 'number') {
      best = event.fitness;
      if (curve.length > 0) curve[curve.length - 1] = best; // it follows the evaluation it judged
    }
    if (event.type !== 'evaluation_finished' || !COUNTED_OUTCOMES.has(event.outcome ?? '')) continue;
    if (!chosen && event.outcome === 'ok' && typeof event.fitness === 'number' && (best === null || isBetter(event.fitness, best, direction))) best = event.fitness;
    curve.push(best);
  }
  return curve;
}

/**
 * Moves of the best branch (best_improved events) to an individual whose `true_score` (the noise-free
 * value the noisy example reports beside its fitness) is worse than the incumbent's.
 */
export function badMoves(ledgerLines: string[], direction: Direction): number {
  const truth = new Map<string, number>();
  let incumbent: number | null = null;
  let bad = 0;
  for (const line of ledgerLines) {
    if (!line.includes('"evaluation_finished"') && !line.includes('"best_improved"')) continue;
    const event = JSON.parse(line) as { type: string; individualId: string; metrics?: Record<string, number> };
    if (event.type === 'evaluation_finished' && typeof event.metrics?.['true_score'] === 'number') truth.set(event.individualId, event.metrics['true_score']);
    if (event.type !== 'best_improved') continue;
    const value = truth.get(event.individualId);
    if (value === undefined) continue;
    if (incumbent !== null && isBetter(incumbent, value, direction)) bad++;
    incumbent = value;
  }
  return bad;
}

/** First evaluation (1-based) at which the curve reaches the target, or null when it never does. */
export function evaluationsToReach(curve: ReadonlyArray<number | null>, target: number, direction: Direction): number | null {
  const index = curve.findIndex((v) => v !== null && reaches(v, target, direction));
  return index < 0 ? null : index + 1;
}

async function runVariant(problem: string, variant: Variant, seed: number, direction: Direction): Promise<RunResult> {
  const dir = join(await realpath(await mkdtemp(join(tmpdir(), `cambrian-problems-${problem}-`))), 'repo');
  try {
    await materialiseExample(problem, dir);
    if (variant === 'uniform') await fixAllocation(dir);
    const baseline = variant === 'hillclimb' || variant === 'independent' ? ['--baseline', variant] : [];
    const cpuBefore = childrenCpuSeconds();
    const started = Date.now();
    await runCli(['run', '--repo', dir, '--new', '--seed', String(seed), '--max-evals', String(MAX_EVALS), ...baseline]);
    const wallSeconds = (Date.now() - started) / 1000;
    const cpuSeconds = childrenCpuSeconds() - cpuBefore;
    const best = JSON.parse(await cli(['best', '--repo', dir, '--json'])) as { fitness: number | null; metrics: Record<string, number> };
    if (typeof best.fitness !== 'number') throw new Error(`${problem} ${variant} seed ${seed}: the run has no best individual`);
    const ledger = (await cli(['ledger', 'export', '--repo', dir])).split('\n');
    const curve = bestSoFar(ledger, direction);
    const trueScore = typeof best.metrics['true_score'] === 'number' ? best.metrics['true_score'] : null;
    return { best: best.fitness, curve, trueScore, badMoves: trueScore === null ? null : badMoves(ledger, direction), wallSeconds, cpuSeconds };
  } finally {
    await rm(join(dir, '..'), { recursive: true, force: true });
  }
}

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
function sd(values: number[]): number {
  if (values.length < 2) return values.length === 1 ? 0 : NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

function meanSd(values: number[], digits: number): string {
  return values.length === 0 ? '—' : `${round(mean(values), digits)} ± ${round(sd(values), digits)}`;
}

interface VariantFigures {
  best: number[];
  meanBest: number;
  sdBest: number;
  trueScore?: number[];
  meanTrueScore?: number;
  sdTrueScore?: number;
  /** Per seed: moves of the best to a truly worse challenger (noisy examples). */
  badMoves?: number[];
  meanWallSeconds: number;
  meanCpuSeconds: number;
}

interface ProblemFigures {
  direction: Direction;
  seedFitness: number | null;
  variants: Partial<Record<Variant, VariantFigures>>;
  /** Null when either side was not run. */
  defaultBeatsHillclimb: boolean | null;
  defaultBeatsIndependent: boolean | null;
  defaultBeatsUniform: boolean | null;
  /** Per seed: evaluations the default run needed to reach the uniform run's final best (null: never). */
  evalsToReachUniform: Array<number | null>;
  meanEvalsToReachUniform: number | null;
  sdEvalsToReachUniform: number | null;
  notReached: number;
}

function summarise(direction: Direction, seedFitness: number | null, results: Record<Variant, RunResult[]>): ProblemFigures {
  const variants: Partial<Record<Variant, VariantFigures>> = {};
  for (const variant of RUN_VARIANTS) {
    const runs = results[variant];
    const best = runs.map((r) => r.best);
    const truths = runs.map((r) => r.trueScore).filter((t): t is number => t !== null);
    const bad = runs.map((r) => r.badMoves).filter((b): b is number => b !== null);
    variants[variant] = {
      best,
      meanBest: mean(best),
      sdBest: sd(best),
      ...(truths.length > 0 && { trueScore: truths, meanTrueScore: mean(truths), sdTrueScore: sd(truths) }),
      ...(bad.length > 0 && { badMoves: bad }),
      meanWallSeconds: round(mean(runs.map((r) => r.wallSeconds)), 1),
      meanCpuSeconds: round(mean(runs.map((r) => r.cpuSeconds)), 1),
    };
  }
  const both = results.default.length > 0 && results.uniform.length > 0;
  const reach = both ? results.default.map((run, i) => evaluationsToReach(run.curve, results.uniform[i]!.best, direction)) : [];
  const reached = reach.filter((n): n is number => n !== null);
  const beats = (other: Variant): boolean | null => {
    const a = variants.default;
    const b = variants[other];
    return a && b ? isBetter(a.meanBest, b.meanBest, direction) : null;
  };
  return {
    direction,
    seedFitness,
    variants,
    defaultBeatsHillclimb: beats('hillclimb'),
    defaultBeatsIndependent: beats('independent'),
    defaultBeatsUniform: beats('uniform'),
    evalsToReachUniform: reach,
    meanEvalsToReachUniform: reached.length > 0 ? mean(reached) : null,
    sdEvalsToReachUniform: reached.length > 0 ? sd(reached) : null,
    notReached: reach.length - reached.length,
  };
}

function printProblem(name: string, f: ProblemFigures): void {
  const hasTruth = RUN_VARIANTS.some((v) => f.variants[v]?.trueScore !== undefined);
  console.log(`\n${name} (${f.direction}imise; seed ${f.seedFitness === null ? '—' : round(f.seedFitness, 4)}; ${SEEDS} seed${SEEDS === 1 ? '' : 's'}, ${MAX_EVALS} evaluations a run)`);
  const header = ['variant', 'best mean ± sd', ...(hasTruth ? ['true_score of best', 'moves to a truly worse best'] : []), 'per seed', 'wall s', 'CPU s'];
  printTable(header, RUN_VARIANTS.map((v) => {
    const x = f.variants[v]!;
    const truth = hasTruth ? [meanSd(x.trueScore ?? [], 4), (x.badMoves ?? []).join(' ')] : [];
    return [v, meanSd(x.best, 4), ...truth, x.best.map((b) => round(b, 3)).join(' '), String(x.meanWallSeconds), String(x.meanCpuSeconds)];
  }));
  const reached = f.evalsToReachUniform.map((n) => (n === null ? 'never' : String(n))).join(' ');
  const verdict = (b: boolean | null) => (b === null ? '—' : b ? 'yes' : 'no');
  console.log(`default beats hillclimb: ${verdict(f.defaultBeatsHillclimb)}; independent: ${verdict(f.defaultBeatsIndependent)}; uniform: ${verdict(f.defaultBeatsUniform)} (means)`);
  console.log(
    `evaluations for default to reach uniform's final best: ${f.meanEvalsToReachUniform === null ? '—' : `${round(f.meanEvalsToReachUniform, 1)} ± ${round(f.sdEvalsToReachUniform ?? 0, 1)}`}` +
      ` (per seed: ${reached}; not reached: ${f.notReached}/${f.evalsToReachUniform.length})`,
  );
}

async function main(): Promise<void> {
  const all = await listExamples();
  const unknown = FILTER.filter((p) => !all.includes(p));
  if (unknown.length > 0) throw new Error(`BENCH_PROBLEMS names unknown examples: ${unknown.join(', ')} (examples: ${all.join(', ')})`);
  const problems = FILTER.length > 0 ? all.filter((p) => FILTER.includes(p)) : all;
  const started = Date.now();
  const figures: Record<string, ProblemFigures> = {};
  for (const problem of problems) {
    const config = parse(await readFile(join(BENCH_ROOT, 'examples', problem, 'cambrian.yaml'), 'utf8')) as { fitness: string; metrics: Record<string, { direction: Direction }> };
    const direction = config.metrics[config.fitness]!.direction;
    const results = Object.fromEntries(VARIANTS.map((v) => [v, [] as RunResult[]])) as Record<Variant, RunResult[]>;
    let seedFitness: number | null = null;
    for (let seed = 1; seed <= SEEDS; seed++) {
      for (const variant of RUN_VARIANTS) {
        const result = await runVariant(problem, variant, seed, direction);
        results[variant].push(result);
        seedFitness ??= result.curve[0] ?? null;
        const truth = result.trueScore === null ? '' : ` (true_score ${round(result.trueScore, 4)}, ${result.badMoves} moves to a truly worse best)`;
        console.error(`problems: ${problem} ${variant} seed ${seed}: best ${round(result.best, 4)}${truth} in ${round(result.wallSeconds, 1)} s wall, ${round(result.cpuSeconds, 1)} s CPU; elapsed ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }
    figures[problem] = summarise(direction, seedFitness, results);
    printProblem(problem, figures[problem]);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\nproblems: ${problems.length} problem(s) × ${SEEDS} seed(s) × ${RUN_VARIANTS.length} variants in ${seconds} s`);
  console.log(JSON.stringify({ problems: figures, problemsSeeds: SEEDS, problemsMaxEvals: MAX_EVALS, problemsSeconds: seconds }));
}

// Only when run as a script: the curve helpers above can be imported without starting a bench.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
