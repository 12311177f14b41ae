// Gives a benchmark repository a run of N evaluated individuals, as if `cambrian run` had been
// interrupted after N evaluations: real commits (one per individual, with its branch, written in one
// `git fast-import`), individuals / evaluations / jobs / ledger rows through the store, a MAP-Elites
// archive fitted by the real Archive, and the run's counters and loop state — so a resumed
// runEvolution with a larger budget simply continues it.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openApp } from '../src/app.ts';
import { Archive, type ArchiveEntry } from '../src/core/archive/archive.ts';
import { combineEmbeddings, embedText } from '../src/core/descriptors/embedding.ts';
import { Rng } from '../src/core/rng.ts';
import { evaluatorConfigHash } from '../src/evaluate/config-hash.ts';
import { individualId, jobId } from '../src/evolution/ids.ts';
import { parseLoopState } from '../src/evolution/loop-state.ts';
import { branchForIndividual } from '../src/git/branches.ts';
import type { LedgerEvent } from '../src/ledger/events.ts';
import { openDatabase } from '../src/store/open.ts';
import { rowsOf, type Db } from '../src/store/repos/db.ts';
import { createRepos } from '../src/store/repos/index.ts';
import { PARAMS_PATH, paramsSource, runBenchChild, runLoop, SEED_PARAMS } from './support.ts';

/** Rows per transaction while prepopulating (multi-row INSERTs inside). */
const BATCH = 1000;
/** Elite slots of the synthetic lineage model (≈ islands × cells of the default archive). */
const SLOTS = 400;
/** Slots the exploit choice draws from: a few long-lived, well-used parents, as in a real run. */
const HOT_SLOTS = 10;

interface Synthetic {
  seq: number;
  parentSeq: number;
  generation: number;
  island: number;
  values: number[];
  fitness: number;
  embedding: number[];
}

/** What the synthetic individuals are: one evolvable file whose numbers the lineage mutates. */
export interface Genome {
  path: string;
  seedValues: number[];
  source(values: readonly number[]): string;
  /** Environment for the seed run (e.g. an LLM key the run's operators need to be built). */
  env?: Record<string, string>;
}

/** The numeric bench repository's params.js (createBenchRepo). */
export const PARAMS_GENOME: Genome = { path: PARAMS_PATH, seedValues: SEED_PARAMS, source: paramsSource };

/** bench/llm-loop.ts's x.js: one constant in an EVOLVE block. */
export const LLM_LOOP_GENOME: Genome = {
  path: 'x.js',
  seedValues: [1],
  source: ([x]) => `// EVOLVE-BLOCK-START\nexport const X = ${x};\n// EVOLVE-BLOCK-END\n`,
  env: { LLM_LOOP_KEY: 'sk-llm-loop-dummy' },
};

const GENOMES: Record<string, Genome> = { params: PARAMS_GENOME, 'llm-loop': LLM_LOOP_GENOME };

export interface Prepopulated {
  runId: string;
  /** The run's evaluations after prepopulating (the seed's included): resume with more than this. */
  evaluations: number;
  elites: number;
  seconds: number;
  /** Where prepopulating spent its time (seconds): seed run, synthesis, git, archive, database. */
  steps: Record<string, number>;
}

