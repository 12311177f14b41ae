// `cambrian report`: a Markdown and an HTML report of a run with SVG plots — best fitness over
// evaluations (against the latest baseline run on the same repository, when one exists), the
// archive map, the lineage of the best individual, and how jobs were allocated among strategies —
// written atomically into a directory.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBetter } from '../core/fitness/compare.ts';
import type { Direction } from '../core/types.ts';
import { bestBranch } from '../git/branches.ts';
import type { RunRecord, Store } from '../store/port.ts';
import { runWasSandboxed } from '../store/sandboxed.ts';
import { archiveMap, lineageChart, lineChart, type Series } from './svg.ts';

export interface ReportFiles {
  markdown: string;
  html: string;
  svgs: string[];
}

interface RunConfigView {
  fitness: string;
  direction: Direction;
  islands: number;
  bins: number;
  operators: string[];
}

function configView(run: RunRecord): RunConfigView {
  const config = run.config as {
    fitness: string;
    metrics: Record<string, { direction: Direction }>;
    archive?: { islands?: number; bins?: number };
    operators?: Record<string, unknown>;
  };
  return {
    fitness: config.fitness,
    direction: config.metrics[config.fitness]?.direction ?? 'max',
    islands: config.archive?.islands ?? 1,
    bins: config.archive?.bins ?? 10,
    operators: Object.keys(config.operators ?? {}),
  };
}

export async function bestSoFar(store: Store, run: RunRecord, direction: Direction): Promise<Array<[number, number]>> {
  const points: Array<[number, number]> = [];
  let best: number | null = null;
  for (const p of await store.evaluations.progress(run.id)) {
    if (p.fitness === null || !isBetter(p.fitness, best, direction)) continue;
    best = p.fitness;
    points.push([p.seq, best]);
  }
  return points;
}

export async function writeReport(store: Store, run: RunRecord, outDir: string): Promise<ReportFiles> {
  const view = configView(run);
  const series: Series[] = [{ label: `${run.id} (${view.operators.join(', ')})`, color: '#2b6cb0', points: await bestSoFar(store, run, view.direction) }];
  // Only this run's repository's runs (a shared store holds other repositories' runs too).
  const baseline = (await store.runs.list(run.repository ?? 'any')).find(
    (r) => r.id !== run.id && r.baseCommit === run.baseCommit && configView(r).operators.some((o) => o.startsWith('baseline-')),
  );
  if (baseline && !view.operators.some((o) => o.startsWith('baseline-'))) {
    series.push({ label: `${baseline.id} (${configView(baseline).operators.join(', ')})`, color: '#c05621', points: await bestSoFar(store, baseline, view.direction) });
  }
  const xMax = Math.max(run.evaluations, baseline?.evaluations ?? 0);
  const progressSvg = lineChart(series, { title: `best ${view.fitness} so far`, xLabel: 'evaluations', yLabel: view.fitness, xMax });
  const elites = await store.elites.list(run.id);
  const mapSvg = archiveMap(
    elites.map((e) => ({ island: e.island, coords: e.descriptor, fitness: e.fitness })),
    { islands: view.islands, bins: view.bins, direction: view.direction, title: `archive: ${elites.length} elites` },
  );
  const lineage = run.bestIndividualId ? (await store.individuals.lineage(run.bestIndividualId)).reverse() : [];
  const lineageSvg = lineageChart(lineage.map((i) => ({ id: i.id, operator: i.operator, fitness: i.fitness })), 'lineage of the best individual');

  const allocation = await allocationOverTime(store, run);
  const allocationSvg = lineChart(allocation.series, { title: 'share of jobs per strategy (%), between allocation summaries', xLabel: 'evaluations', yLabel: '% of jobs', xMax: run.evaluations });
  const economy = await islandEnergy(store, run);
  const energySvg = lineChart(economy.series, { title: 'energy per island (culls reset it)', xLabel: 'evaluations', yLabel: 'energy (job tickets)', xMax: run.evaluations });
  const gate = await assimilationOutcomes(store, run);
  const gateSvg = lineChart(gate.series, { title: 'assimilation attempts so far, by outcome', xLabel: 'evaluations', yLabel: 'attempts', xMax: run.evaluations });

  const outcomes = await store.evaluations.countByOutcome(run.id);
  const llm = await store.llmCalls.totals(run.id);
  const costs = await store.jobs.totals(run.id);
  const summary = [
    `| | |`,
    `|---|---|`,
    `| state | ${run.state}${run.stopReason ? ` (${run.stopReason})` : ''} |`,
    `| sandbox | ${(await runWasSandboxed(store, run)) ? 'bubblewrap' : '**none — candidate code ran unsandboxed (evaluator.sandbox: none)**'} |`,
    `| evaluations | ${run.evaluations} |`,
    `| seed ${view.fitness} | ${run.seedFitness ?? '—'} |`,
    `| best ${view.fitness} | ${run.bestFitness ?? '—'} |`,
    ...(baseline ? [`| baseline ${baseline.id} best | ${baseline.bestFitness ?? '—'} after ${baseline.evaluations} evaluations |`] : []),
    `| best branch | \`${bestBranch(run.id)}\` |`,
    `| outcomes | ${Object.entries(outcomes).map(([k, v]) => `${k}: ${v}`).join(', ')} |`,
    `| operators | ${view.operators.join(', ')} |`,
    `| evaluator CPU | ${costs.cpuSeconds.toFixed(1)} s |`,
    ...(llm.calls > 0 ? [`| LLM | ${llm.calls} calls, ${llm.tokensIn} tokens in, ${llm.tokensOut} out, $${llm.usd.toFixed(4)} |`] : []),
  ].join('\n');
  const lineageTable = [
    '| individual | operator | fitness | commit |',
    '|---|---|---|---|',
    ...lineage.map((i) => `| ${i.id} | ${i.operator} | ${i.fitness ?? '—'} | \`${i.commit.slice(0, 12)}\` |`),
  ].join('\n');
  const markdown = [
    `# Cambrian run ${run.id}`,
    '',
    `Goal: ${run.goal}`,
    '',
    summary,
    '',
    '## Progress',
    '![progress](progress.svg)',
    '',
    '## Archive',
    '![archive](archive.svg)',
    '',
    '## Lineage of the best',
    '![lineage](lineage.svg)',
    '',
    lineageTable,
    '',
    '## Allocation',
    '![allocation](allocation.svg)',
    '',
    allocation.table,
    '',
    '## Islands',
    '![energy](energy.svg)',
    '',
    economy.table,
    '',
    '## Assimilation',
    '![assimilation](assimilation.svg)',
    '',
    gate.table,
    '',
  ].join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Cambrian run ${run.id}</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}</style>
