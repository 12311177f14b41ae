import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createNumericOperator } from '../../../src/operators/offline/numeric.ts';
import { findNumericLiterals } from '../../../src/operators/offline/literals.ts';
import { maskLiterals } from '../../../src/operators/offline/crossover.ts';
import { checkChanges } from '../../../src/operators/scope.ts';
import type { Proposal } from '../../../src/operators/port.ts';
import { contextFor, createTempRepo, defaultScope, individual, type TempRepo } from './git-fixture.ts';

const run = promisify(execFile);

const PACK_JS = [
  '// Layout constants 1.5 and 0x10 in a comment',
  'const LABEL = "radius 0.25";',
  'const x1 = 4, mask = 0xff;',
  '// EVOLVE-BLOCK-START',
  'const centres = [[0.1, 0.2], [0.35, -0.4]];',
  'const iterations = 12;',
  'const name = "v2 of 3";',
  'const t = `step ${0.5}`; // 7 in a comment',
  'const scale = 2.5e-3, off = 0x20, x2 = 6;',
  '// EVOLVE-BLOCK-END',
  'console.log(JSON.stringify({ centres, iterations, name, t, scale, off, x2, x1, mask, LABEL, k: 42 }));',
  '',
].join('\n');

const MODEL_PY = [
  'SEED = 7  # 8',
  '# EVOLVE-BLOCK-START',
  'rate = 2.0',
  'depth = 3',
  'shift = -0.75',
  'label = "9.5"',
  '# EVOLVE-BLOCK-END',
  'print(rate, depth, shift, label, SEED)',
  '',
].join('\n');

const TUNE_TS = 'export const weights: number[] = [1, 0.5, -3.25];\nexport const limit: 10 = 10;\n';