/** Runs the seed with a budget of 1, then adds `n` evaluated individuals to that run. */
export async function prepopulate(dir: string, n: number, seed = 1, genome: Genome = PARAMS_GENOME): Promise<Prepopulated> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  let stepStart = started;
  const step = (name: string): void => {
    const now = performance.now();
    steps[name] = Math.round(now - stepStart) / 1000;
    stepStart = now;
  };
  const first = await runLoop(dir, { workers: 1, maxEvals: 1, ...(genome.env ? { env: genome.env } : {}) });
  const runId = first.run.id;

  const app = await openApp({ repoDir: dir, env: {}, warn: () => {} });
  const config = app.config;
  const seedRecord = (await app.store.individuals.get(individualId(runId, 0)))!;
  const run = (await app.store.runs.get(runId))!;
  await app.close();
  step('seed run');

  const individuals = synthesise(n, Rng.fromSeed(`bench-prepopulate-${seed}`), seedRecord.fitness ?? 1, config.archive.islands, genome);
  step('synthesise');
  const commits = await writeCommits(dir, runId, seedRecord.commit, individuals, genome);
  step('git');

  const archive = new Archive({ ...config.archive, direction: 'max' });
  for (let island = 0; island < config.archive.islands; island++) {
    archive.insert({ id: seedRecord.id, island, fitness: seedRecord.fitness ?? 1, metrics: seedRecord.metrics, embedding: seedRecord.embedding });
  }
  for (const s of individuals) {
    archive.insert({ id: individualId(runId, s.seq), island: s.island, fitness: s.fitness, metrics: { score: s.fitness }, embedding: s.embedding });
  }
  archive.refit(individuals.slice(-512).map((s) => s.embedding));
  const elites = archive.elites();
  const placed = new Map<string, ArchiveEntry>(elites.map((e) => [e.id, e]));
  step('archive');

  const database = await openDatabase({ repoDir: dir });
  try {
    const hash = evaluatorConfigHash(config.evaluator, config.metrics, config.fitness);
    const baseMs = run.createdAt.getTime();
    // Bulk load as Postgres advises: secondary indexes dropped first and built once at the end
    // (~2× faster than maintaining them row by row); constraints' own indexes stay.
    const secondary = rowsOf<{ name: string; definition: string }>(
      await database.db.execute(sql`
        SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename IN ('individuals', 'evaluations', 'jobs', 'ledger_events')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`),
    );
    for (const index of secondary) await database.db.execute(sql.raw(`DROP INDEX ${JSON.stringify(index.name)}`));
    for (let start = 0; start < individuals.length; start += BATCH) {
      const batch = individuals.slice(start, start + BATCH);
      const rows = batch.map((s) => records(runId, s, commits[s.seq - 1]!, placed.get(individualId(runId, s.seq)), hash, baseMs));
      await database.db.transaction(async (tx) => {
        await bulkInsert(tx, 'individuals', rows.map((r) => r.individual));
        await bulkInsert(tx, 'evaluations', rows.map((r) => r.evaluation));
        await bulkInsert(tx, 'jobs', rows.map((r) => r.job));
        await bulkInsert(tx, 'ledger_events', rows.flatMap((r) => r.events.map((data) => ({ run_id: runId, type: data.type, data }))), ['run_id', 'type', 'data']);
      });
    }
    for (const index of secondary) await database.db.execute(sql.raw(index.definition));
    const best = individuals.reduce((a, b) => (b.fitness > a.fitness ? b : a));
    const bestIsSeed = (seedRecord.fitness ?? 1) >= best.fitness;
    const state = parseLoopState(run.loopState);
    const evaluationCount = n + 1;
    await database.db.transaction(async (tx) => {
      const store = createRepos(tx);
      const now = new Date(baseMs + n * 10);
      await store.elites.replaceAll(runId, elites.map((e) => ({
        runId, island: e.island, cell: e.cell!, individualId: e.id, fitness: e.fitness, descriptor: e.coords ?? [], updatedAt: now,
      })));
      await store.runs.update(runId, {
        state: 'stopped',
        stopReason: 'interrupted',
        finishedAt: null,
        evaluations: evaluationCount,
        individuals: n + 1,
        bestIndividualId: bestIsSeed ? seedRecord.id : individualId(runId, best.seq),
        bestFitness: bestIsSeed ? seedRecord.fitness : best.fitness,
        updatedAt: now,
        loopState: {
          ...state,
          projection: archive.projection,
          warmupIds: [],
          sinceRefit: 0,
          nextJobSeq: n,
          lastMigrationAt: evaluationCount - (evaluationCount % config.archive.migrationEvery),
          lastImprovementAt: bestIsSeed ? 1 : best.seq + 1,
          futileJobs: 0,
        },
      });
    });
  } finally {
    await database.close();
  }
  step('database');
  return { runId, evaluations: n + 1, elites: elites.length, seconds: (performance.now() - started) / 1000, steps };
}

/**
 * A plausible lineage: each child mutates one or two literals of a parent drawn from a set of elite
 * slots (60% from a few hot slots, as the exploit sampler does), and takes a slot when it beats it.
 */