</head><body><h1>Cambrian run ${escapeHtml(run.id)}</h1><p>Goal: ${escapeHtml(run.goal)}</p>
${markdownTableToHtml(summary)}<h2>Progress</h2>${progressSvg}<h2>Archive</h2>${mapSvg}<h2>Lineage of the best</h2>${lineageSvg}
${markdownTableToHtml(lineageTable)}<h2>Allocation</h2>${allocationSvg}
${tableOrText(allocation.table)}<h2>Islands</h2>${energySvg}${tableOrText(economy.table)}
<h2>Assimilation</h2>${gateSvg}${tableOrText(gate.table)}</body></html>\n`;

  await mkdir(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    ['progress.svg', progressSvg],
    ['archive.svg', mapSvg],
    ['lineage.svg', lineageSvg],
    ['allocation.svg', allocationSvg],
    ['energy.svg', energySvg],
    ['assimilation.svg', gateSvg],
    ['report.md', markdown],
    ['report.html', html],
  ];
  for (const [name, content] of files) {
    const tmp = join(outDir, `.${name}.tmp`);
    await writeFile(tmp, content);
    await rename(tmp, join(outDir, name));
  }
  return { markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html'), svgs: files.slice(0, 4).map(([n]) => join(outDir, n)) };
}

const STRATEGY_COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b7791f', '#c53030'];
/** Strategies drawn (the busiest); the table lists them all. */
const PLOTTED_STRATEGIES = STRATEGY_COLORS.length;

/**
 * From the run's `allocation_summary` events: each strategy's share of the jobs between two
 * summaries (the busiest few, as lines), and the last summary's per-strategy table.
 */
async function allocationOverTime(store: Store, run: RunRecord): Promise<{ series: Series[]; table: string }> {
  const rows = await store.ledger.list({ runId: run.id, types: ['allocation_summary'], limit: 100_000 });
  const summaries = rows.flatMap((row) => (row.data.type === 'allocation_summary' ? [row.data] : []));
  const last = summaries.at(-1);
  if (!last) return { series: [], table: '(no allocation summary yet: one is written every `allocation.reportEvery` evaluations)' };
  const arms = [...last.arms].sort((a, b) => b.pulls - a.pulls).slice(0, PLOTTED_STRATEGIES).map((a) => a.arm);
  const series: Series[] = arms.map((arm, index) => ({ label: arm, color: STRATEGY_COLORS[index]!, points: [] }));
  let previous = new Map<string, number>();
  for (const summary of summaries) {
    const pulls = new Map(summary.arms.map((a) => [a.arm, a.pulls]));
    const jobs = [...pulls.values()].reduce((a, b) => a + b, 0) - [...previous.values()].reduce((a, b) => a + b, 0);
    if (jobs > 0) {
      arms.forEach((arm, index) => series[index]!.points.push([summary.evaluations, (100 * ((pulls.get(arm) ?? 0) - (previous.get(arm) ?? 0))) / jobs]));
    }
    previous = pulls;
  }
  const table = [
    `| strategy | jobs | mean reward | mean cost | reward per $ |`,
    `|---|---|---|---|---|`,
    ...last.arms.map((a) => `| ${a.arm} | ${a.pulls} | ${a.meanReward.toFixed(3)} | $${a.meanCost.toPrecision(3)} | ${a.roi === null ? '—' : a.roi.toPrecision(3)} |`),
  ].join('\n');
  return { series, table };
}

/** From the allocation summaries: each island's energy over the run, and the last summary's table. */
async function islandEnergy(store: Store, run: RunRecord): Promise<{ series: Series[]; table: string }> {
  const rows = await store.ledger.list({ runId: run.id, types: ['allocation_summary', 'island_culled'], limit: 100_000 });
  const summaries = rows.flatMap((row) => (row.data.type === 'allocation_summary' && row.data.gini !== undefined ? [row.data] : []));
  const culls = rows.flatMap((row) => (row.data.type === 'island_culled' ? [row.data] : []));
  const last = summaries.at(-1);
  if (!last) return { series: [], table: '(no energy economy in this run: islands took turns, or no summary yet)' };
  const series: Series[] = last.islands.map((i, index) => ({ label: `island ${i.island}`, color: STRATEGY_COLORS[index % STRATEGY_COLORS.length]!, points: [] }));
  for (const summary of summaries) {
    summary.islands.forEach((i, index) => series[index]?.points.push([summary.evaluations, i.energy ?? 0]));
  }
  const table = [
    `Energy Gini ${last.gini}, effective islands ${last.effectiveIslands}; guards bound: share cap ${last.guards?.share ?? 0}×, Gini levy ${last.guards?.gini ?? 0}×; culls: ${culls.length}${culls.length > 0 ? ` (${culls.map((c) => `island ${c.island} at ${c.evaluations}`).join(', ')})` : ''}.`,
    '',
    '| island | energy | ROI | share of recent jobs | best | culls |',
    '|---|---|---|---|---|---|',
    ...last.islands.map((i) => `| ${i.island} | ${i.energy ?? '—'} | ${i.roi ?? '—'} | ${Math.round((i.share ?? 0) * 100)}% | ${i.best ?? '—'} | ${i.culls ?? 0} |`),
  ].join('\n');
  return { series, table };
}

/** From the assimilation events: attempts passed and failed so far, and the newest attempts. */
async function assimilationOutcomes(store: Store, run: RunRecord): Promise<{ series: Series[]; table: string }> {
  const rows = await store.ledger.list({ runId: run.id, types: ['assimilation'], limit: 100_000 });
  const attempts = rows.flatMap((row) => (row.data.type === 'assimilation' ? [row.data] : []));
  if (attempts.length === 0) return { series: [], table: '(no assimilation attempt: the gate is off, or no child beat the best)' };
  const passed: Series = { label: 'passed', color: '#2f855a', points: [[0, 0]] };
  const failed: Series = { label: 'failed', color: '#c53030', points: [[0, 0]] };
  const screened: Series = { label: 'screened (not re-measured)', color: '#718096', points: [[0, 0]] };
  let p = 0;
  let f = 0;
  let s = 0;
  for (const a of attempts) {
    if (a.method === 'screened') s++;
    else if (a.passed) p++;
    else f++;
    const at = a.atEvaluation ?? 0;
    passed.points.push([at, p]);
    failed.points.push([at, f]);
    screened.points.push([at, s]);
  }
  const extra = attempts.reduce((sum, a) => sum + a.evaluations, 0);
  const tested = attempts.filter((a) => a.method !== 'screened');
  const table = [
    `${p} of ${tested.length} challengers passed; the gate ran ${extra} evaluations in all (not counted in the budget)${s > 0 ? `; ${s} more were screened out without a re-measurement (their one measurement was within the noise of the best)` : ''}. Newest attempts:`,
    '',
    '| evaluation | challenger | incumbent | method | challenger mean (n) | incumbent mean (n) | p | outcome |',
    '|---|---|---|---|---|---|---|---|',
    ...tested.slice(-15).map(
      (a) =>
        `| ${a.atEvaluation ?? '—'} | ${a.individualId} | ${a.incumbentId} | ${a.method} | ${a.challenger.mean.toPrecision(6)} (${a.challenger.n}) | ${a.incumbent.mean.toPrecision(6)} (${a.incumbent.n}) | ${a.p.toPrecision(2)} | ${a.passed ? 'passed' : `failed: ${a.reasons.filter((r) => /not significant|no uplift|minUplift|worse|failed|overtaken/.test(r)).join('; ')}`} |`,
    ),
  ].join('\n');
  return { series: s > 0 ? [passed, failed, screened] : [passed, failed], table };
}

function tableOrText(text: string): string {
  const at = text.indexOf('|');
  if (at < 0) return `<p>${escapeHtml(text)}</p>`;
  const before = text.slice(0, at).trim();
  return `${before ? `<p>${escapeHtml(before)}</p>` : ''}${markdownTableToHtml(text.slice(at).trim())}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function markdownTableToHtml(table: string): string {
  const rows = table.split('\n').filter((l, i) => i !== 1);
  return `<table>${rows
    .map((r) => `<tr>${r.split('|').slice(1, -1).map((c) => `<td>${escapeHtml(c.trim()).replace(/`([^`]+)`/g, '<code>$1</code>')}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}
