// Engine overhead per individual: a no-op evaluator (prints a constant metric), the numeric operator,
// one worker, resuming runs prepopulated with 1k, 10k and 100k individuals; then the peak RSS of
// `cambrian run` (the CLI) resuming the same runs for 50 more evaluations. Per job: wall time from
// scheduling to the end of ingest, minus the evaluator's own time, split by phase.
// Each size is prepopulated in one child process and measured in another, fresh one (as `cambrian run`
// resuming). Run: node --import tsx bench/overhead.ts  (BENCH_SIZES=1000,10000 BENCH_EVALUATIONS=150)
import { execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Phase } from '../src/evolution/profile.ts';
import { fileURLToPath } from 'node:url';
import { explainPerJobQueries, prepopulateInChild } from './prepopulate.ts';
import { createBenchRepo, JobRecorder, median, NOOP_EVALUATOR, peakRssOfRun, printTable, round, runBenchChild, runLoop, secondsSince, type JobTiming } from './support.ts';

const SELF = fileURLToPath(import.meta.url);
const execFileAsync = promisify(execFile);
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000,100000').split(',').map(Number);
const EVALUATIONS = Number(process.env['BENCH_EVALUATIONS'] ?? 150);
/** Jobs left out at the start of each measurement: caches, JIT and the first refit settle first. */
const WARMUP_JOBS = 10;

/**
 * The evaluator's own time. The no-op evaluator is `echo` (a shell builtin): the program itself does
 * nothing measurable, so its own time is taken as 0 and everything the engine spends to get a
 * verdict — checkout, bwrap sandbox, bash startup, limits, output capture — counts as overhead.
 * 'spawn' below is that evaluate phase minus the checkout.
 */
const EVALUATOR_OWN_MS = 0;

type Row = Record<'total' | 'sample' | 'propose' | 'commit' | 'checkout' | 'spawn' | 'embed' | 'ingest' | 'other' | 'overhead', number>;

function breakdown(job: JobTiming): Row {
  const p = (phase: Phase): number => job.phases[phase] ?? 0;
  const total = job.endMs - job.startMs;
  const timed = p('sample') + p('propose') + p('commit') + p('evaluate') + p('gate') + p('embed') + p('ingest');
  return {
    total,
    sample: p('sample'),
    propose: p('propose'),
    commit: p('commit'),
    checkout: p('checkout'),
    spawn: p('evaluate') - p('checkout') - EVALUATOR_OWN_MS,
    embed: p('embed'),
    ingest: p('ingest'),
    // Claiming the job, the operator's context queries (parent, lineage, failures), the scope check,
    // the evaluation-cache lookup: the loop's bookkeeping between the timed phases.
    other: total - timed,
    overhead: total - EVALUATOR_OWN_MS,
  };
}

function medians(rows: Row[]): Row {
  const keys = Object.keys(rows[0]!) as Array<keyof Row>;
  return Object.fromEntries(keys.map((key) => [key, median(rows.map((row) => row[key]))])) as Row;
}

/**
 * A reference floor: the same command spawned by a bare Node process (small, so its fork is cheap),
 * without sandbox or engine; median of 30 after 5 warm-ups.
 */