function synthesise(n: number, rng: Rng, seedFitness: number, islands: number, genome: Genome): Synthetic[] {
  const all: Synthetic[] = [];
  const seed = { seq: 0, generation: 0, values: genome.seedValues, fitness: seedFitness };
  const slots: Array<Pick<Synthetic, 'seq' | 'generation' | 'values' | 'fitness'>> = Array.from({ length: SLOTS }, () => seed);
  for (let seq = 1; seq <= n; seq++) {
    const slot = rng.next() < 0.6 ? rng.int(HOT_SLOTS) : rng.int(SLOTS);
    const parent = slots[slot]!;
    const values = [...parent.values];
    for (let k = rng.next() < 0.7 ? 1 : 2; k > 0; k--) {
      const i = rng.int(values.length);
      values[i] = Number((values[i]! * (1 + 0.1 * rng.normal()) + 0.001 * rng.normal()).toPrecision(6));
    }
    const fitness = Math.round((parent.fitness + 0.02 * rng.normal()) * 1e6) / 1e6;
    const content = genome.source(values);
    const embedding = combineEmbeddings([{ vector: embedText(genome.path, content), weight: Math.sqrt(content.length) }]).map(
      (x) => Math.round(x * 1e6) / 1e6, // six decimals: a shorter INSERT, the same float8[] on disk
    );
    const child: Synthetic = { seq, parentSeq: parent.seq, generation: parent.generation + 1, island: (seq - 1) % islands, values, fitness, embedding };
    all.push(child);
    const target = rng.int(SLOTS);
    if (child.fitness > slots[target]!.fitness || rng.next() < 0.05) slots[target] = child;
  }
  return all;
}

