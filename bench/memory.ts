// Peak RSS of the real CLI: `node bin/cambrian.js run` (tsx loader, PGlite, everything in that one
// process) resuming runs prepopulated with 1k, 10k and 50k individuals for 50 more evaluations.
// The peak is the kernel's high-water mark (VmHWM in /proc/<pid>/status), polled until the process
// exits; children (git, the evaluator) are separate processes and not counted.
// Run: node --import tsx bench/memory.ts  (BENCH_SIZES=1000,10000,50000)
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepopulateInChild } from './prepopulate.ts';
import { BENCH_ROOT, createBenchRepo, NOOP_EVALUATOR, printTable, round, secondsSince } from './support.ts';

const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000,50000').split(',').map(Number);
const EVALUATIONS = 50;
const POLL_MS = 20;

async function highWaterMarkKb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null; // the process has just exited
  }
}

/** Runs the CLI to completion; returns its peak RSS in MiB and its wall time. */
async function peakRssOfRun(dir: string, maxEvals: number): Promise<{ peakMb: number; seconds: number }> {
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

async function measure(size: number): Promise<{ size: number; peakMb: number; seconds: number }> {
  const repo = await createBenchRepo({ evaluatorCommand: NOOP_EVALUATOR });
  try {
    const started = performance.now();
    const pre = await prepopulateInChild(repo.dir, size);
    process.stderr.write(`memory: ${size} individuals prepopulated in ${secondsSince(started)}\n`);
    const run = await peakRssOfRun(repo.dir, pre.evaluations + EVALUATIONS);
    process.stderr.write(`memory: cambrian run of ${EVALUATIONS} evaluations on top of ${size}: peak ${run.peakMb.toFixed(0)} MiB\n`);
    return { size, ...run };
  } finally {
    await repo.cleanup();
  }
}

async function main(): Promise<void> {
  const rows: Array<{ size: number; peakMb: number; seconds: number }> = [];
  for (const size of SIZES) rows.push(await measure(size));
  console.log(`peak RSS of \`cambrian run\` resuming a run for ${EVALUATIONS} evaluations (no-op evaluator, 1 worker)`);
  printTable(['individuals', 'peak RSS MiB', 'wall s'], rows.map((r) => [String(r.size), r.peakMb, r.seconds]));
  const at = (size: number): number | null => {
    const row = rows.find((r) => r.size === size);
    return row ? round(row.peakMb, 1) : null;
  };
  console.log(JSON.stringify({ rssMb1k: at(1000), rssMb10k: at(10000), rssMb50k: at(50000) }));
}

await main();
