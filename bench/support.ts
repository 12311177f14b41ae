// Shared pieces of the benchmarks: a temp repository with a tiny evolvable file and a benchmark
// evaluator, an in-process run of the real loop (openApp → buildLoop → runEvolution), a Profiler
// that groups phase timings per job, and the small statistics and table printing they all use.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { buildLoop, openApp } from '../src/app.ts';
import { budgetFrom } from '../src/cli/run.ts';
import { runEvolution, type RunSummary } from '../src/evolution/engine.ts';
import { EventBus } from '../src/evolution/event-bus.ts';
import type { Phase, Profiler } from '../src/evolution/profile.ts';
import { llmOperatorFactories } from '../src/llm-wiring.ts';

const exec = promisify(execFile);

/** The evolvable file: a handful of numeric literals in an EVOLVE block, as a user's tuning file. */
export const PARAMS_PATH = 'params.js';
export const SEED_PARAMS = [0.5, 0.9, 12, 7.5, 0.1, -0.2, 0.3, 0.05, 3, 250];

export function paramsSource(values: readonly number[]): string {
  const [rate, decay, width, height, a, b, c, d, depth, limit] = values;
  return [
    '// Benchmark parameters: the engine mutates the numbers inside the EVOLVE block.',
    '// EVOLVE-BLOCK-START',
    `export const RATE = ${rate};`,
    `export const DECAY = ${decay};`,
    `export const WIDTH = ${width};`,
    `export const HEIGHT = ${height};`,
    `export const OFFSETS = [${a}, ${b}, ${c}, ${d}];`,
    `export const DEPTH = ${depth};`,
    `export const LIMIT = ${limit};`,
    '// EVOLVE-BLOCK-END',
    'export function area() {',
    '  return WIDTH * HEIGHT * RATE * DECAY;',
    '}',
    '',
  ].join('\n');
}

/** Prints a constant metric and does nothing else: the engine's own cost is all that is left. */
export const NOOP_EVALUATOR = `echo '{"score": 1}'`;

export interface BenchRepo {
  dir: string;
  cleanup(): Promise<void>;
}

export interface BenchRepoOptions {
  evaluatorCommand: string;
  /** Extra files committed with the seed (e.g. the evaluator script). */
  files?: Record<string, string>;
  workers?: number;
}

/** A fresh git repository (fixed dates, so SHAs repeat) with params.js and a cambrian.yaml. */
export async function createBenchRepo(options: BenchRepoOptions): Promise<BenchRepo> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'cambrian-bench-')));
  const config = [
    'goal: "benchmark the engine"',
    'evolve:',
    `  include: ["${PARAMS_PATH}"]`,
    'evaluator:',
    `  command: ${JSON.stringify(options.evaluatorCommand)}`,
    '  timeoutMs: 30000',
    'metrics:',
    '  score: { direction: max }',
    'fitness: score',
    `workers: ${options.workers ?? 1}`,
    'operators:',
    '  numeric: { weight: 1 }',
    '',
  ].join('\n');
  await writeFile(join(dir, PARAMS_PATH), paramsSource(SEED_PARAMS));
  await writeFile(join(dir, 'cambrian.yaml'), config);
  for (const [path, content] of Object.entries(options.files ?? {})) await writeFile(join(dir, path), content);
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '-m', 'benchmark seed');
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function git(dir: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };
  const { stdout } = await exec('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], {
    cwd: dir,
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout.trim();
}

/** One `cambrian run` in this process: resumes the newest unfinished run unless forceNew. */
export async function runLoop(
  dir: string,
  options: { workers: number; maxEvals: number; profiler?: Profiler; forceNew?: boolean; env?: Record<string, string> },
): Promise<RunSummary> {
  const app = await openApp({ repoDir: dir, env: options.env ?? {}, warn: () => {} });
  try {
    const llm = await llmOperatorFactories(app, { record: false, replay: false, forceNew: options.forceNew ?? false, workers: options.workers });
    const loop = await buildLoop(app, {
      workers: options.workers,
      bus: new EventBus(),
      extraOperators: llm.factories,
      jobCosts: llm.jobCosts,
      ...(options.profiler && { profiler: options.profiler }),
    });
    try {
      const budget = budgetFrom(app.config, options.maxEvals);
      return await runEvolution(loop.deps, { forceNew: options.forceNew ?? false, budget }, new AbortController().signal);
    } finally {
      await loop.close();
    }
  } finally {
    await app.close();
  }
}

/** Phase timings of one job, plus its wall time from the start of scheduling to the end of ingest. */
export interface JobTiming {
  phases: Partial<Record<Phase, number>>;
  startMs: number;
  endMs: number;
}

/**
 * Groups the loop's phase timings into jobs. Valid with one worker, where jobs run strictly one
 * after another: every job starts with 'sample' (scheduling) and ends with 'ingest'.
 */
export class JobRecorder implements Profiler {
  readonly jobs: JobTiming[] = [];
  private current: JobTiming | null = null;

  record(phase: Phase, ms: number): void {
    const now = performance.now();
    if (phase === 'sample') this.current = { phases: {}, startMs: now - ms, endMs: now };
    const job = this.current;
    if (!job) return; // the seed's evaluation, before the first scheduled job
    job.phases[phase] = (job.phases[phase] ?? 0) + ms;
    if (phase === 'ingest') {
      job.endMs = now;
      this.jobs.push(job);
      this.current = null;
    }
  }
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A plain text table: the first column left-aligned, the others right-aligned. */
export function printTable(header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell.toFixed(2) : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  for (const row of cells) {
    console.log(row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('  '));
  }
}

/** Seconds since `startMs` (performance.now()), for progress lines. */
export function secondsSince(startMs: number): string {
  return `${((performance.now() - startMs) / 1000).toFixed(1)} s`;
}

/**
 * Runs `node --import tsx <script> <args>` and returns the JSON object on its last stdout line
 * (stderr passes through). Measurements run in fresh processes: a process's size sets the cost of
 * every fork it makes, so one measurement must not inherit another's memory.
 */
export async function runBenchChild<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: BENCH_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/** The repository root (bench scripts run from there, so tsx and the sources resolve). */
export const BENCH_ROOT = new URL('..', import.meta.url).pathname;

/** How often peakRssOfRun polls the child's high-water mark. */
const POLL_MS = 20;

export async function highWaterMarkKb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null; // the process has just exited
  }
}

/** Runs the CLI to completion; returns its peak RSS in MiB and its wall time. */
export async function peakRssOfRun(dir: string, maxEvals: number): Promise<{ peakMb: number; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(BENCH_ROOT, 'bin/cambrian.js'), 'run', '--repo', dir, '--max-evals', String(maxEvals), '--workers', '1'], {
    cwd: BENCH_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  let peakKb = 0;
  let exited = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  while (!exited) {
    // VmHWM only grows, so the last reading before exit is the peak up to then.
    peakKb = Math.max(peakKb, (await highWaterMarkKb(child.pid!)) ?? 0);
    await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
  const code = await exit;
  if (code !== 0) throw new Error(`cambrian run exited with ${code}: ${stderr}`);
  return { peakMb: peakKb / 1024, seconds: (performance.now() - started) / 1000 };
}
