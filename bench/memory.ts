// Peak RSS of the real CLI: `node bin/cambrian.js run` (tsx loader, PGlite, everything in that one
// process) resuming runs prepopulated with 1k, 10k and 50k individuals for 50 more evaluations.
// The peak is the kernel's high-water mark (VmHWM in /proc/<pid>/status), polled until the process
// exits; children (git, the evaluator) are separate processes and not counted.
// Run: node --import tsx bench/memory.ts  (BENCH_SIZES=1000,10000,50000). Not in the default
// `npm run bench` (the overhead bench measures the same peak on its own prepopulated runs, which
// saves prepopulating them twice); `npm run bench -- memory` runs it.
import { performance } from 'node:perf_hooks';
import { prepopulateInChild } from './prepopulate.ts';
import { createBenchRepo, NOOP_EVALUATOR, peakRssOfRun, printTable, round, secondsSince } from './support.ts';

const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000,50000').split(',').map(Number);
const EVALUATIONS = 50;

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
