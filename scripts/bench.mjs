// `npm run bench`: runs every benchmark in bench/ one after another (never in parallel: they measure
// time on a 2-core machine), streams their output, and prints one combined JSON line at the end with
// each benchmark's last-line figures. Usage: node scripts/bench.mjs [name ...]  (default: all)
// BENCH_TIMEOUT_S raises the per-benchmark limit (e.g. for llm-loop with LLM_LOOP_BUDGET_S=0).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ALL = ['overhead', 'throughput', 'git', 'startup', 'llm-loop'];
/**
 * Benchmarks run only when named (`npm run bench -- allocation`): allocation answers another question
 * than speed, and overhead already measures memory on its own prepopulated runs (memory.ts measures
 * it at 50k, prepopulating again). problems compares the engine with its baselines on every example
 * (an hour or more: 4 variants × 5 seeds × 300 evaluations per example).
 */
const ON_REQUEST = ['allocation', 'memory', 'problems'];
/** The whole suite must finish within 10 minutes; one benchmark never gets more than this. */
const DEFAULT_TIMEOUT_S = 8 * 60;
/** Benchmarks that are known to take longer, with their own default limit. */
const LONG_TIMEOUT_S = { problems: 4 * 60 * 60 };
function timeoutMs(name) {
  return Number(process.env.BENCH_TIMEOUT_S ?? LONG_TIMEOUT_S[name] ?? DEFAULT_TIMEOUT_S) * 1000;
}

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
const unknown = names.filter((name) => !ALL.includes(name) && !ON_REQUEST.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${[...ALL, ...ON_REQUEST].join(', ')})`);
  process.exit(2);
}

function runBench(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs(name));
    let lastLine = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) lastLine = line.trim();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending.trim()) lastLine = pending.trim();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      let figures = null;
      try {
        figures = JSON.parse(lastLine);
      } catch {
        // reported below
      }
      const ok = code === 0 && figures !== null && typeof figures === 'object';
      console.log(`== ${name}: ${ok ? 'done' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds} s\n`);
      resolve(ok ? figures : null);
    });
  });
}

const started = Date.now();
const combined = {};
const failed = [];
for (const name of names) {
  console.log(`== ${name}`);
  const figures = await runBench(name);
  if (figures) Object.assign(combined, figures);
  else failed.push(name);
}
combined.totalSeconds = Math.round((Date.now() - started) / 100) / 10;
if (failed.length > 0) combined.failed = failed;
console.log(JSON.stringify(combined));
process.exitCode = failed.length > 0 ? 1 : 0;
