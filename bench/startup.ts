// Launch → exit of short CLI commands: `cambrian --help` (target ≤ 0.2 s) and `cambrian status` on
// an existing store (target ≤ 0.5 s), plus a bare `node -e 0` for reference; medians of a few runs
// each, every run a fresh process, the commands interleaved so a burst of load hits all of them.
// Run: node --import tsx bench/startup.ts   (STARTUP_RUNS=5)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_ROOT, createBenchRepo, median, NOOP_EVALUATOR, printTable, round } from './support.ts';

const RUNS = Number(process.env['STARTUP_RUNS'] ?? 5);
const CLI = join(BENCH_ROOT, 'bin/cambrian.js');

/** Spawn → exit of one process, in ms; fails on a non-zero exit. */
async function timeCommand(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: BENCH_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const repo = await createBenchRepo({ evaluatorCommand: NOOP_EVALUATOR });
  try {
    process.stderr.write('startup: creating a store (a run of 3 evaluations)…\n');
    await timeCommand([CLI, 'run', '--repo', repo.dir, '--max-evals', '3', '--workers', '1']);
    const commands: Record<string, string[]> = {
      node: ['-e', '0'],
      help: [CLI, '--help'],
      status: [CLI, 'status', '--repo', repo.dir],
    };
    const samples: Record<string, number[]> = { node: [], help: [], status: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args] of Object.entries(commands)) samples[name]!.push(await timeCommand(args));
      process.stderr.write(`startup: round ${i + 1}/${RUNS}: ${Object.entries(samples).map(([name, ms]) => `${name} ${ms.at(-1)!.toFixed(0)} ms`).join(', ')}\n`);
    }
    console.log(`launch → exit, ms, ${RUNS} runs each`);
    printTable(
      ['command', 'median', 'min', 'max'],
      [
        ['node -e 0', median(samples['node']!), Math.min(...samples['node']!), Math.max(...samples['node']!)],
        ['cambrian --help', median(samples['help']!), Math.min(...samples['help']!), Math.max(...samples['help']!)],
        ['cambrian status (existing store)', median(samples['status']!), Math.min(...samples['status']!), Math.max(...samples['status']!)],
      ],
    );
    console.log(JSON.stringify({ helpMs: round(median(samples['help']!), 1), statusMs: round(median(samples['status']!), 1), nodeMs: round(median(samples['node']!), 1) }));
  } finally {
    await repo.cleanup();
  }
}

await main();