describe('numeric operator', () => {
  let repo: TempRepo;
  let seedCommit: string;
  before(async () => {
    repo = await createTempRepo();
    seedCommit = await repo.commit({
      'pack.js': PACK_JS,
      'model.py': MODEL_PY,
      'src/tune.ts': TUNE_TS,
      'notes.txt': 'no numbers here',
      'eval/evaluate.mjs': 'const threshold = 0.5;\n',
    });
  });
  after(() => repo.cleanup());

  const propose = (seed: number, include: string[], meta: Record<string, unknown> = {}, commit = seedCommit) =>
    createNumericOperator().propose(contextFor(repo, individual('p', commit, meta), { seed, scope: defaultScope(include) }));

  const changesOf = (p: Proposal) => {
    assert.equal(p.kind, 'changes', p.kind === 'rejected' ? p.reason : '');
    return p.kind === 'changes' ? p : assert.fail('unreachable');
  };

  it('changes only literals inside EVOLVE blocks, never strings, comments, identifiers or hex', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const proposal = changesOf(await propose(seed, ['pack.js']));
      assert.equal(proposal.changes.length, 1);
      const next = proposal.changes[0]!.content!;
      const [was, now] = await Promise.all([findNumericLiterals('pack.js', PACK_JS), findNumericLiterals('pack.js', next)]);
      assert.deepEqual(was.map((l) => l.text), ['0.1', '0.2', '0.35', '-0.4', '12', '2.5e-3', '6']);
      assert.equal(maskLiterals(next, now), maskLiterals(PACK_JS, was), `seed ${seed} edited more than literals`);
      const changed = was.filter((l, i) => l.text !== now[i]!.text).length;
      assert.ok(changed >= 1 && changed <= 4, `seed ${seed}: ${changed} literals changed`);
      assert.match(proposal.description, /^numeric: \d literals? in pack\.js$/);
      assert.deepEqual(await checkChanges(defaultScope(['pack.js']), proposal.changes, (p) => repo.files.readFile(seedCommit, p)), { ok: true });
    }
  });

  it('produces JavaScript that still parses and runs', async () => {
    const next = changesOf(await propose(3, ['pack.js'])).changes[0]!.content!;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', next], { timeout: 10_000 });
    const printed = JSON.parse(stdout);
    assert.equal(printed.k, 42);
    assert.equal(printed.name, 'v2 of 3');
  });

  it('keeps integers integral and actually changes them', async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const next = changesOf(await propose(seed, ['model.py'])).changes[0]!.content!;
      assert.match(/^depth = (.*)$/m.exec(next)![1]!, /^-?\d+$/);
      assert.equal((await findNumericLiterals('model.py', next)).length, 3);
    }
    // Even with its step size at the floor, an integer moves by at least one.
    const child = await repo.commit({ 'model.py': 'depth = 3\n' }, seedCommit);
    for (let seed = 1; seed <= 10; seed++) {
      const p = changesOf(await propose(seed, ['model.py'], { numericSigma: { 'model.py#0': 1e-6 } }, child));
      assert.match(p.changes[0]!.content!, /^depth = [24]\n$/);
    }
  });

  it('mutates Python floats into valid Python floats, negative ones included', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const next = changesOf(await propose(seed, ['model.py'])).changes[0]!.content!;
      const rate = /^rate = (.*)$/m.exec(next)![1]!;
      const shift = /^shift = (.*)$/m.exec(next)![1]!;
      assert.match(rate, /[.e]/, 'a Python float keeps its float look');
      assert.match(shift, /^\(?-?[\d.]+(e-?\d+)?\)?$/);
      assert.match(next, /^label = "9\.5"$/m);
      assert.match(next, /^SEED = 7 {2}# 8$/m);
      const { stdout } = await run('python3', ['-c', next], { timeout: 10_000 });
      const [r, d] = stdout.trim().split(' ');
      assert.ok(r!.includes('.') || r!.includes('e'), `rate printed as ${r}`);
      assert.match(d!, /^-?\d+$/);
    }
  });

  it('mutates TypeScript values and leaves type positions alone', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const next = changesOf(await propose(seed, ['src/**/*.ts'])).changes[0]!.content!;
      assert.match(next, /^export const weights: number\[\] = \[.*\];\nexport const limit: 10 = /);
    }
  });

  it('is deterministic for a given seed', async () => {
    const a = await propose(11, ['**/*']);
    const b = await propose(11, ['**/*']);
    assert.deepEqual(a, b);
    const others = await Promise.all([12, 13, 14].map((s) => propose(s, ['**/*'])));
    assert.ok(others.some((o) => JSON.stringify(o) !== JSON.stringify(a)));
  });

  it('never reads files outside the evolvable scope (evaluator files are protected)', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      for (const change of changesOf(await propose(seed, ['**/*'])).changes) {
        assert.notEqual(change.path, 'eval/evaluate.mjs');
      }
    }
  });

  it('carries self-adaptive step sizes in meta, keyed by path and literal index', async () => {
    const inherited = { 'model.py#0': 0.5, 'model.py#1': 0.2, 'model.py#2': 0.05, 'gone.py#0': 0.3 };
    const p = changesOf(await propose(5, ['model.py'], { numericSigma: inherited }));
    const sigma = p.meta!['numericSigma'] as Record<string, number>;
    const changedKeys = Object.keys(inherited).filter((k) => sigma[k] !== inherited[k as keyof typeof inherited]);
    assert.ok(changedKeys.length >= 1, 'the mutated literals got new step sizes');
    for (const key of changedKeys) {
      const ratio = sigma[key]! / inherited[key as keyof typeof inherited];
      assert.ok(ratio > Math.exp(-1.5) && ratio < Math.exp(1.5), `${key} adapted from the parent's σ, ratio ${ratio}`);
    }
    assert.equal(sigma['gone.py#0'], 0.3, 'untouched entries are carried over');
  });

  it('takes larger steps where the inherited step size is larger', async () => {
    const child = await repo.commit({ 'model.py': 'rate = 1.0\n' }, seedCommit);
    const meanStep = async (sigma: number) => {
      let total = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const p = changesOf(await propose(seed, ['model.py'], { numericSigma: { 'model.py#0': sigma } }, child));
        total += Math.abs(Number(/rate = \(?(.*?)\)?\n/.exec(p.changes[0]!.content!)![1]) - 1);
      }
      return total / 20;
    };
    const small = await meanStep(0.001);
    const large = await meanStep(0.3);
    assert.ok(small < 0.01 && large > 0.05, `mean |step|: σ=0.001 → ${small}, σ=0.3 → ${large}`);
  });

  it('rejects when there is no literal to mutate', async () => {
    const p = await propose(1, ['notes.txt']);
    assert.equal(p.kind, 'rejected');
    assert.match(p.kind === 'rejected' ? p.reason : '', /no numeric literal/);
  });
});
