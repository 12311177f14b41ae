import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCrossoverOperator } from '../../../src/operators/offline/crossover.ts';
import { checkChanges } from '../../../src/operators/scope.ts';
import type { Proposal } from '../../../src/operators/port.ts';
import type { IndividualView } from '../../../src/core/types.ts';
import { contextFor, createTempRepo, defaultScope, individual, type TempRepo } from './git-fixture.ts';

const lines = (...body: string[]) => ['# EVOLVE-BLOCK-START', ...body, '# EVOLVE-BLOCK-END', 'print(a, b, c, d, e)', ''].join('\n');
const BASE = lines('a = 1.0', 'keep1 = 0', 'b = 2.0', 'keep2 = 0', 'keep3 = 0', 'c = 3.0', 'd = 4.0', 'e = 5.0');

describe('crossover operator', () => {
  let repo: TempRepo;
  let base: string;
  before(async () => {
    repo = await createTempRepo();
    base = await repo.commit({ 'm.py': BASE, 'eval/evaluate.py': 'print(1)\n' });
  });
  after(() => repo.cleanup());

  const cross = (parent: IndividualView, inspirations: IndividualView[], seed = 1, baseCommit = base) =>
    createCrossoverOperator().propose(contextFor(repo, parent, { seed, inspirations, baseCommit, scope: defaultScope(['*.py']) }));
  const changesOf = (p: Proposal) => {
    assert.equal(p.kind, 'changes', p.kind === 'rejected' ? p.reason : '');
    return p.kind === 'changes' ? p : assert.fail('unreachable');
  };
  const edit = (from: string, to: string) => BASE.replace(from, to);

  it('3-way merges edits on different lines and names the other parent', async () => {
    const ours = individual('ours', await repo.commit({ 'm.py': edit('a = 1.0', 'a = 1.5') }, base));
    const theirs = individual('theirs', await repo.commit({ 'm.py': edit('c = 3.0', 'c = 3.25') }, base));
    const p = changesOf(await cross(ours, [theirs]));
    assert.equal(p.alsoParentId, 'theirs');
    assert.deepEqual(p.changes, [{ path: 'm.py', content: BASE.replace('a = 1.0', 'a = 1.5').replace('c = 3.0', 'c = 3.25') }]);
    assert.match(p.description, /^crossover \(3-way\): m\.py with theirs$/);
    assert.deepEqual(await checkChanges(defaultScope(['*.py']), p.changes, (path) => repo.files.readFile(ours.commit, path)), { ok: true });
  });

  it('rejects conflicting edits that are more than literal changes', async () => {
    const ours = individual('ours', await repo.commit({ 'm.py': edit('b = 2.0', 'b = 2.0 * a') }, base));
    const theirs = individual('theirs', await repo.commit({ 'm.py': edit('b = 2.0', 'b = a + 1') }, base));
    const p = await cross(ours, [theirs]);
    assert.deepEqual(p, { kind: 'rejected', reason: 'merge conflict in m.py (with theirs)' });
  });

  it('falls back to per-literal uniform crossover when both sides tuned the same lines', async () => {
    const oursText = lines('a = 1.1', 'keep1 = 0', 'b = 2.1', 'keep2 = 0', 'keep3 = 0', 'c = 3.1', 'd = 4.1', 'e = 5.1');
    const theirsText = lines('a = 1.9', 'keep1 = 0', 'b = 2.9', 'keep2 = 0', 'keep3 = 0', 'c = 3.9', 'd = 4.9', 'e = 5.9');
    const ours = individual('ours', await repo.commit({ 'm.py': oursText }, base), { numericSigma: { 'm.py#0': 0.1, 'm.py#2': 0.1 } });
    const theirs = individual('theirs', await repo.commit({ 'm.py': theirsText }, base), { numericSigma: { 'm.py#0': 0.7, 'm.py#2': 0.7 } });
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const p = changesOf(await cross(ours, [theirs], seed));
      assert.match(p.description, /literal-uniform/);
      const content = p.changes[0]!.content!;
      const values = [...content.matchAll(/^([a-e]) = (\d\.\d)$/gm)].map((m) => m[2]!);
      assert.equal(values.length, 5);
      const fromTheirs = values.map((v) => v.endsWith('.9'));
      assert.ok(fromTheirs.some(Boolean) && !fromTheirs.every(Boolean), `seed ${seed} is neither parent: ${values}`);
      // Each literal brings its step size along from the parent it came from.
      const sigma = p.meta!['numericSigma'] as Record<string, number>;
      assert.equal(sigma['m.py#0'], fromTheirs[0] ? 0.7 : 0.1);
      assert.equal(sigma['m.py#2'], fromTheirs[1] ? 0.7 : 0.1);
      assert.deepEqual(await checkChanges(defaultScope(['*.py']), p.changes, (path) => repo.files.readFile(ours.commit, path)), { ok: true });
      seen.add(content);
    }
    assert.ok(seen.size > 5, 'different seeds give different children');
    assert.deepEqual(await cross(ours, [theirs], 4), await cross(ours, [theirs], 4));
  });

  it('rejects a crossover that leaves the parent unchanged', async () => {
    const ours = individual('ours', await repo.commit({ 'm.py': edit('a = 1.0', 'a = 1.5') }, base));
    const ancestor = individual('seed', base);
    assert.deepEqual(await cross(ours, [ancestor]), { kind: 'rejected', reason: 'crossover produced no change' });
  });

  it('rejects when no inspiration differs from the parent', async () => {
    const ours = individual('ours', base);
    assert.equal((await cross(ours, [])).kind, 'rejected');
    assert.equal((await cross(ours, [individual('twin', base)])).kind, 'rejected');
  });

  it('falls back to the run base when the two histories share no ancestor', async () => {
    const ours = individual('ours', await repo.commit({ 'm.py': edit('a = 1.0', 'a = 1.5') }));
    const theirs = individual('theirs', await repo.commit({ 'm.py': edit('e = 5.0', 'e = 5.5') }));
    const p = changesOf(await cross(ours, [theirs]));
    assert.equal(p.changes[0]!.content, BASE.replace('a = 1.0', 'a = 1.5').replace('e = 5.0', 'e = 5.5'));
  });

  it('brings in an evolvable file the other parent added, but never protected files', async () => {
    const ours = individual('ours', await repo.commit({ 'm.py': edit('a = 1.0', 'a = 1.5') }, base));
    const theirs = individual(
      'theirs',
      await repo.commit({ 'helper.py': 'K = 3\n', 'eval/evaluate.py': 'print(2)\n' }, base),
    );
    const p = changesOf(await cross(ours, [theirs]));
    assert.deepEqual(p.changes, [{ path: 'helper.py', content: 'K = 3\n' }]);
    assert.match(p.description, /\(add\)/);
  });
});
