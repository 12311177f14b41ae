// `cambrian status`: per run — state, evaluations against the budget, best fitness, elites per
// island, failures by outcome, why recent jobs produced nothing, and what the LLM calls cost.
import type { Command } from 'commander';
import type { RunRecord, Store } from '../store/port.ts';
import { runWasSandboxed } from '../store/sandboxed.ts';
import type { AllocationState } from '../allocation/allocation.ts';
import { armSummary, parseBanditState, type ArmSummary } from '../allocation/bandit.ts';
import { Economy, parseEconomyState } from '../allocation/economy.ts';
import { noiseSd, parseGateState } from '../allocation/assimilation.ts';
import { formatFitness, withApp, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';

interface StatusOptions extends RepoOptions {
  run?: string;
  json?: boolean;
}

export interface RunStatus {
  run: string;
  state: RunRecord['state'];
  stopReason: string | null;
  /** The scheduler holding the run's lease (ADR 0017); `expired` when it stopped renewing it. */
  lease: { host: string; pid: number; since: string; expiresAt: string; expired: boolean } | null;
  evaluations: number;
  budget: number | null;
  bestFitness: number | null;
  seedFitness: number | null;
  bestIndividual: string | null;
  elitesPerIsland: number[];
  failuresByOutcome: Record<string, number>;
  jobs: Record<string, number>;
  recentRejections: Array<{ job: string; operator: string; reason: string }>;
  recentFailures: Array<{ individual: string; outcome: string; reason: string }>;
  llm: { calls: number; tokensIn: number; tokensOut: number; usd: number };
  cpuSeconds: number;
  /** False when any session of the run ran candidates without the sandbox (the user opted out). */
  sandboxed: boolean;
  /** How jobs were allocated: the policy, the busiest strategies, the islands, an earlier run's prior. */
  allocation: AllocationStatus | null;
}

export interface AllocationStatus {
  policy: 'bandit' | 'fixed';
  arms: ArmSummary[];
  islands: Array<{ island: number; best: number | null; stagnantFor: number; energy: number | null; roi: number | null; share: number | null; culls: number }>;
  prior: { fromRun: string; status: string } | null;
  /** Energy inequality across islands (null without the economy). */
  gini: number | null;
  /** The assimilation gate so far (null without it). */
  gate: { attempts: number; passed: number; evaluations: number; noiseless: boolean; screened: number; noiseSd: number | null } | null;
}

/** From the run's loop state (no query): runs made before allocation existed have none. */
function allocationStatus(run: RunRecord): AllocationStatus | null {
  const raw = run.loopState['allocation'] as Partial<AllocationState> | null | undefined;
  if (!raw || typeof raw !== 'object') return null;
  const bandit = parseBanditState(raw.bandit);
  const improvedAt = raw.islandImprovedAt ?? [];
  const islandCount = (raw.islandBest ?? []).length;
  const settings = { initialEnergy: 0, price: 0, maxShare: 1, giniCap: 1, checkEvery: 1, upkeep: 0, cullAfter: 1, reseed: 0, topUp: 0 };
  const economyState = parseEconomyState(raw.economy, islandCount, settings);
  const economy = economyState ? new Economy(economyState, settings) : null;
  const views = economy?.views() ?? null;
  const gate = parseGateState(raw.gate);
  return {
    policy: raw.policy === 'bandit' ? 'bandit' : 'fixed',
    arms: armSummary(bandit),
    islands: (raw.islandBest ?? []).map((best, island) => ({
      island,
      best,
      stagnantFor: run.evaluations - (improvedAt[island] ?? 0),
      energy: views?.[island]?.energy ?? null,
      roi: views?.[island]?.roi ?? null,
      share: views?.[island]?.share ?? null,
      culls: views?.[island]?.culls ?? 0,
    })),
    prior: bandit.prior ? { fromRun: bandit.prior.fromRun, status: bandit.prior.status } : null,
    gini: economy ? Math.round(economy.gini() * 1000) / 1000 : null,
    gate: gate ? { attempts: gate.attempts, passed: gate.passed, evaluations: gate.evaluations, noiseless: gate.noiseless, screened: gate.screened, noiseSd: noiseSd(gate) } : null,
  };
}

export async function runStatus(store: Store, run: RunRecord): Promise<RunStatus> {
  const islands = Number((run.config['archive'] as { islands?: number } | undefined)?.islands ?? 1);
  const elites = await store.elites.list(run.id);
  const elitesPerIsland = Array.from({ length: islands }, (_, i) => elites.filter((e) => e.island === i).length);
  const outcomes = await store.evaluations.countByOutcome(run.id);
  const { ok: _ok, ...failures } = outcomes;
  const budget = (run.loopState['budget'] as { maxEvaluations?: number | null } | null | undefined)?.maxEvaluations ?? null;
  const jobErrors = await store.jobs.recentErrors(run.id, 5);
  const failed = await store.evaluations.recentFailures(run.id, 5);
  const totals = await store.jobs.totals(run.id);
  const holder = await store.runs.leaseHolder(run.id);
  return {
    run: run.id,
    state: run.state,
    stopReason: run.stopReason,
    lease: holder && { host: holder.host, pid: holder.pid, since: holder.since.toISOString(), expiresAt: holder.expiresAt.toISOString(), expired: holder.expired },
    evaluations: run.evaluations,
    budget,
    bestFitness: run.bestFitness,
    seedFitness: run.seedFitness,
    bestIndividual: run.bestIndividualId,
    elitesPerIsland,
    failuresByOutcome: failures as Record<string, number>,
    jobs: (await store.jobs.countByStatus(run.id)) as Record<string, number>,
    recentRejections: jobErrors.map((j) => ({ job: j.id, operator: j.operator, reason: j.error ?? '' })),
    recentFailures: failed.map((e) => ({ individual: e.individualId, outcome: e.outcome, reason: e.reason ?? '' })),
    llm: await store.llmCalls.totals(run.id),
    cpuSeconds: totals.cpuSeconds,
    sandboxed: await runWasSandboxed(store, run),
    allocation: allocationStatus(run),
  };
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('status')
      .description('show the state of every run (or one with --run)')
      .option('--run <id>', 'only this run')
      .option('--json', 'print JSON'),
  ).action(async (options: StatusOptions) => {
    await withApp(options, async (app) => {
      const runs = options.run ? [await app.store.runs.get(options.run, app.repository)].filter((r): r is RunRecord => r !== null) : await app.store.runs.list(app.repository);
      const statuses = await Promise.all(runs.map((r) => runStatus(app.store, r)));
      if (options.json) return printJson({ runs: statuses });
      if (statuses.length === 0) return void process.stdout.write('no runs yet — start one with `cambrian run`\n');
      for (const s of statuses) process.stdout.write(formatStatus(s, app.config.fitness) + '\n');
    });
  });
}

