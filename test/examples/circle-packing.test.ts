import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';
import { createNumericOperator } from '../../src/operators/offline/numeric.ts';
import { checkChanges } from '../../src/operators/scope.ts';
import { contextFor, createTempRepo, defaultScope, individual, type TempRepo } from '../operators/offline/git-fixture.ts';

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL('../../examples/circle-packing/', import.meta.url));

interface EvalResult {
  code: number;
  json: { sum_radii: number; valid: number; num_circles: number };
  stdoutLines: number;
  stderr: string;
}

async function evaluate(dir: string): Promise<EvalResult> {
  let stdout: string;
  let stderr: string;
  let code = 0;
  try {
    ({ stdout, stderr } = await run(process.execPath, ['eval/evaluate.mjs'], { cwd: dir, timeout: 20_000 }));
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    ({ stdout, stderr, code } = e);
  }
  const lines = stdout.trim().split('\n');
  return { code, json: JSON.parse(lines.at(-1)!), stdoutLines: lines.length, stderr };
}

describe('circle-packing example', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'cambrian-circles-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  /** A copy of the example with pack.js transformed, to feed the evaluator bad packings. */
  async function variant(name: string, edit: (pack: string) => string): Promise<string> {
    const dir = join(work, name);
    await cp(EXAMPLE, dir, { recursive: true });
    const pack = await readFile(join(dir, 'pack.js'), 'utf8');
    const edited = edit(pack);
    assert.notEqual(edited, pack, `variant ${name} changed nothing`);
    await writeFile(join(dir, 'pack.js'), edited);
    return dir;
  }

  it('has a cambrian.yaml that validates against the config schema', async () => {
    const config = configSchema.parse(parse(await readFile(join(EXAMPLE, 'cambrian.yaml'), 'utf8')));
    assert.deepEqual(config.evolve.include, ['pack.js']);
    assert.equal(config.evaluator.command, 'node eval/evaluate.mjs');
    assert.equal(config.fitness, 'sum_radii');
    assert.equal(config.metrics['sum_radii']?.direction, 'max');
    assert.equal(config.metrics['valid']?.direction, 'max');
    assert.deepEqual(Object.keys(config.operators).sort(), ['crossover', 'numeric']);
  });

  it('scores the naive seed as valid, clearly below the known optimum, on one JSON line', async () => {
    const result = await evaluate(EXAMPLE);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdoutLines, 1);
    assert.equal(result.json.valid, 1);
    assert.equal(result.json.num_circles, 26);
    assert.ok(result.json.sum_radii > 1.0 && result.json.sum_radii < 1.6, `seed sum ${result.json.sum_radii}`);
  });

  it('rejects a packing whose circles overlap, with the reason on stderr', async () => {
    const dir = await variant('overlap', (p) => p.replace('return centres.map(([x, y], i) => [x, y, radii[i]]);', 'return centres.map(([x, y], i) => [x, y, radii[i] * 1.01]);'));
    const result = await evaluate(dir);
    assert.equal(result.code, 1);
    assert.deepEqual(result.json, { sum_radii: 0, valid: 0, num_circles: 26 });
    assert.match(result.stderr, /overlap|leaves the unit square/);
  });

  it('rejects circles outside the square and the wrong number of circles', async () => {
    const outside = await evaluate(await variant('outside', (p) => p.replace('export const SPREAD = 1.0;', 'export const SPREAD = 1.8;')));
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /radius 0; radii must be > 0/);

    const fewer = await evaluate(await variant('fewer', (p) => p.replace('  [-0.3, -0.24],\n', '')));
    assert.equal(fewer.code, 1);
    assert.equal(fewer.json.num_circles, 25);
    assert.match(fewer.stderr, /expected exactly 26 circles, got 25/);

    const broken = await evaluate(await variant('broken', (p) => p.replace('export function packCircles', 'export function packCirclesRenamed')));
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /does not export packCircles/);
  });

  describe('with the numeric operator', () => {
    let repo: TempRepo;
    let seed: string;
    before(async () => {
      repo = await createTempRepo();
      const files: Record<string, string> = {};
      for (const path of ['pack.js', 'eval/evaluate.mjs', 'cambrian.yaml']) files[path] = await readFile(join(EXAMPLE, path), 'utf8');
      seed = await repo.commit(files);
    });
    after(() => repo.cleanup());

    it('proposes in-scope edits that the evaluator can score', async () => {
      const scope = { ...defaultScope(['pack.js']), protect: ['eval/evaluate.mjs', 'cambrian.yaml'] };
      const proposal = await createNumericOperator().propose(contextFor(repo, individual('seed', seed), { seed: 2, scope }));
      assert.equal(proposal.kind, 'changes');
      if (proposal.kind !== 'changes') return;
      assert.deepEqual(await checkChanges(scope, proposal.changes, (p) => repo.files.readFile(seed, p)), { ok: true });
      const dir = join(work, 'mutated');
      await cp(EXAMPLE, dir, { recursive: true });
      await writeFile(join(dir, 'pack.js'), proposal.changes[0]!.content!);
      const result = await evaluate(dir);
      assert.equal(result.stdoutLines, 1);
      assert.equal(result.json.num_circles, 26);
    });
  });
});
