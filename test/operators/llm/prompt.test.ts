import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../../src/core/rng.ts';
import { isCambrianError } from '../../../src/errors.ts';
import { buildPrompt } from '../../../src/operators/llm/prompt.ts';
import { createFixture, PACK_JS, view, type Fixture } from './harness.ts';

describe('buildPrompt', () => {
  let fx: Fixture;
  let elites: ReturnType<typeof view>[];
  before(async () => {
    fx = await createFixture();
    elites = [];
    for (const k of [1, 2, 3]) {
      const commit = await fx.repo.commit({ 'src/pack.js': PACK_JS.replace('0.1;', `0.1${k}; // variant ${k} ${'x'.repeat(300)}`) });
      elites.push(view(`elite-${k}`, commit, 0.5 + k / 10));
    }
  });
  after(() => fx.close());

  const failures = Array.from({ length: 6 }, (_, i) => ({
    individualId: `child-${i}`,
    operator: 'llm-diff',
    reason: `failure number ${i}`,
    stderrTail: `Error ${i}: ${'e'.repeat(900)}`,
  }));
  const lineage = () => Array.from({ length: 8 }, (_, i) => view(`anc-${i}`, fx.repo.head, 0.5 - i / 100, { generation: 8 - i, operator: 'llm-diff' }));

  it('includes everything and says nothing about truncation when it fits', async () => {
    const ctx = fx.context({ recentFailures: failures, inspirations: elites, lineage: lineage() });
    const prompt = await buildPrompt(ctx, { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000 });
    assert.deepEqual(prompt.omitted, []);
    assert.doesNotMatch(prompt.user, /leaves out/);
    assert.match(prompt.user, /failure number 5/);
    assert.match(prompt.user, /## Inspiration 3 \(by seed\)\nFitness: 0\.8/);
    assert.match(prompt.user, /\+  const base = 0\.13; \/\/ variant 3/);
    assert.match(prompt.user, /Fitness along the lineage, oldest to newest: 0\.43 → 0\.44 → .* → 0\.5\./);
    assert.deepEqual(prompt.files, ['src/pack.js', 'src/util.js']);
  });

  it('drops failures first, then inspirations, then lineage, and says so', async () => {
    const ctx = () => fx.context({ recentFailures: failures, inspirations: elites, lineage: lineage() });
    const full = await buildPrompt(ctx(), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000 });
    const fullSize = full.system.length + full.user.length;

    const tight = fullSize - 2_500; // about three failure notes too many
    const some = await buildPrompt(ctx(), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: tight });
    assert.ok(some.system.length + some.user.length <= tight);
    assert.equal(some.omitted.length, 1);
    assert.match(some.omitted[0]!, /^\d older failure note\(s\)$/);
    assert.match(some.user, /failure number 0/, 'the newest failures stay');
    assert.doesNotMatch(some.user, /failure number 5/, 'the oldest failure goes first');
    assert.match(some.user, /## Inspiration 3/);
    assert.match(some.user, new RegExp(`Note: to fit the prompt size limit, this prompt leaves out ${some.omitted[0]!.replace(/[()]/g, '\\$&')}\\.`));

    const small = await buildPrompt(ctx(), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 2_000 });
    assert.ok(small.system.length + small.user.length <= 2_000);
    assert.deepEqual(small.omitted.slice(0, 2), ['6 older failure note(s)', '3 inspiration(s)']);
    assert.match(small.omitted[2] ?? '', /^\d older lineage entr(y|ies)$/);
    assert.doesNotMatch(small.user, /Inspiration|failure number/);
    assert.match(small.user, /const base = 0\.1;/, 'the program itself is kept');
    assert.match(small.user, /# Answer format/, 'the format is kept');
  });

  it('shows only EVOLVE blocks with a few lines of context for a long file', async () => {
    const long = ['// header', ...Array.from({ length: 40 }, (_, i) => `const filler${i} = ${i};`), PACK_JS].join('\n');
    const commit = await fx.repo.commit({ 'src/pack.js': long });
    const ctx = fx.context({ parent: view('p', commit, 0.5) });
    const blocks = await buildPrompt(ctx, { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000 });
    assert.doesNotMatch(blocks.user, /filler3 =/);
    assert.match(blocks.user, /…\nconst filler39 = 39;\nimport \{ helper \}/);
    const full = await buildPrompt(ctx, { task: 'rewrite', format: 'rewrite', fileView: 'full', maxPromptChars: 100_000 });
    assert.match(full.user, /filler3 =/);
  });

  it('varies the system intro with the rng, reproducibly', async () => {
    const systems = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const prompt = await buildPrompt(fx.context({ rng: Rng.fromSeed(seed) }), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000 });
      systems.add(prompt.system);
    }
    assert.ok(systems.size >= 2);
    const a = await buildPrompt(fx.context({ rng: Rng.fromSeed(5) }), { task: 'plan', format: null, fileView: 'blocks', maxPromptChars: 100_000 });
    const b = await buildPrompt(fx.context({ rng: Rng.fromSeed(5) }), { task: 'plan', format: null, fileView: 'blocks', maxPromptChars: 100_000 });
    assert.equal(a.system, b.system);
  });

  it('uses templates from llm.templatesDir and reports unknown placeholders and missing directories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cambrian-templates-'));
    try {
      await writeFile(join(dir, 'system-mine.md'), 'You are terse. Goal: {{goal}}');
      await writeFile(join(dir, 'diff.md'), 'GOAL={{goal}}\n{{files}}\n{{format}}');
      const prompt = await buildPrompt(fx.context(), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000, templatesDir: dir });
      assert.equal(prompt.system, 'You are terse. Goal: Pack circles into the unit square with the largest sum of radii.');
      assert.match(prompt.user, /^GOAL=Pack circles/);
      assert.match(prompt.user, /# Answer format/, 'format-search-replace.md falls back to the built-in one');

      await writeFile(join(dir, 'rewrite.md'), '{{goal}} {{nonsense}}');
      await assert.rejects(
        buildPrompt(fx.context(), { task: 'rewrite', format: 'rewrite', fileView: 'full', maxPromptChars: 100_000, templatesDir: dir }),
        (error) => isCambrianError(error) && error.code === 'CAMBRIAN_CONFIG_INVALID' && /\{\{nonsense\}\}/.test(error.message),
      );
      await assert.rejects(
        buildPrompt(fx.context(), { task: 'diff', format: 'search-replace', fileView: 'blocks', maxPromptChars: 100_000, templatesDir: join(dir, 'nope') }),
        (error) => isCambrianError(error) && /is not a directory/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