function formatStatus(s: RunStatus, fitness: string): string {
  const failures = Object.entries(s.failuresByOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const lines = [
    `run ${s.run}: ${s.state}${s.stopReason ? ` (${s.stopReason})` : ''}`,
    `  evaluations ${s.evaluations}${s.budget ? ` / ${s.budget}` : ''}   best ${fitness} ${formatFitness(s.bestFitness)} (seed ${formatFitness(s.seedFitness)})`,
    `  elites per island: ${s.elitesPerIsland.join(' / ')}   failures: ${failures}   evaluator CPU ${s.cpuSeconds.toFixed(1)} s`,
  ];
  if (s.lease && !s.lease.expired) lines.push(`  driven by ${s.lease.host} pid ${s.lease.pid} since ${s.lease.since}`);
  if (s.lease?.expired) lines.push(`  lease of ${s.lease.host} pid ${s.lease.pid} expired at ${s.lease.expiresAt} (that process stopped renewing it): \`cambrian run\` takes the run over`);
  if (!s.sandboxed) lines.push('  UNSANDBOXED: candidate code ran with your privileges (evaluator.sandbox: none or --no-sandbox)');
  if (s.state === 'failed' && s.evaluations > 0) lines.push('  resumable: fix the cause above, then `cambrian run` resumes this run');
  if (s.llm.calls > 0) lines.push(`  LLM: ${s.llm.calls} calls, ${s.llm.tokensIn} tokens in, ${s.llm.tokensOut} out, $${s.llm.usd.toFixed(4)}`);
  if (s.allocation) {
    const a = s.allocation;
    const prior = a.prior ? `; prior from ${a.prior.fromRun}: ${a.prior.status}` : '';
    lines.push(`  allocation (${a.policy === 'bandit' ? 'strategy bandit' : 'fixed weights'}${prior}), top strategies:`);
    for (const arm of a.arms.slice(0, 3)) {
      const roi = arm.roi === null ? '' : `, reward/$ ${arm.roi.toPrecision(3)}`;
      lines.push(`    ${arm.arm}: ${arm.pulls} jobs, mean reward ${arm.meanReward.toFixed(3)}, mean cost $${arm.meanCost.toPrecision(3)}${roi}`);
    }
    const stagnant = a.islands.filter((i) => i.stagnantFor > 0).map((i) => `${i.island}: ${i.stagnantFor}`).join(', ');
    if (stagnant) lines.push(`    evaluations since each island last improved: ${stagnant}`);
    if (a.gini !== null) {
      lines.push(`  islands (energy economy, Gini ${a.gini.toFixed(2)}):`);
      for (const i of a.islands) {
        const roi = i.roi === null ? '—' : i.roi.toFixed(2);
        const culled = i.culls > 0 ? `, culled ${i.culls}×` : '';
        lines.push(`    ${i.island}: energy ${i.energy?.toFixed(1)}, ROI ${roi}, ${Math.round((i.share ?? 0) * 100)}% of recent jobs, best ${formatFitness(i.best)}${culled}`);
      }
    }
    if (a.gate !== null) {
      const mode = a.gate.noiseless ? ' (evaluator exact: no more re-measuring)' : a.gate.noiseSd !== null ? ` (evaluator noise sd ${formatFitness(a.gate.noiseSd)}; ${a.gate.screened} screened out)` : '';
      lines.push(`  assimilation gate: ${a.gate.passed} of ${a.gate.attempts} challengers passed, ${a.gate.evaluations} extra evaluations${mode}`);
    }
  }
  if (s.recentRejections.length > 0) {
    lines.push('  recent rejected proposals:');
    for (const r of s.recentRejections) lines.push(`    ${r.job}: ${r.reason}`);
  }
  if (s.recentFailures.length > 0) {
    lines.push('  recent failed evaluations:');
    for (const f of s.recentFailures) lines.push(`    ${f.individual} ${f.outcome}: ${f.reason}`);
  }
  return lines.join('\n');
}
