// The rival comparison's work, end to end through the real CLI: a fresh repository with one constant
// in an EVOLVE block, an evaluator that is one `sed`, only the `llm-diff` operator, and an instant
// scripted OpenAI-compatible server that always answers a valid SEARCH/REPLACE edit to a new value.
// Per (iterations, workers): whole-run wall, CPU of every process the CLI starts, peak RSS of each
// process and of the whole tree (store creation included), launch → first child, steady
// ms/iteration, and processes left behind after exit. A size whose fresh run would not fit the time
// budget (10k) is measured as a run prepopulated to size − 300 evaluated individuals resuming for
// its last 300 iterations: the steady cost per iteration at that size, which the flatness figure
// (steady at 10k / steady at 1k) needs.
// Run: node --import tsx bench/llm-loop.ts   (LLM_LOOP_SIZES=200,1000,10000 LLM_LOOP_WORKERS=1,2
//      LLM_LOOP_BUDGET_S=300: runs projected past this many seconds in total are skipped; 0 = no limit)
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LedgerEvent } from '../src/ledger/events.ts';
import { promptOf, startLlmServer, type RecordedRequest, type Reply } from '../test/support/llm-server.ts';
import { pathShortener, pidsWithEnvMarker, ProcessTreeMonitor, stillAlive, type TreeProcess } from './process-tree.ts';
import { BENCH_ROOT, git, median, printTable, round } from './support.ts';
import { prepopulateInChild } from './prepopulate.ts';

const SIZES = (process.env['LLM_LOOP_SIZES'] ?? '200,1000,10000').split(',').map(Number);
const WORKERS = (process.env['LLM_LOOP_WORKERS'] ?? '1,2').split(',').map(Number);
const BUDGET_S = Number(process.env['LLM_LOOP_BUDGET_S'] ?? 300);
const POLL_MS = 20;
const execFileAsync = promisify(execFile);
/** Iterations measured at a size too large to run from scratch within the budget (see main). */
const TAIL = 300;
/** What prepopulating ~10k individuals of this repository costs, for the budget projection. */
const PREPOPULATE_S = 20;
/** Leftovers are counted this long after the CLI exits (a helper may take a moment to notice). */
const LEFTOVER_GRACE_MS = 1000;
export const KEY_ENV = 'LLM_LOOP_KEY';

export const FILE = 'x.js';
const SEED_SOURCE = '// EVOLVE-BLOCK-START\nexport const X = 1;\n// EVOLVE-BLOCK-END\n';
/** Prints `{"score": <X>}`; checked against the seed before the first run. */
const EVALUATOR = `sed -n 's/.*X = \\([0-9.-]*\\).*/{"score": \\1}/p' ${FILE}`;

let counter = 1;
/** Every reply edits the constant the prompt shows (the parent's) to the next counter value. */
export function reply(request: RecordedRequest): Reply {
  const prompt = promptOf(request);
  const match = /export const X = (-?[0-9.]+);/.exec(prompt);
  if (!match) return { text: 'The prompt shows no X.' };
  counter++;
  return {
    text: ['Subject: set X to ' + counter, FILE, '<<<<<<< SEARCH', `export const X = ${match[1]};`, '=======', `export const X = ${counter};`, '>>>>>>> REPLACE'].join('\n'),
  };
}

/** A model entry of the loop's config: the scripted server answers every one of them. */
export interface LoopModel {
  name: string;
  model: string;
  /** USD per million tokens, in and out. */
  price: number;
}

/** The loop's cambrian.yaml: `llm-diff` only, the one-sed evaluator; `extra` lines go before `llm:`. */
export function loopConfig(llmUrl: string, options: { models?: LoopModel[]; extra?: string[] } = {}): string {
  const models = options.models ?? [{ name: 'stub', model: 'stub-coder', price: 0 }];
  return [
    'goal: "raise X"',
    'evolve:',
    `  include: ["${FILE}"]`,
    'evaluator:',
    `  command: ${JSON.stringify(EVALUATOR)}`,
    '  timeoutMs: 30000',
    '  protect: []  # the sed reads the evolved file itself',
    'metrics:',
    '  score: { direction: max }',
    'fitness: score',
    'operators:',
    '  llm-diff: { weight: 1 }',
    ...(options.extra ?? []),
    'llm:',
    '  retries: 0',
    '  models:',
    ...models.flatMap((m) => [
      `    - name: ${m.name}`,
      '      provider: openai',
      `      baseUrl: ${llmUrl}/v1`,
      `      apiKeyEnv: ${KEY_ENV}`,
      `      model: ${m.model}`,
      `      priceUsdPerMTokIn: ${m.price}`,
      `      priceUsdPerMTokOut: ${m.price}`,
      '      timeoutMs: 10000',
    ]),
    '',
  ].join('\n');
}

