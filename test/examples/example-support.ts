// Shared pieces of the example-problem tests: run an example's evaluator in a directory and read its
// one JSON line, copy an example with one file edited (to feed the evaluator bad programs), the
// example's config parsed with the real schema, and the checks every example repeats (its config and
// seed, bad and hostile programs penalised, materialising as a repository, numeric proposals that
// score), with the temp folders and repositories they run in.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { materialiseExample } from '../../src/cli/example.ts';
import { configSchema, type CambrianConfig } from '../../src/config/schema.ts';
import { createNumericOperator } from '../../src/operators/offline/numeric.ts';
import { checkChanges, type EvolveScope } from '../../src/operators/scope.ts';
import { contextFor, createTempRepo, defaultScope, individual, type TempRepo } from '../operators/offline/git-fixture.ts';

const run = promisify(execFile);

export function exampleDir(name: string): string {
  return fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));
}

export interface EvalResult {
  code: number;
  json: Record<string, number>;
  stdoutLines: number;
  stderr: string;
}

/** `node eval/evaluate.mjs` in `dir`, as Cambrian runs it; the metrics are its last stdout line. */
export async function evaluate(dir: string, env: Record<string, string> = {}): Promise<EvalResult> {
  let stdout: string;
  let stderr: string;
  let code = 0;
  try {
    ({ stdout, stderr } = await run(process.execPath, ['eval/evaluate.mjs'], { cwd: dir, timeout: 30_000, env: { ...process.env, ...env } }));
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    ({ stdout, stderr, code } = e);
  }
  const lines = stdout.trim().split('\n');
  return { code, json: JSON.parse(lines.at(-1)!) as Record<string, number>, stdoutLines: lines.length, stderr };
}

/** A copy of the example in `work/name` with `file` transformed; the edit must change something. */
export async function variant(example: string, work: string, name: string, file: string, edit: (source: string) => string): Promise<string> {
  const dir = join(work, name);
  await cp(exampleDir(example), dir, { recursive: true });
  const source = await readFile(join(dir, file), 'utf8');
  const edited = edit(source);
  assert.notEqual(edited, source, `variant ${name} changed nothing`);
  await writeFile(join(dir, file), edited);
  return dir;
}

/** The example's cambrian.yaml, parsed with the real schema. */
export async function exampleConfig(name: string): Promise<CambrianConfig> {
  return configSchema.parse(parse(await readFile(join(exampleDir(name), 'cambrian.yaml'), 'utf8')));
}

/** The example's config, checked for what every example shares: it evolves `include`, runs its evaluator with node, has `fitness` and both offline operators. */
export async function checkedExampleConfig(name: string, include: string[], fitness: string): Promise<CambrianConfig> {
  const config = await exampleConfig(name);
  assert.deepEqual(config.evolve.include, include);
  assert.equal(config.evaluator.command, 'node eval/evaluate.mjs');
  assert.equal(config.fitness, fitness);
  assert.deepEqual(Object.keys(config.operators).sort(), ['crossover', 'numeric']);
  return config;
}

/** The example as shipped, evaluated: it must exit 0 with one JSON line that says it is valid. */
export async function evaluateSeed(name: string): Promise<EvalResult> {
  const result = await evaluate(exampleDir(name));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdoutLines, 1);
  assert.equal(result.json['valid'], 1);
  return result;
}

/**
 * Edits that turn an example program into a hostile or broken one, for `entry` (the function the
 * evaluator calls). Each case names what the evaluator must say about it on stderr; `fake-metrics`
 * is the one the evaluator must shrug off (its own line stays last).
 */
export function hostileEdits(entry: string): Array<{ name: string; edit: (source: string) => string; stderr: RegExp | null }> {
  const replaceEntry = (body: string) => (source: string) =>
    source.replace(`export function ${entry}(`, `function ${entry}Original(`) + `\nexport function ${entry}() {\n  ${body}\n}\n`;
  return [
    { name: 'missing-entry', edit: (s) => s.replace(`export function ${entry}(`, `export function ${entry}Renamed(`), stderr: new RegExp(`does not export ${entry}\\(\\)`) },
    { name: 'throws', edit: replaceEntry(`throw new Error('the candidate gave up');`), stderr: /the candidate gave up/ },
    { name: 'exits', edit: (s) => `${s}\nprocess.exit(0);\n`, stderr: /stopped \(exit code 0\)/ },
    { name: 'not-cloneable', edit: replaceEntry(`return new Proxy(${entry}Original(), {});`), stderr: /could not be cloned/ },
    { name: 'wrong-type', edit: replaceEntry(`return 'plenty';`), stderr: /must return an array/ },
    { name: 'too-many', edit: replaceEntry(`return new Array(100000).fill(${entry}Original()[0]);`), stderr: /expected exactly/ },
    { name: 'loops-forever', edit: replaceEntry(`for (;;) {}`), stderr: /did not finish within/ },
    { name: 'fake-metrics', edit: (s) => `import { writeSync as cambrianTestWrite } from 'node:fs';\ncambrianTestWrite(1, '{"score": 1e9}\\n');\n${s}`, stderr: null },
  ];
}

