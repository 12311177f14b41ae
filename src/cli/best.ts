// `cambrian best`: the best individual of a run — its commit, branch, fitness and metrics, and
// optionally its diff against the run's base commit (the genome); with `--front`, the run's Pareto
// front over the fitness metrics instead.
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { savedObjectives } from '../config/schema.ts';
import { listFront } from '../evolution/front.ts';
import { bestBranch } from '../git/branches.ts';
import { CambrianError } from '../errors.ts';
import type { RunRecord } from '../store/port.ts';
import { formatFitness, selectRun, withApp, withRepoOptions, type RepoOptions } from './common.ts';
import { printJson } from './output.ts';

interface BestOptions extends RepoOptions {
  run?: string;
  json?: boolean;
  diff?: boolean;
  front?: boolean;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('best')
      .description('show the best individual of a run (default: the newest run)')
      .option('--run <id>', 'which run')
      .option('--diff', 'print its diff against the run’s base commit')
      .option('--front', 'list the run’s Pareto front over the fitness metrics (its front branches)')
      .option('--json', 'print JSON'),
  ).action(async (options: BestOptions) => {
    await withApp(options, async (app) => {
      if (options.front && options.diff) {
        throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', '--diff shows one individual and --front lists several', {
          hint: 'diff one front member with `git diff <base> <its branch>`',
        });
      }
      const run = await selectRun(app.store, app.repository, options.run);
      if (!run.bestIndividualId) {
        throw new CambrianError('CAMBRIAN_NO_RUN', `run ${run.id} has no successfully evaluated individual yet`, { hint: 'see `cambrian status`' });
      }
      if (options.front) return printFront(app, run, options.json === true);
      const best = (await app.store.individuals.get(run.bestIndividualId))!;
      const diff = options.diff ? await app.git.diff(run.baseCommit, best.commit) : undefined;
      const result = {
        run: run.id,
        individual: best.id,
        commit: best.commit,
        branch: bestBranch(run.id),
        fitness: best.fitness,
        // The assimilation gate records a noisy best at the mean of its fresh re-measurements.
        ...(run.bestFitness !== null && run.bestFitness !== best.fitness ? { remeasuredFitness: run.bestFitness } : {}),
        metrics: best.metrics,
        seedFitness: run.seedFitness,
        evaluations: run.evaluations,
        generation: best.generation,
        operator: best.operator,
        ...(diff !== undefined ? { diff } : {}),
      };
      if (options.json) return printJson(result);
      const metrics = Object.entries(best.metrics).map(([k, v]) => `${k}=${formatFitness(v)}`).join(' ');
      process.stdout.write(
        [
          `run ${run.id}: best ${best.id} (generation ${best.generation}, ${best.operator})`,
          `  ${app.config.fitness}: ${formatFitness(best.fitness)}${'remeasuredFitness' in result ? ` (re-measured at the assimilation gate: mean ${formatFitness(run.bestFitness)})` : ''} (seed ${formatFitness(run.seedFitness)}) after ${run.evaluations} evaluations`,
          `  metrics: ${metrics}`,
          `  commit ${best.commit}  branch ${result.branch}`,
          `  merge it: git merge ${result.branch}`,
        ].join('\n') + '\n',
      );
      if (diff !== undefined) process.stdout.write('\n' + diff);
    });
  });
}

async function printFront(app: App, run: RunRecord, json: boolean): Promise<void> {
  // The run's own objectives: its front branches were kept under them, whatever cambrian.yaml says now.
  const listing = await listFront(app.store, app.git, run, savedObjectives(run.config));
  if (json) return printJson(listing);
  const names = listing.objectives.map((o) => `${o.metric} (${o.direction})`).join(', ');
  const shown = listing.members.length < listing.size ? `; the ${listing.members.length} most spread out have branches` : '';
  const lines = [`run ${run.id}: Pareto front over ${names} — ${listing.size} individual${listing.size === 1 ? '' : 's'}${shown}`];
  for (const m of listing.members) {
    const values = Object.entries(m.objectives).map(([k, v]) => `${k}=${formatFitness(v)}`).join(' ');
    lines.push(`  ${m.individual}  ${values}  branch ${m.branch}  commit ${m.commit.slice(0, 12)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