export async function createRepo(llmUrl: string, config = loopConfig(llmUrl)): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'cambrian-llm-loop-')));
  await writeFile(join(dir, FILE), SEED_SOURCE);
  await writeFile(join(dir, 'cambrian.yaml'), config);
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '-m', 'llm-loop seed');
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function checkEvaluator(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cambrian-llm-loop-eval-'));
  try {
    await writeFile(join(dir, FILE), SEED_SOURCE);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', ['-c', EVALUATOR], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    const metrics = JSON.parse(out.trim()) as { score?: unknown };
    if (metrics.score !== 1) throw new Error(`the evaluator printed ${out.trim()}, expected {"score": 1}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface RunResult {
  /** Prepopulated evaluated individuals the run resumed from (null: a fresh run). */
  prepopulated: number | null;
  iterations: number;
  workers: number;
  wallS: number;
  /** user + sys of the CLI and every descendant reaped in its tree (bash `times`, children line). */
  cpuS: number;
  firstChildS: number | null;
  /** Launch → `run_started` (the store created and opened, the run row written). */
  runStartedS: number | null;
  steadyMs: number | null;
  evaluations: number;
  rejected: number;
  runRssMb: number;
  largest: TreeProcess;
  treeRssMb: number;
  processes: number;
  leftovers: TreeProcess[];
}

/** `0m1.234s 0m0.567s` → seconds of user + sys. */
function parseTimesLine(line: string): number {
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`cannot read bash times line: ${line}`);
  return parts[0]! + parts[1]!;
}

/** (t at 100% − t at 20%) / evaluations between, from the arrival times of evaluation_finished. */
function steadyMsPerIteration(arrivals: readonly number[]): number | null {
  const n = arrivals.length;
  const from = Math.ceil(n * 0.2);
  if (n - from < 2) return null;
  return (arrivals[n - 1]! - arrivals[from - 1]!) / (n - from);
}

/** A prepopulated llm-loop repository, copied for each run that resumes it. */
interface Template {
  dir: string;
  evaluated: number;
  cleanup(): Promise<void>;
}

async function prepopulatedTemplate(llmUrl: string, n: number): Promise<Template> {
  const repo = await createRepo(llmUrl);
  const startedAt = performance.now();
  await prepopulateInChild(repo.dir, n, 'llm-loop');
  process.stderr.write(`llm-loop: ${n} individuals prepopulated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
  return { dir: repo.dir, evaluated: n, cleanup: repo.cleanup };
}

async function copyOf(template: Template): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = `${template.dir}-${randomUUID().slice(0, 8)}`;
  await execFileAsync('cp', ['-a', template.dir, dir]);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function runOnce(llmUrl: string, iterations: number, workers: number, timeoutMs: number, template: Template | null = null): Promise<RunResult> {
  const repo = template ? await copyOf(template) : await createRepo(llmUrl);
  const prepopulated = template?.evaluated ?? null;
  const marker = `LLM_LOOP_TAG=${randomUUID()}`;
  const [markerName, markerValue] = marker.split('=') as [string, string];
  try {
    const cli = [process.execPath, join(BENCH_ROOT, 'bin/cambrian.js'), 'run', '--repo', repo.dir, '--max-evals', String(iterations), '--workers', String(workers), '--json'];
    const started = performance.now();
    // bash waits for the CLI, then `times` prints (to fd 3) its own and its reaped children's user/sys.
    const shell = spawn('bash', ['-c', '"$@"; status=$?; times >&3; exit $status', 'llm-loop', ...cli], {
      cwd: BENCH_ROOT,
      env: { ...process.env, [KEY_ENV]: 'sk-llm-loop-dummy', [markerName]: markerValue },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const monitor = new ProcessTreeMonitor(shell.pid!, pathShortener(BENCH_ROOT, { [repo.dir]: '<repo>' }));
    monitor.start(POLL_MS);

    const arrivals: number[] = [];
    let firstChildMs: number | null = null;
    let runStartedMs: number | null = null;
    let rejected = 0;
    let pending = '';
    let lastLine = '';
    const onLine = (line: string): void => {
      if (!line.startsWith('{')) return;
      lastLine = line;
      const event = JSON.parse(line) as LedgerEvent | { type: 'summary' };
      if (event.type === 'evaluation_finished') arrivals.push(performance.now() - started);
      else if (event.type === 'individual_created' && event.parentId !== null && firstChildMs === null) firstChildMs = performance.now() - started;
      else if (event.type === 'job_failed') rejected++;
      else if (event.type === 'run_started' && runStartedMs === null) runStartedMs = performance.now() - started;
    };
    shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line.trim());
    });
    let stderr = '';
    shell.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    let times = '';
    (shell.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (shell.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: string) => (times += chunk));

    const timer = setTimeout(() => {
      process.stderr.write(`llm-loop: ${iterations} × ${workers} still running after ${timeoutMs / 1000} s: stopping it\n`);
      // The CLI stops gracefully on SIGTERM (exit 130), which fails this run below.
      for (const p of monitor.seenProcesses()) if (p.parentPid === shell.pid) process.kill(p.pid, 'SIGTERM');
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      shell.on('error', reject);
      shell.on('close', (exitCode) => resolve(exitCode));
    });
    const wallMs = performance.now() - started;
    clearTimeout(timer);
    const tree = monitor.stop();
    if (pending.trim()) onLine(pending.trim());
    if (code !== 0) throw new Error(`cambrian run (${iterations} × ${workers}) exited with ${code}: ${stderr}`);
    const summary = JSON.parse(lastLine) as { type: string; evaluations: number; state: string };
    if (summary.type !== 'summary') throw new Error(`no summary line at the end of the --json stream: ${lastLine}`);

    await new Promise((resolve) => setTimeout(resolve, LEFTOVER_GRACE_MS));
    const leftovers = stillAlive(tree.processes);
    for (const pid of pidsWithEnvMarker(marker)) {
      if (!leftovers.some((p) => p.pid === pid)) leftovers.push({ pid, parentPid: 0, comm: '?', command: `pid ${pid} (found by its environment)`, startTime: '', peakKb: 0 });
    }
    for (const p of leftovers) {
      process.stderr.write(`llm-loop: LEFTOVER pid ${p.pid} ${p.command}: ending it\n`);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }

    const timesLines = times.trim().split('\n');
    const cliProcess = tree.processes.find((p) => p.parentPid === shell.pid);
    const largest = tree.processes.reduce((a, b) => (b.peakKb > a.peakKb ? b : a));
    return {
      prepopulated,
      iterations,
      workers,
      wallS: wallMs / 1000,
      cpuS: parseTimesLine(timesLines[1] ?? ''),
      firstChildS: firstChildMs === null ? null : firstChildMs / 1000,
      runStartedS: runStartedMs === null ? null : runStartedMs / 1000,
      steadyMs: steadyMsPerIteration(arrivals),
      evaluations: summary.evaluations,
      rejected,
      runRssMb: (cliProcess?.peakKb ?? 0) / 1024,
      largest,
      treeRssMb: tree.treePeakKb / 1024,
      processes: tree.processes.length,
      leftovers,
    };
  } finally {
    await repo.cleanup();
  }
}

function sizeLabel(size: number): string {
  return size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size);
}