/** Call inside a describe: a fresh temp folder (named `prefix…`) for its tests' copies of the example, removed after them; the getter reads it once they run. */
export function useWorkDir(prefix: string): () => string {
  let work: string | undefined;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), prefix));
  });
  after(() => (work === undefined ? undefined : rm(work, { recursive: true, force: true })));
  return () => work ?? assert.fail('the work folder is made before the tests run');
}

/** An example as the shared checks see it: its name, the file its program lives in, and the metrics it reports for a rejected program. */
export interface ExampleProgram {
  example: string;
  file: string;
  invalid: Record<string, number>;
}

type Edit = (source: string) => string;

/** A rejected program: exit code 1, the example's invalid metrics, and `reason` on stderr. */
function assertRejected(result: EvalResult, program: ExampleProgram, reason: RegExp, name: string): void {
  assert.equal(result.code, 1, name);
  assert.deepEqual(result.json, program.invalid, name);
  assert.match(result.stderr, reason, name);
}

/** Each case (name, edit, reason on stderr, and the file it edits when not the program's) is evaluated as a variant in `work` and must be rejected. */
export async function assertPenalised(program: ExampleProgram, work: string, cases: Array<[name: string, edit: Edit, reason: RegExp, file?: string]>): Promise<void> {
  for (const [name, edit, reason, file = program.file] of cases) {
    assertRejected(await evaluate(await variant(program.example, work, name, file, edit)), program, reason, name);
  }
}

/** Every `hostileEdits(entry)` case must be rejected, except fake-metrics, which must exit 0 with its own `metric` still at `expected` (within 1e-4). */
export async function assertHostilePenalised(program: ExampleProgram, work: string, entry: string, [metric, expected]: [string, number]): Promise<void> {
  for (const { name, edit, stderr } of hostileEdits(entry)) {
    const result = await evaluate(await variant(program.example, work, `hostile-${name}`, program.file, edit));
    if (stderr === null) {
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.ok(Math.abs(result.json[metric]! - expected) < 1e-4, name);
    } else {
      assertRejected(result, program, stderr, name);
    }
  }
}

/** Materialises the example in `work/materialised`, checks its one seed commit tracks exactly `files`, and evaluates it there. */
export async function materialiseAndEvaluate(example: string, work: string, files: string[]): Promise<EvalResult> {
  const dir = join(work, 'materialised');
  await materialiseExample(example, dir);
  const { stdout } = await run('git', ['log', '--format=%s'], { cwd: dir });
  assert.equal(stdout.trim(), `${example}: seed program`);
  const { stdout: tracked } = await run('git', ['ls-files'], { cwd: dir });
  assert.deepEqual(tracked.trim().split('\n').sort(), files);
  return evaluate(dir);
}

/** A temp repository whose seed commit holds an example's files, and the scope that evolves its program files. */
export interface SeededRepo {
  example: string;
  repo: TempRepo;
  seed: string;
  sources: Record<string, string>;
  scope: EvolveScope;
}

/** Call inside a describe: before its tests, commits the example's `include` and `protect` files as the seed of a temp repo (removed after them). */
export function useSeededRepo(example: string, include: string[], protect: string[]): SeededRepo {
  const seeded = { example, sources: {}, scope: { ...defaultScope(include), protect } } as SeededRepo;
  before(async () => {
    seeded.repo = await createTempRepo();
    for (const path of [...include, ...protect]) seeded.sources[path] = await readFile(join(exampleDir(example), path), 'utf8');
    seeded.seed = await seeded.repo.commit(seeded.sources);
  });
  after(() => seeded.repo.cleanup());
  return seeded;
}

/** The numeric operator's proposal on the seed, checked to be in scope, written over a copy of the example in `dir` and evaluated there. */
export async function evaluateNumericProposal(seeded: SeededRepo, dir: string, env: Record<string, string> = {}): Promise<EvalResult> {
  const { repo, seed, scope } = seeded;
  const proposal = await createNumericOperator().propose(contextFor(repo, individual('seed', seed), { seed: 2, scope }));
  if (proposal.kind !== 'changes') assert.fail(`expected changes, the numeric operator rejected: ${proposal.reason}`);
  assert.deepEqual(await checkChanges(scope, proposal.changes, (p) => repo.files.readFile(seed, p)), { ok: true });
  await cp(exampleDir(seeded.example), dir, { recursive: true });
  for (const change of proposal.changes) await writeFile(join(dir, change.path), change.content!);
  return evaluate(dir, env);
}