/** Every individual as a real commit on its own branch, in one fast-import; returns (commit, tree) by seq - 1. */
async function writeCommits(dir: string, runId: string, seedCommit: string, individuals: Synthetic[], genome: Genome): Promise<Array<{ commit: string; tree: string }>> {
  const scratch = await mkdtemp(join(tmpdir(), 'cambrian-bench-marks-'));
  try {
    const marks = join(scratch, 'marks');
    const child = spawn('git', ['fast-import', '--quiet', '--force', `--export-marks=${marks}`], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    const baseSeconds = Date.parse('2026-01-01T00:00:00Z') / 1000;
    let chunk = '';
    for (const s of individuals) {
      const message = `numeric: bench individual ${s.seq}\n\nCambrian-Run: ${runId}\nCambrian-Individual: ${individualId(runId, s.seq)}\nCambrian-Parent: ${individualId(runId, s.parentSeq)}\nCambrian-Operator: numeric\n`;
      const content = genome.source(s.values);
      const who = `Cambrian <cambrian@localhost> ${baseSeconds + s.seq} +0000`;
      chunk +=
        `commit ${SCRATCH_REF}\nmark :${s.seq}\nauthor ${who}\ncommitter ${who}\n` +
        `data ${Buffer.byteLength(message)}\n${message}from ${s.parentSeq === 0 ? seedCommit : `:${s.parentSeq}`}\n` +
        `M 100644 inline ${genome.path}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
      if (chunk.length > 1 << 20) {
        if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
        chunk = '';
      }
    }
    child.stdin.end(chunk);
    const code = await exited;
    if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr}`);

    const bySeq = new Map<number, string>();
    for (const line of (await readFile(marks, 'utf8')).split('\n')) {
      const match = /^:(\d+) ([0-9a-f]+)$/.exec(line);
      if (match) bySeq.set(Number(match[1]), match[2]!);
    }
    const commitList = individuals.map((s) => bySeq.get(s.seq)!);
    // Every individual's branch, written as one packed-refs file rather than as 100k loose refs
    // (what fast-import would write for a branch per commit: most of this step's time at 100k).
    await writePackedRefs(dir, individuals.map((s, i) => [`refs/heads/${branchForIndividual(runId, s.generation, s.seq)}`, commitList[i]!] as const));
    const trees = await treesOf(dir, commitList);
    return commitList.map((commit, i) => ({ commit, tree: trees[i]! }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The scratch ref fast-import commits on (each commit names its own parent; removed afterwards). */
const SCRATCH_REF = 'refs/cambrian-bench/prepopulate';

/** Adds refs to the repository's packed-refs (sorted, as git writes it) and drops the scratch ref. */
async function writePackedRefs(dir: string, refs: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const gitDir = join(dir, '.git');
  await runGitQuiet(dir, ['pack-refs', '--all']);
  const path = join(gitDir, 'packed-refs');
  const existing = (await readFile(path, 'utf8').catch(() => '# pack-refs with: peeled fully-peeled sorted \n'))
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith(` ${SCRATCH_REF}`));
  const header = existing[0]?.startsWith('#') ? existing.shift()! : '# pack-refs with: peeled fully-peeled sorted ';
  const lines = [...existing, ...refs.map(([ref, sha]) => `${sha} ${ref}`)];
  lines.sort((a, b) => (a.slice(a.indexOf(' ') + 1) < b.slice(b.indexOf(' ') + 1) ? -1 : 1));
  await writeFile(path, `${header}\n${lines.join('\n')}\n`);
}

async function runGitQuiet(dir: string, args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')} exited ${code}`))));
  });
}

async function treesOf(dir: string, commitList: string[]): Promise<string[]> {
  const child = spawn('git', ['cat-file', '--batch-check=%(objectname)'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git cat-file exited ${code}`)))));
  child.stdin.end(commitList.map((c) => `${c}^{tree}\n`).join(''));
  await exited;
  return out.trim().split('\n');
}

/** The rows one synthetic individual leaves behind in a real run, keyed by column name. */
function records(
  runId: string,
  s: Synthetic,
  made: { commit: string; tree: string },
  elite: ArchiveEntry | undefined,
  evaluatorHash: string,
  baseMs: number,
) {
  const id = individualId(runId, s.seq);
  const job = jobId(runId, s.seq - 1);
  const parentId = individualId(runId, s.parentSeq);
  const createdAt = new Date(baseMs + s.seq * 10).toISOString();
  const metrics = { score: s.fitness };
  const individual = {
    id, run_id: runId, seq: s.seq, commit: made.commit, tree: made.tree, parent_id: parentId, also_parent_id: null,
    generation: s.generation, island: s.island, operator: 'numeric', job_id: job, status: 'evaluated', outcome: 'ok',
    fitness: s.fitness, metrics, meta: { numericSigma: { [`${PARAMS_PATH}#0`]: 0.1 } }, embedding: s.embedding,
    descriptor: elite?.coords ?? null, cell: elite?.cell ?? null, description: `numeric: bench individual ${s.seq}`, created_at: createdAt,
  };
  const stdout = `${JSON.stringify(metrics)}\n`;
  const evaluation = {
    id: `${id}-e1-${Date.parse(createdAt)}`, run_id: runId, individual_id: id, seq: s.seq + 1, tree: made.tree, evaluator_hash: evaluatorHash,
    outcome: 'ok', reason: null, metrics, stdevs: null, cached: false, created_at: createdAt, duration_ms: 9, cpu_seconds: 0.002,
    stages: [{ name: 'main', exitCode: 0, signal: null, durationMs: 8, cpuSeconds: 0.002, timedOut: false, stdout, stderr: '', metrics }],
  };
  const jobRow = {
    id: job, run_id: runId, seq: s.seq - 1, status: 'done', operator: 'numeric', island: s.island, parent_id: parentId, inspiration_ids: [],
    seed: (s.seq * 2654435761) % 4294967296, attempts: 1, individual_id: id, error: null, wall_ms: 30, cpu_seconds: 0.002,
    tokens_in: 0, tokens_out: 0, usd: 0, created_at: createdAt, started_at: createdAt, finished_at: createdAt,
  };
  const events: LedgerEvent[] = [
    { type: 'job_scheduled', runId, jobId: job, operator: 'numeric', island: s.island, parentId },
    { type: 'individual_created', runId, individualId: id, commit: made.commit, parentId, alsoParentId: null, operator: 'numeric', island: s.island, generation: s.generation },
    { type: 'evaluation_finished', runId, individualId: id, outcome: 'ok', fitness: s.fitness, metrics, reason: null, durationMs: 9, cpuSeconds: 0.002, cached: false },
  ];
  return { individual, evaluation, job: jobRow, events };
}

/**
 * Rows (snake_case keys, as the columns) into a table in ONE statement with ONE parameter: a JSON
 * array expanded by json_populate_recordset. The Store's drizzle inserts bind every array element
 * as a parameter, and building those dominated prepopulating (13.5 s of 114 s at 100k in drizzle's
 * `is()`, for the 256-dim embeddings); the rows that land are the same.
 */
async function bulkInsert(db: Db, table: string, rows: Array<Record<string, unknown>>, columns?: string[]): Promise<void> {
  if (rows.length === 0) return;
  const list = columns ? sql.raw(`(${columns.join(', ')})`) : sql.raw('');
  const select = sql.raw(columns ? columns.join(', ') : '*');
  await db.execute(sql`INSERT INTO ${sql.identifier(table)} ${list} SELECT ${select} FROM json_populate_recordset(NULL::${sql.identifier(table)}, ${JSON.stringify(rows)}::json)`);
}

/** EXPLAIN of the queries every job runs, with real arguments: which of them scan a table. */
export async function explainPerJobQueries(dir: string, runId: string, sampleId: string): Promise<Array<{ query: string; plan: string; scans: boolean }>> {
  const database = await openDatabase({ repoDir: dir });
  try {
    const [row] = rowsOf<{ tree: string; parent_id: string }>(await database.db.execute(sql`SELECT tree, parent_id FROM individuals WHERE id = ${sampleId}`));
    const queries: Array<[string, ReturnType<typeof sql>]> = [
      ['individuals by id', sql`SELECT * FROM individuals WHERE id = ${sampleId}`],
      ['findByTree', sql`SELECT * FROM individuals WHERE run_id = ${runId} AND tree = ${row!.tree} ORDER BY seq LIMIT 1`],
      ['failedChildren', sql`SELECT * FROM individuals WHERE parent_id = ${row!.parent_id} AND outcome = 'candidate_failed' ORDER BY seq DESC LIMIT 3`],
      ['recentEmbeddings', sql`SELECT id, embedding FROM individuals WHERE run_id = ${runId} AND status = 'evaluated' AND embedding IS NOT NULL ORDER BY seq DESC LIMIT 512`],
      ['findCached', sql`SELECT * FROM evaluations WHERE tree = ${row!.tree} AND evaluator_hash = 'x' AND outcome IN ('ok', 'candidate_failed') ORDER BY created_at DESC, id DESC LIMIT 1`],
      ['evaluations by individual', sql`SELECT * FROM evaluations WHERE individual_id = ${sampleId} ORDER BY seq, created_at`],
      ['job by id', sql`SELECT * FROM jobs WHERE id = ${jobId(runId, 0)}`],
    ];
    const out: Array<{ query: string; plan: string; scans: boolean }> = [];
    for (const [query, statement] of queries) {
      const plan = rowsOf<{ 'QUERY PLAN': string }>(await database.db.execute(sql`EXPLAIN ${statement}`)).map((r) => r['QUERY PLAN']);
      out.push({ query, plan: plan.map((line) => line.trim()).join(' | '), scans: plan.some((line) => /Seq Scan/.test(line)) });
    }
    return out;
  } finally {
    await database.close();
  }
}

/**
 * In its own process, so that the measuring process is a fresh one that only reopens the store (as
 * `cambrian run` does on resume): PGlite's first creation and the synthetic data would otherwise
 * inflate its memory, and with it the cost of every fork (see docs/performance.md).
 */
export function prepopulateInChild(dir: string, n: number, genome: keyof typeof GENOMES = 'params'): Promise<Prepopulated> {
  return runBenchChild<Prepopulated>(fileURLToPath(import.meta.url), [dir, String(n), genome]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, n, genome] = process.argv.slice(2);
  const chosen = GENOMES[genome ?? 'params'];
  if (!chosen) throw new Error(`unknown genome ${genome}`);
  console.log(JSON.stringify(await prepopulate(dir!, Number(n), 1, chosen)));
}