async function plainSpawnMs(): Promise<number> {
  const script = `
    const { spawn } = require('node:child_process');
    (async () => {
      const samples = [];
      for (let i = 0; i < 35; i++) {
        const started = performance.now();
        await new Promise((resolve) => spawn('bash', ['-c', ${JSON.stringify(NOOP_EVALUATOR)}], { stdio: 'ignore' }).on('close', resolve));
        if (i >= 5) samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      console.log(samples[15]);
    })();`;
  const output = await new Promise<string>((resolve, reject) => {
    let out = '';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  return Number(output.trim());
}

interface Measured {
  size: number;
  row: Row;
  jobs: number;
  rssMb: number;
  /** Peak RSS of `cambrian run` (the CLI process) resuming the same run for MEMORY_EVALUATIONS more. */
  cliPeakMb: number;
  plans: Awaited<ReturnType<typeof explainPerJobQueries>>;
}

/** Evaluations of the CLI run whose peak RSS is measured on each prepopulated run. */
const MEMORY_EVALUATIONS = 50;

/** Child mode: resume the prepopulated run in this fresh process and report every job's breakdown. */
async function measureHere(dir: string, runId: string, evaluations: number): Promise<{ rows: Row[]; rssMb: number }> {
  const recorder = new JobRecorder();
  const summary = await runLoop(dir, { workers: 1, maxEvals: evaluations + EVALUATIONS, profiler: recorder });
  if (!summary.resumed || summary.run.id !== runId) throw new Error(`expected run ${runId} to be resumed, got ${summary.run.id}`);
  if (summary.run.evaluations !== evaluations + EVALUATIONS) throw new Error(`run stopped early: ${summary.reason}`);
  return { rows: recorder.jobs.slice(WARMUP_JOBS).map(breakdown), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

async function measure(size: number): Promise<Measured> {
  const repo = await createBenchRepo({ evaluatorCommand: NOOP_EVALUATOR });
  const copy = `${repo.dir}-memory`;
  try {
    const started = performance.now();
    const pre = await prepopulateInChild(repo.dir, size);
    process.stderr.write(`overhead: ${size} individuals prepopulated in ${secondsSince(started)} (${pre.elites} elites)\n`);
    await execFileAsync('cp', ['-a', repo.dir, copy]);
    const resumedAt = performance.now();
    const measured = await runBenchChild<{ rows: Row[]; rssMb: number }>(SELF, ['measure', repo.dir, pre.runId, String(pre.evaluations)]);
    process.stderr.write(`overhead: ${EVALUATIONS} evaluations on top of ${size} in ${secondsSince(resumedAt)}\n`);
    const plans = await explainPerJobQueries(repo.dir, pre.runId, `${pre.runId}-i${Math.ceil(size / 2)}`);
    // The memory figure on a copy of the prepopulated run (prepopulating is most of the cost of
    // either measurement; the measured run above is finished, and a finished run is not resumed).
    const cli = await peakRssOfRun(copy, pre.evaluations + MEMORY_EVALUATIONS);
    process.stderr.write(`overhead: cambrian run of ${MEMORY_EVALUATIONS} evaluations on top of ${size}: peak ${cli.peakMb.toFixed(0)} MiB\n`);
    return { size, row: medians(measured.rows), jobs: measured.rows.length, rssMb: measured.rssMb, cliPeakMb: cli.peakMb, plans };
  } finally {
    await rm(copy, { recursive: true, force: true });
    await repo.cleanup();
  }
}

async function main(): Promise<void> {
  const results: Measured[] = [];
  for (const size of SIZES) results.push(await measure(size));
  const spawnFloor = await plainSpawnMs();

  const columns: Array<keyof Row> = ['sample', 'propose', 'commit', 'checkout', 'spawn', 'embed', 'ingest', 'other', 'overhead'];
  console.log(`engine overhead per individual, median ms over ${results[0]?.jobs} jobs (no-op evaluator, numeric operator, 1 worker)`);
  printTable(['individuals', ...columns, 'rss MB', 'CLI peak MB'], results.map((r) => [String(r.size), ...columns.map((c) => r.row[c]), String(r.rssMb), round(r.cliPeakMb, 1)]));
  console.log(`reference: \`bash -c "${NOOP_EVALUATOR}"\` spawned by a bare node process (no sandbox, no engine): ${spawnFloor.toFixed(2)} ms`);
  const scans = results.flatMap((r) => r.plans.filter((p) => p.scans).map((p) => `${r.size}: ${p.query}: ${p.plan}`));
  console.log(scans.length === 0 ? 'per-job queries: all use an index (EXPLAIN)' : `per-job queries that scan:\n  ${scans.join('\n  ')}`);

  const at = (size: number): number | null => {
    const found = results.find((r) => r.size === size);
    return found ? round(found.row.overhead) : null;
  };
  const peak = (size: number): number | null => {
    const found = results.find((r) => r.size === size);
    return found ? round(found.cliPeakMb, 1) : null;
  };
  console.log(JSON.stringify({
    overheadMsMedian1k: at(1000),
    overheadMsMedian10k: at(10000),
    overheadMsMedian100k: at(100000),
    rssMb1k: peak(1000),
    rssMb10k: peak(10000),
    rssMb100k: peak(100000),
  }));
}

if (process.argv[2] === 'measure') {
  const [dir, runId, evaluations] = process.argv.slice(3);
  console.log(JSON.stringify(await measureHere(dir!, runId!, Number(evaluations))));
} else {
  await main();
}