async function main(): Promise<void> {
  await checkEvaluator();
  const server = await startLlmServer(reply);
  const started = performance.now();
  const results: RunResult[] = [];
  const skipped: string[] = [];
  const templates = new Map<number, Template>();
  try {
    for (const size of [...SIZES].sort((a, b) => a - b)) {
      for (const workers of WORKERS) {
        const label = `${sizeLabel(size)}_w${workers}`;
        // Project this run from the largest finished run with these workers: its launch cost plus
        // its steady rate for the remaining iterations.
        const previous = results.filter((r) => r.workers === workers && r.steadyMs !== null).at(-1);
        const projectedS = previous ? (previous.firstChildS ?? 0) + (size * previous.steadyMs!) / 1000 + 2 : null;
        const elapsedS = (performance.now() - started) / 1000;
        if (BUDGET_S > 0 && projectedS !== null && elapsedS + projectedS > BUDGET_S) {
          // Too long to run from scratch: measure the cost per iteration AT this size instead, on a
          // run prepopulated to size − TAIL evaluated individuals, over its last TAIL iterations.
          const tailS = PREPOPULATE_S + (TAIL * previous!.steadyMs!) / 1000 + 5;
          if (elapsedS + tailS > BUDGET_S) {
            skipped.push(`${label} (projected ${projectedS.toFixed(0)} s, ${elapsedS.toFixed(0)} s of ${BUDGET_S} s used)`);
            process.stderr.write(`llm-loop: skipping ${size} iterations × ${workers} workers: projected ${projectedS.toFixed(0)} s would exceed LLM_LOOP_BUDGET_S=${BUDGET_S}\n`);
            continue;
          }
          process.stderr.write(`llm-loop: ${size} × ${workers}: ${size - TAIL} prepopulated + ${TAIL} iterations (a full run would take ~${projectedS.toFixed(0)} s)…\n`);
          // One prepopulated repository per size, copied for each worker count.
          let template = templates.get(size);
          if (!template) templates.set(size, (template = await prepopulatedTemplate(server.url, size - TAIL)));
          const tail = await runOnce(server.url, size, workers, Math.max(120_000, tailS * 3000), template);
          results.push(tail);
          process.stderr.write(`llm-loop: ${size} × ${workers} (tail of ${TAIL}): steady ${tail.steadyMs?.toFixed(1) ?? '-'} ms/it, largest ${(tail.largest.peakKb / 1024).toFixed(0)} MB, leftovers ${tail.leftovers.length}\n`);
          continue;
        }
        const timeoutMs = Math.max(120_000, (projectedS ?? size * 0.2) * 3000);
        process.stderr.write(`llm-loop: ${size} iterations × ${workers} workers${projectedS ? ` (~${projectedS.toFixed(0)} s)` : ''}…\n`);
        const result = await runOnce(server.url, size, workers, timeoutMs);
        results.push(result);
        process.stderr.write(
          `llm-loop: ${size} × ${workers}: wall ${result.wallS.toFixed(1)} s, CPU ${result.cpuS.toFixed(1)} s, steady ${result.steadyMs?.toFixed(1) ?? '-'} ms/it, ` +
            `first child ${result.firstChildS?.toFixed(2) ?? '-'} s, largest ${(result.largest.peakKb / 1024).toFixed(0)} MB (${result.largest.command}), ` +
            `tree ${result.treeRssMb.toFixed(0)} MB, leftovers ${result.leftovers.length}\n`,
        );
      }
    }
  } finally {
    for (const template of templates.values()) await template.cleanup();
    await server.close();
  }

  console.log('the rival comparison\'s work through `cambrian run --json`: scripted instant LLM (llm-diff), evaluator = one sed, fresh store each run');
  printTable(
    ['iterations × workers', 'wall s', 'CPU s', 'steady ms/it', 'run started s', 'first child s', 'evals', 'rejected', 'run RSS MB', 'largest MB', 'tree RSS MB', 'processes', 'leftovers'],
    results.map((r) => [
      r.prepopulated === null ? `${r.iterations} × ${r.workers}` : `${r.iterations} × ${r.workers} (last ${r.iterations - r.prepopulated})`,
      r.wallS,
      r.cpuS,
      r.steadyMs ?? NaN,
      r.runStartedS ?? NaN,
      r.firstChildS ?? NaN,
      String(r.evaluations),
      String(r.rejected),
      r.runRssMb,
      r.largest.peakKb / 1024,
      r.treeRssMb,
      String(r.processes),
      String(r.leftovers.length),
    ]),
  );
  if (skipped.length > 0) console.log(`skipped (time budget): ${skipped.join('; ')}`);

  const figures: Record<string, unknown> = {};
  for (const r of results) {
    const key = `${sizeLabel(r.iterations)}_w${r.workers}`;
    // A prepopulated run's wall and CPU are those of its tail, not of a whole run: not reported as such.
    if (r.prepopulated === null) {
      figures[`llmWall${key}`] = round(r.wallS, 2);
      figures[`llmCpu${key}`] = round(r.cpuS, 2);
    } else {
      figures[`llmTail${key}`] = `${r.iterations - r.prepopulated} iterations after ${r.prepopulated} prepopulated: wall ${round(r.wallS, 1)} s`;
    }
    figures[`llmSteadyMs${key}`] = r.steadyMs === null ? null : round(r.steadyMs, 2);
  }
  for (const workers of WORKERS) {
    const at = (size: number) => results.find((r) => r.iterations === size && r.workers === workers)?.steadyMs ?? null;
    const [k1, k10] = [at(1000), at(10000)];
    figures[`llmFlatness_w${workers}`] = k1 !== null && k10 !== null ? round(k10 / k1, 3) : null;
  }
  if (results.length > 0) {
    const largest = results.map((r) => r.largest).reduce((a, b) => (b.peakKb > a.peakKb ? b : a));
    const firstChild = results.filter((r) => r.prepopulated === null).map((r) => r.firstChildS).filter((s): s is number => s !== null);
    figures['llmMaxRssMb'] = round(largest.peakKb / 1024, 1);
    figures['llmMaxRssProcess'] = largest.command;
    figures['llmRunRssMb'] = round(Math.max(...results.map((r) => r.runRssMb)), 1);
    figures['llmTreeRssMb'] = round(Math.max(...results.map((r) => r.treeRssMb)), 1);
    figures['llmFirstChildS'] = firstChild.length > 0 ? round(median(firstChild), 2) : null;
    figures['llmLeftovers'] = results.reduce((sum, r) => sum + r.leftovers.length, 0);
    figures['llmRejected'] = results.reduce((sum, r) => sum + r.rejected, 0);
  }
  if (skipped.length > 0) figures['llmSkipped'] = skipped;
  console.log(JSON.stringify(figures));
}

// Runs only as a script (bench/profile.ts imports the repo and reply helpers).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
