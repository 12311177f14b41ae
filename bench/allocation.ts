// Adaptive allocation against the fixed (uniform) weights, through the project's scripted LLM server:
//
// 1. A bad arm: two models, one answering valid SEARCH/REPLACE edits, the other prose that never
//    applies. After 100 jobs, the share of jobs the broken model got (target < 10% with the bandit).
// 2. A dear arm: two models answering the same edits, one priced 10× the other. USD spent per unit
//    of improvement over 100 jobs (target: ≥ 30% less with the bandit than with uniform weights).
//
// Each case runs `SEEDS` seeds per policy in this process (`runLoop`, the same engine `cambrian run`
// uses) on a fresh repository whose evaluator is one `sed`. Prints a table, then one JSON line.
// Run: node --import tsx bench/allocation.ts   (ALLOCATION_SEEDS=3 ALLOCATION_JOBS=100)
import { openStore } from '../src/store/open.ts';
import { promptOf, startLlmServer, type RecordedRequest, type Reply } from '../test/support/llm-server.ts';
import { createRepo, FILE, KEY_ENV, loopConfig, type LoopModel } from './llm-loop.ts';
import { median, printTable, round, runLoop } from './support.ts';

const SEEDS = Number(process.env['ALLOCATION_SEEDS'] ?? 3);
const JOBS = Number(process.env['ALLOCATION_JOBS'] ?? 100);

let counter = 1;
/**
 * Valid edits set X to a new, higher value than any before (so every applied edit is a new child and
 * an improvement of the same size whatever model made it); "broken" models answer prose.
 */
function reply(request: RecordedRequest): Reply {
  const model = String(request.body?.model ?? '');
  const prompt = promptOf(request);
  const match = /export const X = (-?[0-9.]+);/.exec(prompt);
  if (model.startsWith('broken') || !match) return { text: 'I would rather talk about the weather.', tokensIn: 800, tokensOut: 40 };
  const next = ++counter;
  return {
    text: ['Subject: raise X', FILE, '<<<<<<< SEARCH', `export const X = ${match[1]};`, '=======', `export const X = ${next};`, '>>>>>>> REPLACE'].join('\n'),
    tokensIn: 800,
    tokensOut: 60,
  };
}

interface Case {
  name: string;
  models: LoopModel[];
}

const CASES: Case[] = [
  { name: 'bad arm', models: [{ name: 'good', model: 'good-coder', price: 1 }, { name: 'broken', model: 'broken-coder', price: 1 }] },
  { name: 'dear arm', models: [{ name: 'cheap', model: 'cheap-coder', price: 1 }, { name: 'dear', model: 'dear-coder', price: 10 }] },
];

function config(url: string, models: LoopModel[], policy: 'bandit' | 'fixed', seed: number): string {
  return loopConfig(url, { models, extra: [`seed: ${seed}`, 'allocation:', `  policy: ${policy}`, '  temperatures: []'] });
}

/** Improvement in units of one applied edit: every evaluated child raised X past all before it. */
function evaluatedChildren(progress: ReadonlyArray<{ outcome: string }>): number {
  return Math.max(0, progress.filter((p) => p.outcome === 'ok').length - 1);
}

interface Outcome {
  jobsByModel: Record<string, number>;
  usd: number;
  improvement: number;
}

async function runOnce(url: string, c: Case, policy: 'bandit' | 'fixed', seed: number): Promise<Outcome> {
  const repo = await createRepo(url, config(url, c.models, policy, seed));
  try {
    await runLoop(repo.dir, { workers: 1, maxEvals: JOBS + 1, env: { [KEY_ENV]: 'sk-bench' } });
    const store = await openStore({ repoDir: repo.dir });
    try {
      const [run] = await store.runs.list('any');
      const calls = await store.llmCalls.list(run!.id, 100_000);
      // Jobs per model: the model of each job's first call (the bandit's pick; the router's under fixed).
      const firstCall = new Map<string, string>();
      for (const call of [...calls].reverse()) if (call.jobId && !firstCall.has(call.jobId)) firstCall.set(call.jobId, call.model);
      const jobsByModel: Record<string, number> = {};
      for (const model of firstCall.values()) jobsByModel[model] = (jobsByModel[model] ?? 0) + 1;
      const usd = calls.reduce((sum, call) => sum + call.usd, 0);
      return { jobsByModel, usd, improvement: evaluatedChildren(await store.evaluations.progress(run!.id)) };
    } finally {
      await store.close();
    }
  } finally {
    await repo.cleanup();
  }
}

const server = await startLlmServer(reply);
const figures: Record<string, number> = {};
const rows: Array<Array<string | number>> = [];
try {
  for (const c of CASES) {
    const perPolicy: Record<string, Outcome[]> = {};
    for (const policy of ['fixed', 'bandit'] as const) {
      perPolicy[policy] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        const outcome = await runOnce(server.url, c, policy, seed);
        perPolicy[policy].push(outcome);
        const jobs = Object.values(outcome.jobsByModel).reduce((a, b) => a + b, 0);
        const second = c.models[1]!.name;
        const share = jobs > 0 ? (outcome.jobsByModel[second] ?? 0) / jobs : 0;
        rows.push([c.name, policy, String(seed), String(jobs), round(share * 100, 1), String(round(outcome.usd, 5)), String(outcome.improvement), outcome.improvement > 0 ? String(round(outcome.usd / outcome.improvement, 7)) : '—']);
        console.error(`allocation: ${c.name}, ${policy}, seed ${seed}: ${second} got ${round(share * 100, 1)}% of ${jobs} jobs, $${round(outcome.usd, 5)}, improvement ${outcome.improvement}`);
      }
    }
    const second = c.models[1]!.name;
    const share = (o: Outcome) => (o.jobsByModel[second] ?? 0) / Math.max(1, Object.values(o.jobsByModel).reduce((a, b) => a + b, 0));
    const usdPerUnit = (o: Outcome) => (o.improvement > 0 ? o.usd / o.improvement : Number.POSITIVE_INFINITY);
    const key = c.name === 'bad arm' ? 'badArm' : 'dearArm';
    figures[`${key}ShareFixedPct`] = round(median(perPolicy['fixed']!.map(share)) * 100, 1);
    figures[`${key}ShareBanditPct`] = round(median(perPolicy['bandit']!.map(share)) * 100, 1);
    if (key === 'dearArm') {
      const fixed = median(perPolicy['fixed']!.map(usdPerUnit));
      const bandit = median(perPolicy['bandit']!.map(usdPerUnit));
      figures['dearArmUsdPerUnitFixed'] = round(fixed, 7);
      figures['dearArmUsdPerUnitBandit'] = round(bandit, 7);
      figures['dearArmUsdPerUnitReductionPct'] = round((1 - bandit / fixed) * 100, 1);
    }
  }
} finally {
  await server.close();
}
console.log(`allocation over ${JOBS} jobs, ${SEEDS} seeds per policy (share = jobs of the broken or dear model)`);
printTable(['case', 'policy', 'seed', 'jobs', 'share %', 'USD', 'improvement', 'USD per unit'], rows);
console.log(JSON.stringify(figures));
