// `cambrian report` on a real run and its baseline: Markdown + HTML with the SVG plots (progress,
// archive, lineage, allocation, island energy, assimilation outcomes),
// the baseline drawn next to the run, and the lineage down to the seed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createExampleRepo, smallBudget, type ExampleRepo } from '../support/example-repo.ts';
import { runCli } from '../support/cli.ts';

const repos: ExampleRepo[] = [];
after(async () => {
  for (const repo of repos) await repo.cleanup();
});

describe('cambrian report', () => {
  it('writes Markdown and HTML with progress (vs the baseline), archive map and lineage', async () => {
    const repo = await createExampleRepo('circle-packing', smallBudget(12, '\nallocation:\n  reportEvery: 5\n'));
    repos.push(repo);
    assert.equal((await runCli(['run', '--repo', repo.dir])).code, 0);
    assert.equal((await runCli(['run', '--repo', repo.dir, '--baseline', 'independent'])).code, 0);
    const out = join(repo.dir, 'out');
    const result = await runCli(['report', '--repo', repo.dir, '--run', 'r1', '--out', out]);
    assert.equal(result.code, 0, result.stderr);

    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    const best = JSON.parse((await runCli(['best', '--repo', repo.dir, '--run', 'r1', '--json'])).stdout) as { fitness: number; individual: string };
    assert.match(markdown, /# Cambrian run r1/);
    assert.ok(markdown.includes(String(best.fitness)), 'the best fitness is in the summary');
    assert.match(markdown, /baseline r2 best/);
    assert.match(markdown, /\| r1-i0 \| seed \|/, 'the lineage reaches the seed');
    assert.ok(markdown.includes(`| ${best.individual} |`));

    const progress = await readFile(join(out, 'progress.svg'), 'utf8');
    assert.match(progress, /^<svg /);
    assert.equal((progress.match(/<path /g) ?? []).length, 2, 'run and baseline are both drawn');
    assert.match(progress, /r2 \(baseline-independent\)/);
    const archive = await readFile(join(out, 'archive.svg'), 'utf8');
    assert.match(archive, /island 0/);
    // The energy economy and the assimilation gate are on by default (four islands, two operators).
    assert.match(markdown, /## Islands[\s\S]*\| island \| energy \| ROI/);
    assert.match(markdown, /## Assimilation[\s\S]*\d+ of \d+ challengers passed/);
    const energy = await readFile(join(out, 'energy.svg'), 'utf8');
    assert.match(energy, /island 3/);
    const gate = await readFile(join(out, 'assimilation.svg'), 'utf8');
    assert.match(gate, /passed/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.ok(html.includes('<svg') && html.includes('</html>'));
    assert.match(html, /<h2>Assimilation<\/h2>/);
  });
});
